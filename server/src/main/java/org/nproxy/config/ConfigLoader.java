package org.nproxy.config;

import org.nproxy.spi.Origin;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import org.nproxy.config.LocationConfig.Modifier;
import org.nproxy.config.internal.Substitutor;
import org.nproxy.config.internal.XmlElement;
import org.nproxy.config.internal.XmlReader;
import org.nproxy.spi.BindContext;
import org.nproxy.spi.ElementFactory;
import org.nproxy.spi.HandlerFactory;

/**
 * Loads {@code etc/nproxy.xml} (and what it includes) into a validated {@link NproxyConfig}.
 * Nothing is started: the same code backs {@code nproxy.sh check}, start-up and reload.
 * Every problem is collected, with its {@code file:line:column}, and thrown together.
 *
 * <p>Properties for {@code ${name}} come from {@code nproxy.properties} beside the main file,
 * overridden by JVM system properties ({@code -Dname=value}).
 */
public final class ConfigLoader {
    /** Top-level element names the core owns; a module cannot take them. */
    public static final Set<String> CORE_ELEMENTS = Set.of("include", "access-log", "server");

    private final Path base;
    private final ModuleCatalog modules;

    /**
     * @param base    instance directory; relative paths in the config resolve here
     * @param modules the handler and element factories
     */
    public ConfigLoader(Path base, ModuleCatalog modules) {
        this.base = Objects.requireNonNull(base, "base").toAbsolutePath().normalize();
        this.modules = Objects.requireNonNull(modules, "modules");
    }

    public NproxyConfig load(Path file) throws ConfigException {
        Path main = file.toAbsolutePath().normalize();
        List<ConfigError> errors = new ArrayList<>();
        Map<String, String> properties = readProperties(main.resolveSibling("nproxy.properties"), errors);
        XmlReader reader = new XmlReader(new Substitutor(properties), errors::add);
        List<Path> files = new ArrayList<>();
        files.add(main);
        XmlElement root = reader.read(main);
        if (root == null) {
            throw new ConfigException(errors);
        }
        if (!root.name().equals("nproxy")) {
            root.error("the root element is <" + root.name() + ">", "<nproxy>");
            throw new ConfigException(errors);
        }
        expandIncludes(root, reader, files, new HashSet<>(Set.of(main)), errors);

        GlobalSettings global = new GlobalSettings(
            root.duration("shutdown-timeout", Duration.ofSeconds(30)),
            root.duration("drain-timeout", Duration.ofSeconds(60)),
            root.duration("idle-timeout", Duration.ofSeconds(60)),
            (int) Math.min(Integer.MAX_VALUE, root.size("max-header-size", 16 * 1024)),
            HardeningSettings.read(root));
        AccessLogConfig accessLog = accessLog(root);
        Map<String, Map<String, ElementConfig>> elements = new LinkedHashMap<>();
        BindContext bindContext = new LoaderBindContext(base, global.forModules(), modules, elements);
        modules.elementTypes().forEach(root::acceptChildren);
        for (XmlElement e : root.elements()) {
            if (!CORE_ELEMENTS.contains(e.name())) {
                element(e, bindContext, elements);
            }
        }
        List<ServerConfig> servers = new ArrayList<>();
        for (XmlElement s : root.elements("server")) {
            servers.add(server(servers.size(), s, bindContext));
        }
        if (servers.isEmpty()) {
            root.error("no <server> block", "at least one <server> with a <listen>");
        }
        ServerValidation.check(servers, errors);
        ListenerValidation.check(servers, errors);
        root.reportUnknown();
        if (!errors.isEmpty()) {
            errors.sort((a, b) -> compareOrigins(a.origin(), b.origin()));
            throw new ConfigException(errors);
        }
        return new NproxyConfig(main, base, files, global, accessLog, elements, servers);
    }

    /** Binds one module top-level element with its factory, checking its name for duplicates. */
    private void element(XmlElement e, BindContext bindContext, Map<String, Map<String, ElementConfig>> elements) {
        ElementFactory<?> factory = modules.element(e.name());
        if (factory == null) {
            // Left to reportUnknown, which lists what is expected and suggests a close name.
            return;
        }
        Map<String, ElementConfig> byName = elements.computeIfAbsent(e.name(), t -> new LinkedHashMap<>());
        String name = factory.named() ? e.required("name") : e.name();
        Object settings = factory.bind(e, bindContext);
        if (name.isEmpty()) {
            return;
        }
        ElementConfig first = byName.get(name);
        if (first != null) {
            if (factory.named()) {
                e.attributeError("name", "duplicate " + e.name() + " '" + name + "' (first defined at " + first.origin() + ")",
                    "a unique name");
            } else {
                e.error("more than one <" + e.name() + "> (first at " + first.origin() + ")", "a single <" + e.name() + ">");
            }
            return;
        }
        byName.put(name, new ElementConfig(e.name(), name, factory, settings, e.origin()));
    }

    private AccessLogConfig accessLog(XmlElement root) {
        List<XmlElement> logs = root.elements("access-log");
        if (logs.isEmpty()) {
            return new AccessLogConfig(base.resolve("logs/access.log"), "combined");
        }
        if (logs.size() > 1) {
            logs.get(1).error("more than one <access-log>", "a single <access-log> element");
        }
        XmlElement log = logs.get(0);
        boolean off = log.bool("off", false);
        String path = log.string("path", "logs/access.log");
        String format = log.string("format", "combined");
        if (format.isBlank()) {
            log.attributeError("format", "empty access log format", "combined, common, json or a $variable pattern");
        }
        return new AccessLogConfig(off ? null : base.resolve(path).normalize(), format);
    }

    private ServerConfig server(int index, XmlElement s, BindContext bindContext) {
        List<String> names = new ArrayList<>();
        for (String name : s.string("names", "").trim().split("\\s+")) {
            if (name.isEmpty() || name.equals("_")) {
                continue;
            }
            if (name.startsWith("~")) {
                try {
                    Pattern.compile(name.substring(1));
                } catch (PatternSyntaxException e) {
                    s.attributeError("names", "bad regular expression in server name '" + name + "': "
                        + e.getDescription(), "a Java regex after '~'");
                }
                names.add(name);
            } else {
                String lower = name.toLowerCase(java.util.Locale.ROOT);
                if (lower.indexOf('*') != lower.lastIndexOf('*')
                    || (lower.contains("*") && !lower.startsWith("*.") && !lower.endsWith(".*"))) {
                    s.attributeError("names", "bad wildcard server name '" + name + "'",
                        "'*' only as the first or last label, e.g. *.example.com or www.example.*");
                }
                names.add(lower.endsWith(".") && lower.length() > 1 ? lower.substring(0, lower.length() - 1) : lower);
            }
        }
        boolean isDefault = s.bool("default", false);
        List<ListenConfig> listens = new ArrayList<>();
        for (XmlElement l : s.elements("listen")) {
            int port = l.integer("port", -1, 0, 65535);
            if (!l.has("port")) {
                l.error("<listen> needs attribute 'port'", "port=\"8080\"");
            }
            String host = l.string("host", "0.0.0.0").trim();
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            if (host.isEmpty()) {
                l.attributeError("host", "empty host", "an IP address such as 127.0.0.1 or ::1");
            }
            listens.add(TlsParser.listen(l, host, port));
        }
        if (listens.isEmpty()) {
            s.error("<server> has no <listen>", "<listen port=\"8080\" host=\"127.0.0.1\"/>");
        }
        List<LocationConfig> locations = new ArrayList<>();
        for (XmlElement loc : s.elements("location")) {
            LocationConfig location = location(loc, bindContext);
            if (location != null) {
                locations.add(location);
            }
        }
        List<XmlElement> tlsElements = s.elements("tls");
        TlsConfig tls = tlsElements.isEmpty() ? null : TlsParser.parse(tlsElements.get(0), base);
        if (tlsElements.size() > 1) {
            tlsElements.get(1).error("more than one <tls> in a <server>", "a single <tls> element");
        }
        return new ServerConfig(index, names, isDefault, listens, locations, tls, s.origin());
    }

    private LocationConfig location(XmlElement loc, BindContext bindContext) {
        // The chain first, so its errors are reported even when the path is bad.
        List<HandlerConfig> chain = chain(loc, bindContext);
        String path = loc.required("path").trim();
        if (path.isEmpty()) {
            return null;
        }
        Modifier modifier = Modifier.PREFIX;
        String pattern = path;
        String[] parts = path.split("\\s+", 2);
        if (parts.length == 2) {
            modifier = switch (parts[0]) {
                case "=" -> Modifier.EXACT;
                case "^~" -> Modifier.PREFIX_NO_REGEX;
                case "~" -> Modifier.REGEX;
                case "~*" -> Modifier.REGEX_CASELESS;
                default -> null;
            };
            pattern = parts[1].trim();
            if (modifier == null) {
                loc.attributeError("path", "unknown location modifier '" + parts[0] + "'",
                    "one of =, ^~, ~, ~* followed by a space, or a plain prefix such as /api/");
                return null;
            }
        }
        Pattern regex = null;
        if (modifier == Modifier.REGEX || modifier == Modifier.REGEX_CASELESS) {
            try {
                regex = Pattern.compile(pattern, modifier == Modifier.REGEX_CASELESS ? Pattern.CASE_INSENSITIVE : 0);
            } catch (PatternSyntaxException e) {
                loc.attributeError("path", "bad regular expression '" + pattern + "': " + e.getDescription(),
                    "a Java regex");
                return null;
            }
        } else if (!pattern.startsWith("/")) {
            loc.attributeError("path", "location path '" + pattern + "' does not start with '/'",
                "a path such as /api/ (or ~ / ~* before a regex)");
        }
        if (loc.children().isEmpty()) {
            loc.error("<location path=\"" + path + "\"> has no handler", "a handler element such as <return status=\"404\"/>");
        }
        return new LocationConfig(path, modifier, pattern, regex, chain, loc.origin());
    }

    private List<HandlerConfig> chain(XmlElement loc, BindContext bindContext) {
        List<HandlerConfig> chain = new ArrayList<>();
        for (XmlElement h : loc.elements()) {
            loc.acceptChildren(h.name());
            HandlerFactory<?> factory = modules.handler(h.name());
            if (factory == null) {
                h.error("unknown handler <" + h.name() + "> in <location>",
                    "a handler type from lib/ or lib/ext/: " + String.join(", ", modules.handlerTypes()));
                h.ignore();
                continue;
            }
            Object settings = factory.bind(h, bindContext);
            chain.add(new HandlerConfig(h.name(), factory, settings, h.origin()));
        }
        return chain;
    }

    private void expandIncludes(XmlElement parent, XmlReader reader, List<Path> files, Set<Path> seen,
                                List<ConfigError> errors) {
        List<XmlElement> children = parent.mutableChildren();
        for (int i = 0; i < children.size(); i++) {
            XmlElement child = children.get(i);
            if (!child.name().equals("include")) {
                expandIncludes(child, reader, files, seen, errors);
                continue;
            }
            parent.acceptChildren("include");
            String spec = child.required("file");
            child.reportUnknown();
            children.remove(i);
            if (spec.isEmpty()) {
                i--;
                continue;
            }
            List<XmlElement> spliced = new ArrayList<>();
            for (Path included : glob(child, spec)) {
                if (!seen.add(included)) {
                    child.error("include cycle: " + included + " is already being read", "no file including itself");
                    continue;
                }
                files.add(included);
                XmlElement root = reader.read(included);
                if (root == null) {
                    continue;
                }
                if (!root.name().equals("nproxy")) {
                    root.error("an included file's root element is <" + root.name() + ">",
                        "<nproxy> around the included elements");
                    continue;
                }
                if (!root.attributeNames().isEmpty()) {
                    root.error("attributes on an included file's <nproxy> are ignored", "<nproxy> without attributes");
                }
                expandIncludes(root, reader, files, seen, errors);
                spliced.addAll(root.elements());
                seen.remove(included);
            }
            children.addAll(i, spliced);
            i += spliced.size() - 1;
        }
    }

    /** nginx semantics: a glob may match nothing; a plain file must exist. Sorted by name. */
    private List<Path> glob(XmlElement include, String spec) {
        Path pattern = include.origin().file().resolveSibling(spec).normalize();
        String name = pattern.getFileName().toString();
        if (!name.contains("*") && !name.contains("?") && !name.contains("[")) {
            if (!Files.isRegularFile(pattern)) {
                include.attributeError("file", "included file " + pattern + " does not exist",
                    "an existing file, or a glob such as conf.d/*.xml");
                return List.of();
            }
            return List.of(pattern);
        }
        Path dir = pattern.getParent();
        List<Path> matches = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, name)) {
                for (Path p : stream) {
                    if (Files.isRegularFile(p)) {
                        matches.add(p.toAbsolutePath().normalize());
                    }
                }
            } catch (IOException e) {
                include.attributeError("file", "cannot list " + dir + ": " + e.getMessage(), "a readable directory");
            }
        }
        matches.sort(null);
        return matches;
    }

    private static Map<String, String> readProperties(Path file, List<ConfigError> errors) {
        Map<String, String> map = new HashMap<>();
        if (!Files.isRegularFile(file)) {
            return map;
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException | IllegalArgumentException e) {
            errors.add(new ConfigError(new Origin(file, 1, 1), "cannot read properties: " + e.getMessage(),
                "lines of name=value"));
        }
        for (String name : p.stringPropertyNames()) {
            map.put(name, p.getProperty(name).trim());
        }
        return map;
    }

    private static int compareOrigins(Origin a, Origin b) {
        if (a == null || b == null) {
            return a == null ? (b == null ? 0 : -1) : 1;
        }
        int c = a.file().compareTo(b.file());
        if (c != 0) {
            return c;
        }
        c = Integer.compare(a.line(), b.line());
        return c != 0 ? c : Integer.compare(a.column(), b.column());
    }
}

package org.nproxy.server;

import java.io.IOException;
import java.io.InputStream;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.nproxy.config.ConfigLoader;
import org.nproxy.config.ModuleCatalog;
import org.nproxy.spi.ElementFactory;
import org.nproxy.spi.HandlerFactory;

/**
 * The modules available to configurations: every {@link HandlerFactory} (location handlers) and
 * {@link ElementFactory} (top-level elements) found with {@link ServiceLoader} on the class path
 * ({@code lib/*.jar}) and in the jars of the {@code lib/ext/} directories, plus any other service
 * a module looks up ({@link #services}). A name offered twice fails start-up naming both jars.
 *
 * <p>The {@code lib/ext/} jars get a class loader of their own per registry, so a reload that
 * loads a new registry picks up added or replaced jars; {@link #close()} lets that loader go once
 * no generation uses it.
 */
public final class ModuleRegistry implements ModuleCatalog, AutoCloseable {
    private final ClassLoader loader;
    private final Map<String, HandlerFactory<?>> handlers;
    private final Map<String, ElementFactory<?>> elements;
    private final Map<Class<?>, List<?>> services = new ConcurrentHashMap<>();

    private ModuleRegistry(ClassLoader loader, Map<String, HandlerFactory<?>> handlers,
                           Map<String, ElementFactory<?>> elements) {
        this.loader = loader;
        this.handlers = handlers;
        this.elements = elements;
    }

    /**
     * Loads the registry.
     *
     * @param extDirs directories whose {@code *.jar} files are added (missing ones are skipped)
     * @throws IllegalStateException on a duplicate name or an unloadable factory
     */
    public static ModuleRegistry load(List<Path> extDirs) {
        List<URL> jars = jars(extDirs);
        ClassLoader parent = ModuleRegistry.class.getClassLoader();
        rejectSameProviderInTwoJars(parent, jars, HandlerFactory.class);
        rejectSameProviderInTwoJars(parent, jars, ElementFactory.class);
        ClassLoader loader = jars.isEmpty() ? parent : new URLClassLoader("nproxy-ext", jars.toArray(URL[]::new), parent);
        try {
            @SuppressWarnings("unchecked")
            Map<String, HandlerFactory<?>> handlers = (Map<String, HandlerFactory<?>>) (Map<String, ?>)
                byName(loader, HandlerFactory.class, "handler", f -> ((HandlerFactory<?>) f).type());
            @SuppressWarnings("unchecked")
            Map<String, ElementFactory<?>> elements = (Map<String, ElementFactory<?>>) (Map<String, ?>)
                byName(loader, ElementFactory.class, "element", f -> ((ElementFactory<?>) f).type());
            for (String core : ConfigLoader.CORE_ELEMENTS) {
                if (elements.containsKey(core)) {
                    throw new IllegalStateException("element module " + elements.get(core).getClass().getName() + " in "
                        + source(elements.get(core).getClass()) + " takes <" + core + ">, which the core owns; rename it");
                }
            }
            return new ModuleRegistry(loader, handlers, elements);
        } catch (RuntimeException | Error e) {
            closeLoader(loader);
            throw e;
        }
    }

    private static List<URL> jars(List<Path> extDirs) {
        List<URL> jars = new ArrayList<>();
        for (Path dir : extDirs) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            TreeSet<Path> sorted = new TreeSet<>();
            try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "*.jar")) {
                stream.forEach(sorted::add);
            } catch (IOException e) {
                throw new IllegalStateException("cannot list " + dir + ": " + e.getMessage(), e);
            }
            for (Path jar : sorted) {
                try {
                    jars.add(jar.toUri().toURL());
                } catch (MalformedURLException e) {
                    throw new IllegalStateException("bad jar path " + jar, e);
                }
            }
        }
        return jars;
    }

    private static <F> Map<String, F> byName(ClassLoader loader, Class<F> kind, String what, Function<Object, String> name) {
        Map<String, F> found = new LinkedHashMap<>();
        Map<String, String> sources = new LinkedHashMap<>();
        for (ServiceLoader.Provider<F> provider : ServiceLoader.load(kind, loader).stream().toList()) {
            F factory;
            try {
                factory = provider.get();
            } catch (Throwable t) {
                throw new IllegalStateException("cannot load " + what + " module " + provider.type().getName()
                    + " from " + source(provider.type()) + ": " + t, t);
            }
            String type = name.apply(factory);
            String source = source(factory.getClass());
            if (type == null || !type.matches("[a-z][a-z0-9-]*")) {
                throw new IllegalStateException(what + " module " + factory.getClass().getName() + " in " + source
                    + " has a bad type name '" + type + "'; expected lower case letters, digits and '-'");
            }
            String previous = sources.putIfAbsent(type, source);
            if (previous != null) {
                if (previous.equals(source) && found.get(type).getClass() == factory.getClass()) {
                    continue; // the same jar seen twice (lib/ and lib/ext/ share a loader chain)
                }
                throw new IllegalStateException(what + " type <" + type + "> is defined twice: by "
                    + found.get(type).getClass().getName() + " in " + previous + " and by "
                    + factory.getClass().getName() + " in " + source + "; remove one of the jars");
            }
            found.put(type, factory);
        }
        return Map.copyOf(found);
    }

    /**
     * ServiceLoader silently keeps the first of two jars that list the same provider class (a
     * module copied twice, or two versions of it); that must fail loudly instead.
     */
    private static void rejectSameProviderInTwoJars(ClassLoader parent, List<URL> extJars, Class<?> kind) {
        String resource = "META-INF/services/" + kind.getName();
        Map<String, String> providerJar = new LinkedHashMap<>();
        List<URL> listings = new ArrayList<>();
        try {
            listings.addAll(Collections.list(parent.getResources(resource)));
            try (URLClassLoader ext = new URLClassLoader(extJars.toArray(URL[]::new), null)) {
                listings.addAll(Collections.list(ext.getResources(resource)));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list modules: " + e.getMessage(), e);
        }
        Set<URL> seen = new HashSet<>();
        for (URL url : listings) {
            if (!seen.add(url)) {
                continue;
            }
            String jar = jarName(url, resource);
            try (InputStream in = url.openStream()) {
                for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                    String name = line.replaceAll("#.*", "").trim();
                    if (name.isEmpty()) {
                        continue;
                    }
                    String previous = providerJar.putIfAbsent(name, jar);
                    if (previous != null && !previous.equals(jar)) {
                        throw new IllegalStateException("module " + name + " is in two jars: " + previous
                            + " and " + jar + "; remove one of the jars");
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + url + ": " + e.getMessage(), e);
            }
        }
    }

    private static String jarName(URL url, String resource) {
        String s = url.toString();
        int bang = s.indexOf("!/");
        s = bang >= 0 ? s.substring(0, bang) : s.substring(0, s.length() - resource.length() - 1);
        s = URLDecoder.decode(s, StandardCharsets.UTF_8);
        return s.substring(s.lastIndexOf('/') + 1);
    }

    private static String source(Class<?> type) {
        CodeSource cs = type.getProtectionDomain().getCodeSource();
        if (cs == null || cs.getLocation() == null) {
            return "(unknown jar)";
        }
        String path = cs.getLocation().getPath();
        return path.substring(path.lastIndexOf('/', path.length() - 2) + 1);
    }

    @Override
    public HandlerFactory<?> handler(String type) {
        return handlers.get(type);
    }

    @Override
    public List<String> handlerTypes() {
        return handlers.keySet().stream().sorted().toList();
    }

    @Override
    public ElementFactory<?> element(String type) {
        return elements.get(type);
    }

    @Override
    public List<String> elementTypes() {
        return elements.keySet().stream().sorted().toList();
    }

    /** Every provider of a service interface, sorted by class name so the order is stable. */
    @Override
    public <T> List<T> services(Class<T> type) {
        Objects.requireNonNull(type, "type");
        List<?> list = services.get(type);
        if (list == null) {
            // Loaded outside the map's lock: providers run code of their own when instantiated.
            list = ServiceLoader.load(type, loader).stream()
                .map(ServiceLoader.Provider::get)
                .sorted((a, b) -> a.getClass().getName().compareTo(b.getClass().getName()))
                .toList();
            List<?> raced = services.putIfAbsent(type, list);
            list = raced != null ? raced : list;
        }
        return list.stream().map(type::cast).toList();
    }

    /** The loader of the {@code lib/ext/} jars (the application loader when there are none). */
    public ClassLoader classLoader() {
        return loader;
    }

    /** Closes the {@code lib/ext/} class loader; call once no generation uses this registry. */
    @Override
    public void close() {
        closeLoader(loader);
    }

    private static void closeLoader(ClassLoader loader) {
        if (loader instanceof URLClassLoader url && url != ModuleRegistry.class.getClassLoader()) {
            try {
                url.close();
            } catch (IOException e) {
                // Only open jar files are released here; nothing to do about a failure.
            }
        }
    }
}

package org.nproxy.server;

import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeSet;

import org.nproxy.spi.HandlerFactory;

/**
 * The handler types available to configurations: every {@link HandlerFactory} found with
 * {@link ServiceLoader} on the class path ({@code lib/*.jar}) and in the jars of the
 * {@code lib/ext/} directories. A type name offered twice fails start-up naming both jars.
 */
public final class ModuleRegistry {
    private final Map<String, HandlerFactory<?>> factories;

    private ModuleRegistry(Map<String, HandlerFactory<?>> factories) {
        this.factories = factories;
    }

    /**
     * Loads the registry.
     *
     * @param extDirs directories whose {@code *.jar} files are added (missing ones are skipped)
     * @throws IllegalStateException on a duplicate type name or an unloadable factory
     */
    public static ModuleRegistry load(List<Path> extDirs) {
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
        ClassLoader parent = ModuleRegistry.class.getClassLoader();
        rejectSameProviderInTwoJars(parent, jars);
        ClassLoader loader = jars.isEmpty() ? parent : new URLClassLoader("nproxy-ext", jars.toArray(URL[]::new), parent);
        Map<String, HandlerFactory<?>> factories = new LinkedHashMap<>();
        Map<String, String> sources = new LinkedHashMap<>();
        @SuppressWarnings("rawtypes")
        ServiceLoader<HandlerFactory> services = ServiceLoader.load(HandlerFactory.class, loader);
        for (@SuppressWarnings("rawtypes") ServiceLoader.Provider<HandlerFactory> provider : services.stream().toList()) {
            HandlerFactory<?> factory;
            try {
                factory = provider.get();
            } catch (Throwable t) {
                throw new IllegalStateException("cannot load handler module " + provider.type().getName()
                    + " from " + source(provider.type()) + ": " + t, t);
            }
            String type = factory.type();
            String source = source(factory.getClass());
            if (type == null || !type.matches("[a-z][a-z0-9-]*")) {
                throw new IllegalStateException("handler module " + factory.getClass().getName() + " in " + source
                    + " has a bad type name '" + type + "'; expected lower case letters, digits and '-'");
            }
            String previous = sources.putIfAbsent(type, source);
            if (previous != null) {
                if (previous.equals(source) && factories.get(type).getClass() == factory.getClass()) {
                    continue; // the same jar seen twice (lib/ and lib/ext/ share a loader chain)
                }
                throw new IllegalStateException("handler type <" + type + "> is defined twice: by "
                    + factories.get(type).getClass().getName() + " in " + previous + " and by "
                    + factory.getClass().getName() + " in " + source + "; remove one of the jars");
            }
            factories.put(type, factory);
        }
        return new ModuleRegistry(Map.copyOf(factories));
    }

    /**
     * ServiceLoader silently keeps the first of two jars that list the same provider class (a
     * module copied twice, or two versions of it); that must fail loudly instead.
     */
    private static void rejectSameProviderInTwoJars(ClassLoader parent, List<URL> extJars) {
        String resource = "META-INF/services/" + HandlerFactory.class.getName();
        Map<String, String> providerJar = new LinkedHashMap<>();
        List<URL> services = new ArrayList<>();
        try {
            services.addAll(java.util.Collections.list(parent.getResources(resource)));
            try (URLClassLoader ext = new URLClassLoader(extJars.toArray(URL[]::new), null)) {
                services.addAll(java.util.Collections.list(ext.getResources(resource)));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list handler modules: " + e.getMessage(), e);
        }
        java.util.Set<URL> seen = new java.util.HashSet<>();
        for (URL url : services) {
            if (!seen.add(url)) {
                continue;
            }
            String jar = jarName(url);
            try (java.io.InputStream in = url.openStream()) {
                for (String line : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
                    String name = line.replaceAll("#.*", "").trim();
                    if (name.isEmpty()) {
                        continue;
                    }
                    String previous = providerJar.putIfAbsent(name, jar);
                    if (previous != null && !previous.equals(jar)) {
                        throw new IllegalStateException("handler module " + name + " is in two jars: " + previous
                            + " and " + jar + "; remove one of the jars");
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + url + ": " + e.getMessage(), e);
            }
        }
    }

    private static String jarName(URL url) {
        String s = url.toString();
        int bang = s.indexOf("!/");
        if (bang >= 0) {
            s = s.substring(0, bang);
        } else {
            s = s.substring(0, s.length() - ("META-INF/services/" + HandlerFactory.class.getName()).length() - 1);
        }
        s = java.net.URLDecoder.decode(s, java.nio.charset.StandardCharsets.UTF_8);
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

    public HandlerFactory<?> get(String type) {
        return factories.get(type);
    }

    /** Type names, sorted. */
    public List<String> types() {
        return factories.keySet().stream().sorted().toList();
    }

}

package org.nproxy.server.internal;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

import org.eclipse.jetty.server.Server;
import org.nproxy.config.ElementConfig;
import org.nproxy.config.ModuleCatalog;
import org.nproxy.config.NproxyConfig;
import org.nproxy.spi.ElementFactory;
import org.nproxy.spi.ModuleContext;
import org.nproxy.spi.Mount;
import org.nproxy.spi.ResourceContext;
import org.nproxy.spi.ServerSettings;

/**
 * The {@link ModuleContext} of one location of one generation. Shared objects it acquires are
 * recorded in the generation's {@link Leases}, released when the generation stops.
 */
final class GenerationContext implements ModuleContext {
    private final long generation;
    private final NproxyConfig config;
    private final ModuleCatalog modules;
    private final Server server;
    private final SharedResources pool;
    private final Leases leases;
    private final Mount mount;

    GenerationContext(long generation, NproxyConfig config, ModuleCatalog modules, Server server,
                      SharedResources pool, Leases leases, Mount mount) {
        this.generation = generation;
        this.config = config;
        this.modules = modules;
        this.server = server;
        this.pool = pool;
        this.leases = leases;
        this.mount = mount;
    }

    @Override
    public Path base() {
        return config.base();
    }

    @Override
    public Server server() {
        return server;
    }

    @Override
    public long generation() {
        return generation;
    }

    @Override
    public org.nproxy.spi.Meters meters() {
        return leases.meters(pool);
    }

    @Override
    public ServerSettings settings() {
        return config.global().forModules();
    }

    @Override
    public Mount mount() {
        return mount;
    }

    @Override
    public <S> Optional<S> lookup(String type, String name, Class<S> settingsType) {
        ElementConfig element = config.element(type, name);
        return element == null || !settingsType.isInstance(element.settings())
            ? Optional.empty() : Optional.of(settingsType.cast(element.settings()));
    }

    @Override
    public List<String> names(String type) {
        java.util.Map<String, ElementConfig> byName = config.elements().get(type);
        return byName == null ? List.of() : List.copyOf(byName.keySet());
    }

    @Override
    public <R> R resource(String elementType, String name, Class<R> type) throws Exception {
        ElementConfig element = config.element(elementType, name);
        if (element == null) {
            throw new IllegalStateException("no <" + elementType + " name=\"" + name + "\"> in generation " + generation
                + "; the loader should have rejected the reference");
        }
        ElementKey key = new ElementKey(elementType, name, element.factory().getClass(), element.settings());
        Object value = leases.acquire(pool, key, () -> open(key, element));
        if (!type.isInstance(value)) {
            throw new IllegalStateException("<" + elementType + " name=\"" + name + "\"> opened as "
                + value.getClass().getName() + ", expected " + type.getName());
        }
        return type.cast(value);
    }

    @Override
    public <R> R shared(Object key, Class<R> type, Callable<R> create) throws Exception {
        Object value = leases.acquire(pool, new SharedKey(key), create);
        return type.cast(value);
    }

    @Override
    public <R> R serverScoped(Object key, Class<R> type, Callable<R> create) throws Exception {
        return type.cast(pool.serverScoped(new SharedKey(key), create));
    }

    @SuppressWarnings("unchecked")
    private Object open(ElementKey key, ElementConfig element) throws Exception {
        MeterScope meters = pool.meters().scope();
        ResourceContext context = new ResourceContext() {
            @Override
            public org.nproxy.spi.Meters meters() {
                return meters;
            }

            @Override
            public Path base() {
                return config.base();
            }

            @Override
            public Server server() {
                return server;
            }

            @Override
            public <T> List<T> services(Class<T> type) {
                return modules.services(type);
            }
        };
        Object value;
        try {
            value = ((ElementFactory<Object>) element.factory()).open(element.name(), element.settings(), context);
            if (value == null) {
                throw new IllegalStateException("<" + element.type() + "> has no runtime part (its factory's open() returned null)");
            }
        } catch (Exception | Error e) {
            meters.close();
            throw e;
        }
        pool.closeWith(key, meters);
        return value;
    }
}

package org.nproxy.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.nproxy.spi.BindContext;
import org.nproxy.spi.ConfigElement;
import org.nproxy.spi.ElementFactory;
import org.nproxy.spi.ServerSettings;

/** The loader's {@link BindContext}: top-level elements bound so far, in file order. */
final class LoaderBindContext implements BindContext {
    private final Path base;
    private final ServerSettings settings;
    private final ModuleCatalog modules;
    private final Map<String, Map<String, ElementConfig>> elements;

    LoaderBindContext(Path base, ServerSettings settings, ModuleCatalog modules,
                      Map<String, Map<String, ElementConfig>> elements) {
        this.base = base;
        this.settings = settings;
        this.modules = modules;
        this.elements = elements;
    }

    @Override
    public Path base() {
        return base;
    }

    @Override
    public ServerSettings settings() {
        return settings;
    }

    @Override
    public <S> Optional<S> lookup(String type, String name, Class<S> settingsType) {
        Map<String, ElementConfig> byName = elements.get(type);
        ElementConfig element = byName == null ? null : byName.get(name);
        return element == null || !settingsType.isInstance(element.settings())
            ? Optional.empty() : Optional.of(settingsType.cast(element.settings()));
    }

    @Override
    public List<String> names(String type) {
        Map<String, ElementConfig> byName = elements.get(type);
        return byName == null ? List.of() : List.copyOf(byName.keySet());
    }

    @Override
    public <S> Optional<S> reference(ConfigElement element, String attribute, String type, Class<S> settingsType) {
        String name = element.required(attribute);
        if (name.isEmpty()) {
            return Optional.empty();
        }
        ElementFactory<?> factory = modules.element(type);
        if (factory == null) {
            element.attributeError(attribute, "<" + element.name() + " " + attribute + "=\"" + name
                + "\"> refers to a <" + type + ">, and no installed module provides <" + type + ">",
                "the module jar that provides <" + type + "> in lib/ or lib/ext/");
            return Optional.empty();
        }
        Optional<S> found = lookup(type, name, settingsType);
        if (found.isEmpty()) {
            List<String> defined = names(type);
            element.attributeError(attribute, "unknown " + type + " '" + name + "'", defined.isEmpty()
                ? factory.example(name) + " (none is defined)"
                : "one of the defined " + type + "s: " + String.join(", ", defined));
        }
        return found;
    }

    @Override
    public <T> List<T> services(Class<T> type) {
        return modules.services(type);
    }
}

package org.nproxy.spi;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.eclipse.jetty.server.Request;

/**
 * A typed request attribute that one module publishes and others (the access log, metrics, a
 * status page) read, with the variable name under which templates and log formats see it.
 *
 * <pre>{@code
 * public static final RequestKey<String> UPSTREAM_ADDR = RequestKey.of("upstream_addr", String.class);
 * UPSTREAM_ADDR.set(request, "10.0.0.7:8080");
 * // in a log format: $upstream_addr
 * }</pre>
 *
 * Keys are registered when their declaring class is initialised; a second key with the same
 * variable name and another type fails loudly.
 *
 * @param <T> the value type
 */
public final class RequestKey<T> {
    private static final Map<String, RequestKey<?>> BY_VARIABLE = new ConcurrentHashMap<>();

    private final String variable;
    private final String attribute;
    private final Class<T> type;
    /** For a derived key, how its value is read from the request; null for a stored one. */
    private final Function<Request, ? extends T> reader;

    private RequestKey(String variable, Class<T> type, Function<Request, ? extends T> reader) {
        this.variable = variable;
        this.attribute = "nproxy." + variable;
        this.type = type;
        this.reader = reader;
    }

    /** Declares (or returns the already declared) key for a variable name. */
    public static <T> RequestKey<T> of(String variable, Class<T> type) {
        return register(variable, type, null);
    }

    /**
     * A key whose value is computed from the request when it is read (a log line, a template),
     * never stored: for values that cost something to format and are often not read. Cannot be set.
     */
    public static <T> RequestKey<T> derived(String variable, Class<T> type, Function<Request, ? extends T> reader) {
        return register(variable, type, Objects.requireNonNull(reader, "reader"));
    }

    private static <T> RequestKey<T> register(String variable, Class<T> type, Function<Request, ? extends T> reader) {
        Objects.requireNonNull(type, "type");
        if (variable == null || !variable.matches("[a-z][a-z0-9_]*")) {
            throw new IllegalArgumentException("bad variable name '" + variable + "'; expected lower case letters, digits and '_'");
        }
        RequestKey<?> key = BY_VARIABLE.computeIfAbsent(variable, v -> new RequestKey<>(v, type, reader));
        if (key.type != type) {
            throw new IllegalStateException("request key $" + variable + " is declared as " + key.type.getName()
                + " and as " + type.getName());
        }
        @SuppressWarnings("unchecked")
        RequestKey<T> typed = (RequestKey<T>) key;
        return typed;
    }

    /** The declared key for a variable name, or null. */
    public static RequestKey<?> forVariable(String variable) {
        return BY_VARIABLE.get(variable);
    }

    public String variable() {
        return variable;
    }

    public Class<T> type() {
        return type;
    }

    /** The value on this request, or null. */
    public T get(Request request) {
        if (reader != null) {
            return reader.apply(request);
        }
        Object v = request.getAttribute(attribute);
        return type.isInstance(v) ? type.cast(v) : null;
    }

    public void set(Request request, T value) {
        if (reader != null) {
            throw new UnsupportedOperationException(this + " is derived from the request; it cannot be set");
        }
        if (value == null) {
            request.removeAttribute(attribute);
        } else {
            request.setAttribute(attribute, type.cast(value));
        }
    }

    @Override
    public String toString() {
        return "$" + variable + " (" + type.getSimpleName() + ")";
    }
}

package org.nproxy.server.internal;

import java.lang.reflect.Proxy;

/**
 * Signal handlers through {@code sun.misc.Signal} (module {@code jdk.unsupported}, exported and
 * supported for this use), the only way to hear {@code HUP} or {@code TERM} in Java. Called
 * reflectively because javac warns on every direct use of a {@code sun.*} type and offers no
 * way to silence that warning.
 */
final class Signals {
    private Signals() {
    }

    /** Runs {@code action} on the JVM's signal thread whenever the process gets {@code SIG<name>}. */
    static void handle(String name, Runnable action) {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handler = Class.forName("sun.misc.SignalHandler");
            Object proxy = Proxy.newProxyInstance(Signals.class.getClassLoader(), new Class<?>[] {handler},
                (self, method, args) -> switch (method.getName()) {
                    case "handle" -> {
                        action.run();
                        yield null;
                    }
                    case "hashCode" -> System.identityHashCode(self);
                    case "equals" -> self == args[0];
                    default -> "nproxy handler of SIG" + name;
                });
            signal.getMethod("handle", signal, handler).invoke(null, signal.getConstructor(String.class).newInstance(name), proxy);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot handle SIG" + name + ": " + e, e);
        }
    }
}

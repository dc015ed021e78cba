package org.nproxy.spi;

import org.eclipse.jetty.server.Handler;
import org.nproxy.spi.ConfigElement;

/**
 * A handler module: turns one configuration element into a Jetty {@link Handler}.
 *
 * <p>Found with {@link java.util.ServiceLoader} in every jar of {@code lib/} and {@code lib/ext/}
 * (list the class in {@code META-INF/services/org.nproxy.spi.HandlerFactory}). The
 * {@link #type()} is the element name operators write inside a {@code <location>}; two
 * factories with the same type fail start-up.
 *
 * <p>Life cycle (Caddy's provision, validate, start, stop):
 * <ol>
 *   <li>{@link #bind} reads the element into an immutable settings object, reporting every
 *       problem through the element (it never throws for bad input). Runs for
 *       {@code nproxy.sh check} too, so it has no side effects.</li>
 *   <li>{@link #create} builds the handler for one configuration generation. The handler is
 *       started with its generation and stopped when that generation has drained.</li>
 * </ol>
 *
 * <p>The handler is blocking code on a virtual thread: extend {@code Handler.Abstract}, or
 * {@code Handler.Wrapper} to wrap the rest of the location's chain (a {@code <cache/>} before a
 * {@code <proxy/>} receives the proxy as its inner handler). A handler that never blocks may
 * declare {@code InvocationType.NON_BLOCKING} (a wrapper by overriding
 * {@code getInvocationType()} in its own class); when every handler of a location does, the
 * chain runs on the thread that parsed the request, with no hand-off. Return {@code false} from
 * {@code handle} when the request is not yours and nothing was written; the next handler in the
 * chain is tried, and a 404 is sent when none takes it.
 *
 * <pre>{@code
 * public final class HelloFactory implements HandlerFactory<String> {
 *     public String type() { return "hello"; }
 *     public String bind(ConfigElement e, BindContext ctx) { return e.string("greeting", "hello"); }
 *     public Handler create(String greeting, ModuleContext ctx) { return new HelloHandler(greeting); }
 * }
 * }</pre>
 *
 * @param <S> the settings record this factory binds its element to
 */
public interface HandlerFactory<S> {
    /** The element name, e.g. {@code static}; lower case letters, digits and '-'. */
    String type();

    /** Validates and binds the element; report problems with {@link ConfigElement#error}. */
    S bind(ConfigElement element, BindContext context);

    /** Creates the handler for one generation. */
    Handler create(S settings, ModuleContext context) throws Exception;
}

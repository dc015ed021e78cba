package org.nproxy.example;

import org.eclipse.jetty.server.Handler;
import org.nproxy.spi.ConfigElement;
import org.nproxy.spi.BindContext;
import org.nproxy.spi.HandlerFactory;
import org.nproxy.spi.ModuleContext;

/**
 * The example third-party module: {@code <echo/>} answers with what it received (method,
 * URI, headers, and the body up to a limit), like httpbin's {@code /anything}; handy when
 * debugging what a proxy chain sends.
 *
 * <pre>{@code
 * <location path="/debug/"><echo prefix="debug:" max-body="64k"/></location>
 * }</pre>
 * Attributes: {@code prefix} (a first line to write, default none), {@code greeting} (the name
 * of a {@code <greeting>} element whose text is written first, see {@link GreetingFactory}),
 * {@code max-body} (how much of the request body to echo, default 16k), {@code delay} (sleep
 * before answering, to simulate a slow backend; default 0). The module's build number
 * ({@code example.properties}) is sent as {@code X-Echo-Build}.
 */
public final class EchoHandlerFactory implements HandlerFactory<EchoHandlerFactory.Settings> {
    /** Bound {@code <echo>}. */
    public record Settings(String prefix, String greeting, long maxBody, java.time.Duration delay) {
    }

    @Override
    public String type() {
        return "echo";
    }

    @Override
    public Settings bind(ConfigElement element, BindContext context) {
        String greeting = null;
        if (element.has("greeting")) {
            greeting = context.reference(element, "greeting", "greeting", GreetingFactory.Settings.class)
                .map(g -> element.string("greeting", null)).orElse(null);
        }
        return new Settings(element.string("prefix", ""), greeting, element.size("max-body", 16 * 1024),
            element.duration("delay", java.time.Duration.ZERO));
    }

    @Override
    public Handler create(Settings settings, ModuleContext context) throws Exception {
        GreetingFactory.Greeting greeting = settings.greeting() == null ? null
            : context.resource("greeting", settings.greeting(), GreetingFactory.Greeting.class);
        return new EchoHandler(settings, greeting);
    }
}

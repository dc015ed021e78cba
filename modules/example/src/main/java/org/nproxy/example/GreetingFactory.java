package org.nproxy.example;

import java.util.concurrent.atomic.AtomicLong;

import org.nproxy.spi.BindContext;
import org.nproxy.spi.ConfigElement;
import org.nproxy.spi.ElementFactory;
import org.nproxy.spi.ResourceContext;

/**
 * The example's top-level element: {@code <greeting name="hi" text="hello"/>}, a named text that
 * {@code <echo greeting="hi"/>} writes first. Its runtime part counts the requests that used it,
 * across reloads that keep the element unchanged (the core shares it by settings).
 */
public final class GreetingFactory implements ElementFactory<GreetingFactory.Settings> {
    /** Bound {@code <greeting>}: a value, so that equal elements share one runtime part. */
    public record Settings(String text) {
    }

    /** The runtime part: the text and how often it was served since it was opened. */
    public static final class Greeting implements AutoCloseable {
        private final String text;
        private final AtomicLong served = new AtomicLong();

        Greeting(String text) {
            this.text = text;
        }

        /** The text, counting one use. */
        public String use() {
            served.incrementAndGet();
            return text;
        }

        public long served() {
            return served.get();
        }

        @Override
        public void close() {
            // Nothing to release; a real module would close files or connections here.
        }
    }

    @Override
    public String type() {
        return "greeting";
    }

    @Override
    public Settings bind(ConfigElement element, BindContext context) {
        return new Settings(element.required("text"));
    }

    @Override
    public Greeting open(String name, Settings settings, ResourceContext context) {
        return new Greeting(settings.text());
    }
}

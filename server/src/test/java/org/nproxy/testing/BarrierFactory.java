package org.nproxy.testing;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.nproxy.spi.BindContext;
import org.nproxy.spi.ConfigElement;
import org.nproxy.spi.HandlerFactory;
import org.nproxy.spi.ModuleContext;

/**
 * A test handler, {@code <barrier name="x" parties="600"/>}: each request blocks until
 * {@code parties} requests are inside at once, then all answer 200; if that does not happen within
 * {@code wait} (default 60s) they answer 503. Proves concurrency without timing anything.
 */
public final class BarrierFactory implements HandlerFactory<BarrierFactory.Settings> {
    private static final Map<String, CountDownLatch> LATCHES = new ConcurrentHashMap<>();

    /** Bound {@code <barrier>}. */
    public record Settings(String name, int parties, long waitMillis) {
    }

    @Override
    public String type() {
        return "barrier";
    }

    @Override
    public Settings bind(ConfigElement e, BindContext context) {
        return new Settings(e.required("name"), e.integer("parties", 2, 1, 100_000),
            e.duration("wait", java.time.Duration.ofSeconds(60)).toMillis());
    }

    @Override
    public Handler create(Settings s, ModuleContext context) {
        CountDownLatch latch = LATCHES.computeIfAbsent(s.name(), n -> new CountDownLatch(s.parties()));
        return new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                latch.countDown();
                boolean all = latch.await(s.waitMillis(), TimeUnit.MILLISECONDS);
                response.setStatus(all ? HttpStatus.OK_200 : HttpStatus.SERVICE_UNAVAILABLE_503);
                Content.Sink.write(response, true, all ? "together" : "alone", callback);
                return true;
            }
        };
    }

    /** Requests still missing at the barrier of that name. */
    public static long missing(String name) {
        CountDownLatch l = LATCHES.get(name);
        return l == null ? -1 : l.getCount();
    }

}

package org.nproxy.proxy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.nproxy.config.ConfigElement;
import org.nproxy.config.PeerConfig;
import org.nproxy.config.UpstreamConfig;
import org.nproxy.proxy.upstream.PeerState;
import org.nproxy.proxy.upstream.Upstreams;
import org.nproxy.spi.BindContext;
import org.nproxy.spi.HandlerFactory;
import org.nproxy.spi.ModuleContext;

/**
 * {@code <upstream-status/>}: a plain-text page with every peer of every upstream group, its
 * health, requests in flight, totals and its keep-alive pool (open, idle, in use). One line per
 * peer, {@code key=value} fields, easy to grep:
 * <pre>
 * upstream=app peer=127.0.0.1:9001 state=up inflight=0 requests=12 failures=0 open=2 idle=2 inuse=0 max=128
 * </pre>
 * Put it behind an internal location: {@code <location path="= /upstreams"><upstream-status/></location>}.
 */
public final class UpstreamStatusFactory implements HandlerFactory<Boolean> {
    @Override
    public String type() {
        return "upstream-status";
    }

    @Override
    public Boolean bind(ConfigElement element, BindContext context) {
        return Boolean.TRUE;
    }

    @Override
    public Handler create(Boolean settings, ModuleContext context) {
        Upstreams upstreams = context.shared(Upstreams.SHARED_KEY, Upstreams.class, Upstreams::new);
        Map<String, UpstreamConfig> groups = context.config().upstreams();
        return new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                StringBuilder out = new StringBuilder();
                Map<String, Upstreams.PoolStats> pools = upstreams.poolStats();
                long now = System.nanoTime();
                for (UpstreamConfig u : groups.values()) {
                    for (PeerConfig p : u.peers()) {
                        PeerState s = upstreams.peer(p.address());
                        Upstreams.PoolStats pool = pools.getOrDefault(s.connectHost(p.host()) + ":" + p.port(),
                            new Upstreams.PoolStats(0, 0, 0, 0));
                        String state = p.down() ? "down" : s.activeDown() ? "unhealthy" : !s.healthy(now) ? "failed" : "up";
                        out.append("upstream=").append(u.name()).append(" peer=").append(p.address())
                            .append(" state=").append(state).append(" inflight=").append(s.inFlight())
                            .append(" requests=").append(s.requests()).append(" failures=").append(s.failures())
                            .append(" open=").append(pool.open()).append(" idle=").append(pool.idle())
                            .append(" inuse=").append(pool.inUse()).append(" max=").append(pool.max());
                        if (s.resolved() != null) {
                            out.append(" address=").append(s.resolved().getHostAddress());
                        }
                        out.append('\n');
                    }
                }
                byte[] body = out.toString().getBytes(StandardCharsets.UTF_8);
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
                response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
                response.write(true, ByteBuffer.wrap(body), callback);
                return true;
            }
        };
    }
}

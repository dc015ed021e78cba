package org.nproxy.upstream;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.nproxy.spi.ConfigElement;
import org.nproxy.upstream.PeerConfig;
import org.nproxy.upstream.UpstreamConfig;
import org.nproxy.upstream.PeerState;
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
    public Handler create(Boolean settings, ModuleContext context) throws Exception {
        Map<String, UpstreamGroup> groups = new LinkedHashMap<>();
        for (String name : context.names(UpstreamElementFactory.TYPE)) {
            groups.put(name, context.resource(UpstreamElementFactory.TYPE, name, UpstreamGroup.class));
        }
        return new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                StringBuilder out = new StringBuilder();
                long now = System.nanoTime();
                for (UpstreamGroup group : groups.values()) {
                    UpstreamConfig u = group.config();
                    Map<String, PoolStats> pools = group.poolStats();
                    for (int i = 0; i < u.peers().size(); i++) {
                        PeerConfig p = u.peers().get(i);
                        PeerState s = group.states().get(i);
                        PoolStats pool = pools.getOrDefault(s.connectHost(p.host()) + ":" + p.port(),
                            new PoolStats(0, 0, 0, u.pool().keepalive()));
                        String state = p.down() ? "down" : s.activeDown() ? "unhealthy" : !s.healthy(now) ? "failed"
                            : s.drained() ? "drained" : "up";
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

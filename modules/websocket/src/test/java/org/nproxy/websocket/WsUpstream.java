package org.nproxy.websocket;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * A real Jetty WebSocket upstream on 127.0.0.1 for the tests.
 * <ul>
 *   <li>{@code /deny}: refuses the upgrade with 403 and the body {@code denied by upstream}</li>
 *   <li>{@code /frames}: echoes every fragment as a fragment (frame boundaries visible)</li>
 *   <li>anything else: echoes whole messages; the text {@code close:CODE:REASON} makes it close</li>
 * </ul>
 * Accepts the subprotocol {@code chat} when offered, adds {@code X-Upstream} and
 * {@code Set-Cookie} to its 101, and records the handshake headers and the close codes it gets.
 */
public final class WsUpstream implements AutoCloseable {
    final Server server;
    final ServerConnector connector;
    final String name;
    final AtomicInteger upgrades = new AtomicInteger();
    final List<HttpFields> handshakes = new CopyOnWriteArrayList<>();
    final BlockingQueue<String> closes = new LinkedBlockingQueue<>();
    final BlockingQueue<String> fragments = new LinkedBlockingQueue<>();
    /** What the echo endpoints saw, in order per session: {@code text:MESSAGE} and {@code close:CODE}. */
    final BlockingQueue<String> events = new LinkedBlockingQueue<>();
    final Map<Session, Boolean> open = new ConcurrentHashMap<>();
    /** Bytes the {@code /flood} endpoints have had accepted for sending so far. */
    final java.util.concurrent.atomic.AtomicLong flooded = new java.util.concurrent.atomic.AtomicLong();

    WsUpstream(String name) throws Exception {
        this.name = name;
        QueuedThreadPool threads = new QueuedThreadPool(64, 4);
        threads.setName("ws-upstream-" + name);
        server = new Server(threads);
        connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(WebSocketUpgradeHandler.from(server, container -> {
            container.setMaxTextMessageSize(32 << 20);
            container.setMaxBinaryMessageSize(32 << 20);
            container.setIdleTimeout(Duration.ofMinutes(5));
            container.addMapping("/*", (request, response, callback) -> {
                handshakes.add(request.getHeaders().asImmutable());
                if (request.getHttpURI().getPath().equals("/deny")) {
                    response.setStatus(403);
                    response.getHeaders().put("X-Denied", "yes");
                    response.write(true, ByteBuffer.wrap("denied by upstream".getBytes(StandardCharsets.UTF_8)),
                        callback);
                    return null;
                }
                upgrades.incrementAndGet();
                if (request.getSubProtocols().contains("chat")) {
                    response.setAcceptedSubProtocol("chat");
                }
                response.getHeaders().put("X-Upstream", name);
                response.getHeaders().put("Set-Cookie", "up=1; Path=/");
                return switch (request.getHttpURI().getPath()) {
                    case "/frames" -> new Fragments();
                    case "/flood" -> new Flood();
                    default -> new Echo();
                };
            });
        }));
        server.start();
    }

    int port() {
        return connector.getLocalPort();
    }

    String address() {
        return "127.0.0.1:" + port();
    }

    /** Echoes whole messages back. */
    public final class Echo implements Session.Listener.AutoDemanding {
        private Session session;

        @Override
        public void onWebSocketOpen(Session s) {
            session = s;
            open.put(s, true);
        }

        @Override
        public void onWebSocketText(String message) {
            events.add("text:" + message);
            if (message.startsWith("close:")) {
                String[] p = message.split(":", 3);
                session.close(Integer.parseInt(p[1]), p[2], Callback.NOOP);
                return;
            }
            if (message.equals("whoami")) {
                session.sendText(name, Callback.NOOP);
                return;
            }
            session.sendText(message, Callback.NOOP);
        }

        @Override
        public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
            ByteBuffer copy = ByteBuffer.allocate(payload.remaining()).put(payload).flip();
            callback.succeed();
            session.sendBinary(copy, Callback.NOOP);
        }

        @Override
        public void onWebSocketClose(int code, String reason) {
            open.remove(session);
            events.add("close:" + code);
            closes.add(code + " " + reason);
        }
    }

    /** Echoes each text fragment as a fragment. */
    public final class Fragments implements Session.Listener.AutoDemanding {
        private Session session;

        @Override
        public void onWebSocketOpen(Session s) {
            session = s;
        }

        @Override
        public void onWebSocketPartialText(String payload, boolean fin) {
            fragments.add(payload + (fin ? "|fin" : ""));
            session.sendPartialText(payload, fin, Callback.NOOP);
        }
    }

    /** Sends 64 KiB binary messages as fast as the connection takes them, one write at a time. */
    public final class Flood implements Session.Listener.AutoDemanding {
        @Override
        public void onWebSocketOpen(Session s) {
            Thread.ofVirtual().start(() -> {
                ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
                while (s.isOpen()) {
                    java.util.concurrent.CompletableFuture<Void> sent = new java.util.concurrent.CompletableFuture<>();
                    s.sendBinary(chunk.slice(), Callback.from(() -> sent.complete(null), sent::completeExceptionally));
                    try {
                        sent.get();
                    } catch (Exception e) {
                        return;
                    }
                    flooded.addAndGet(chunk.capacity());
                }
            });
        }
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}

package org.nproxy.websocket;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.ByteBuffer;

import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.client.CoreClientUpgradeRequest;
import org.eclipse.jetty.websocket.core.client.UpgradeListener;
import org.eclipse.jetty.websocket.core.client.WebSocketCoreClient;

/**
 * The proxy-to-upstream upgrade request of one tunnel. Remembers the upstream's response headers
 * (passed on to the client with the 101, or with a refusal) and the start of a refusal's body.
 */
final class UpstreamUpgrade extends CoreClientUpgradeRequest implements UpgradeListener {
    private final FrameHandler upstreamSide;
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private volatile HttpFields responseHeaders = HttpFields.EMPTY;
    private volatile String reason;

    UpstreamUpgrade(WebSocketCoreClient client, URI uri, FrameHandler upstreamSide) {
        super(client, uri);
        this.upstreamSide = upstreamSide;
        addListener(this);
    }

    @Override
    public FrameHandler getFrameHandler() {
        return upstreamSide;
    }

    @Override
    public void onHandshakeResponse(Request request, Response response) {
        responseHeaders = response.getHeaders().asImmutable();
        reason = response.getReason();
    }

    HttpFields responseHeaders() {
        return responseHeaders;
    }

    String reason() {
        return reason;
    }

    void captureBody(ByteBuffer content) {
        synchronized (body) {
            int room = Tunnels.MAX_REFUSAL_BODY - body.size();
            int n = Math.min(room, content.remaining());
            if (n > 0) {
                byte[] bytes = new byte[n];
                content.get(bytes);
                body.write(bytes, 0, n);
            }
        }
    }

    byte[] body() {
        synchronized (body) {
            return body.toByteArray();
        }
    }
}

package org.nproxy.cache.internal;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Components;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.server.Context;
import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Session;
import org.eclipse.jetty.server.TunnelSupport;

/** The requests the cache hands to the inner handler besides the client's own. */
public final class UpstreamRequests {
    private UpstreamRequests() {
    }

    /** The client's request with other header fields (the conditional of a revalidation). */
    public static Request withHeaders(Request request, HttpFields headers) {
        return new Request.Wrapper(request) {
            @Override
            public HttpFields getHeaders() {
                return headers;
            }
        };
    }

    /**
     * A body-less copy of a request that outlives it: a background refresh still runs after the
     * client got its stale answer and its request object was recycled, so everything the proxy
     * reads is taken now (the connection's metadata object stays valid after it closed).
     */
    public static Request detached(Request request, String method, HttpFields headers) {
        return new Detached(request, method, headers);
    }

    private static final class Detached extends Request.Wrapper {
        private final String id;
        private final Components components;
        private final ConnectionMetaData connection;
        private final HttpURI uri;
        private final Context context;
        private final HttpFields headers;
        private final String method;
        private final long begin;
        private final boolean secure;
        private final Map<String, Object> attributes = new ConcurrentHashMap<>();

        Detached(Request request, String method, HttpFields headers) {
            super(request);
            this.id = request.getId() + "-refresh";
            this.components = request.getComponents();
            this.connection = request.getConnectionMetaData();
            this.uri = HttpURI.build(request.getHttpURI()).asImmutable();
            this.context = request.getContext();
            this.headers = headers.asImmutable();
            this.method = method;
            this.begin = System.nanoTime();
            this.secure = request.isSecure();
        }

        @Override public String getId() { return id; }
        @Override public Components getComponents() { return components; }
        @Override public ConnectionMetaData getConnectionMetaData() { return connection; }
        @Override public String getMethod() { return method; }
        @Override public HttpURI getHttpURI() { return uri; }
        @Override public Context getContext() { return context; }
        @Override public HttpFields getHeaders() { return headers; }
        @Override public HttpFields getTrailers() { return null; }
        @Override public long getBeginNanoTime() { return begin; }
        @Override public long getHeadersNanoTime() { return begin; }
        @Override public boolean isSecure() { return secure; }
        @Override public long getLength() { return 0; }
        @Override public Content.Chunk read() { return Content.Chunk.EOF; }
        @Override public boolean consumeAvailable() { return true; }
        @Override public void demand(Runnable demandCallback) { demandCallback.run(); }
        @Override public void fail(Throwable failure) { }
        @Override public void addIdleTimeoutListener(Predicate<TimeoutException> onIdleTimeout) { }
        @Override public void addFailureListener(Consumer<Throwable> onFailure) { }
        @Override public TunnelSupport getTunnelSupport() { return null; }
        @Override public void addHttpStreamWrapper(Function<HttpStream, HttpStream> wrapper) { }
        @Override public Session getSession(boolean create) { return null; }
        @Override public Object removeAttribute(String name) { return attributes.remove(name); }
        @Override public Object setAttribute(String name, Object value) {
            return value == null ? attributes.remove(name) : attributes.put(name, value);
        }
        @Override public Object getAttribute(String name) { return attributes.get(name); }
        @Override public Set<String> getAttributeNameSet() { return attributes.keySet(); }
        @Override public void clearAttributes() { attributes.clear(); }
    }
}

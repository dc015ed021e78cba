package org.nproxy.cache.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.server.Request;
import org.nproxy.cache.policy.Headers;

/** Between Jetty's header fields and the policy's {@link Headers}, and the cache key of a request. */
public final class Fields {
    private Fields() {
    }

    public static Headers headers(HttpFields fields) {
        List<Headers.Field> list = new ArrayList<>(fields.size());
        for (HttpField f : fields) {
            list.add(new Headers.Field(f.getName(), f.getValue() == null ? "" : f.getValue()));
        }
        return new Headers(list);
    }

    public static HttpFields.Mutable httpFields(Headers headers) {
        HttpFields.Mutable out = HttpFields.build(headers.fields().size() + 4);
        for (Headers.Field f : headers.fields()) {
            out.add(f.name(), f.value());
        }
        return out;
    }

    /**
     * The primary cache key: scheme, host (lower case), port when not the scheme's default, and
     * target, e.g. {@code http://example.com/a?b}. The same form as {@link #normalize} gives an
     * absolute URI, so that invalidation (RFC 9111 §4.4) and PURGE find what a GET stored.
     */
    public static String primaryKey(Request request) {
        HttpURI uri = request.getHttpURI();
        String scheme = uri.getScheme() != null ? uri.getScheme() : request.isSecure() ? "https" : "http";
        String host = uri.getHost() != null ? uri.getHost() : Request.getServerName(request);
        return key(scheme, host, uri.getPort(), uri.getPathQuery());
    }

    /** The key of an absolute URI string, or null when it is not one. */
    public static String normalize(String absolute) {
        try {
            java.net.URI u = java.net.URI.create(absolute);
            if (u.getScheme() == null || u.getHost() == null) {
                return null;
            }
            String pq = (u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath())
                + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
            return key(u.getScheme(), u.getHost(), u.getPort(), pq);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String key(String scheme, String host, int port, String pathQuery) {
        String s = scheme.toLowerCase(Locale.ROOT);
        boolean defaultPort = port <= 0 || (s.equals("http") && port == 80) || (s.equals("https") && port == 443);
        return s + "://" + host.toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port)
            + (pathQuery == null || pathQuery.isEmpty() ? "/" : pathQuery);
    }
}

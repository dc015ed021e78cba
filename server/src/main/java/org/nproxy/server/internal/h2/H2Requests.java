package org.nproxy.server.internal.h2;

import java.util.Set;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.MetaData;

/**
 * What makes an HTTP/2 request or trailer section malformed (RFC 9113 §8.1.1, §8.2, §8.3), for
 * the checks Jetty 12.0 leaves out or answers with a 400 page instead of the stream error the
 * RFC asks for. Pure functions: they return why, or null when the header block is well formed.
 */
public final class H2Requests {
    /** §8.2.2: fields that only mean something on one HTTP/1.1 connection ({@code te} is checked apart). */
    private static final Set<String> CONNECTION_SPECIFIC =
        Set.of("connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade");

    private H2Requests() {
    }

    /** Why the header block that opens a stream is malformed, or null. */
    public static String malformed(MetaData metaData) {
        Throwable failure = MetaData.Failed.getFailure(metaData);
        if (failure != null) {
            // Jetty's HPACK layer found it (uppercase name, pseudo-header missing, duplicated, unknown
            // or after a regular field, connection-specific field, te other than trailers).
            return String.valueOf(failure.getMessage());
        }
        if (!(metaData instanceof MetaData.Request request)) {
            return "not a request";
        }
        String fields = fields(metaData);
        if (fields != null) {
            return fields;
        }
        boolean connect = HttpMethod.CONNECT.is(request.getMethod());
        if (connect && request.getProtocol() == null) {
            return null; // plain CONNECT has no :scheme or :path (§8.5)
        }
        String path = request.getHttpURI() == null ? null : request.getHttpURI().getPathQuery();
        if (path == null || path.isEmpty()) {
            return "empty :path";
        }
        if (path.equals("*")) {
            return HttpMethod.OPTIONS.is(request.getMethod()) ? null : ":path * with " + request.getMethod();
        }
        if (path.charAt(0) != '/') {
            return ":path does not start with /";
        }
        return null;
    }

    /** Why a trailer section is malformed (§8.1: it ends the stream and carries no pseudo-header), or null. */
    public static String malformedTrailers(MetaData metaData, boolean endStream) {
        if (!endStream) {
            return "a trailer section without END_STREAM";
        }
        Throwable failure = MetaData.Failed.getFailure(metaData);
        if (failure != null) {
            return String.valueOf(failure.getMessage());
        }
        if (metaData.isRequest() || metaData.isResponse()) {
            return "pseudo-header fields in trailers";
        }
        return fields(metaData);
    }

    private static String fields(MetaData metaData) {
        if (metaData.getHttpFields() == null) {
            return null;
        }
        for (HttpField field : metaData.getHttpFields()) {
            // Not getName(): for a known header Jetty gives its canonical spelling (Accept-Encoding),
            // whatever the wire said. Uppercase on the wire is Jetty's HPACK layer's to refuse.
            String name = field.getLowerCaseName();
            if (name.startsWith(":")) {
                return "pseudo-header " + name + " among regular fields";
            }
            if (CONNECTION_SPECIFIC.contains(name)) {
                return "connection-specific field " + name;
            }
            if (name.equals("te") && !"trailers".equalsIgnoreCase(field.getValue().trim())) {
                return "te: " + field.getValue();
            }
        }
        return null;
    }
}

package org.nproxy.files.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.nproxy.files.StaticSettings;
import org.nproxy.spi.Handlers;
import org.nproxy.spi.RequestVariables;
import org.nproxy.spi.Template;

/**
 * The {@code <static>} handler: maps the URI to a file (root/alias, try-files, index,
 * autoindex) and hands it to {@link FileResponder}. Returns {@code false} for a missing file so
 * that a later handler of the location (or the 404 page) answers.
 *
 * <p>Declared {@link InvocationType#NON_BLOCKING}: it runs on the thread that parsed the request
 * and never blocks it; what may block (large bodies, directory listings) moves to a virtual
 * thread by itself ({@link Offload}).
 */
public final class StaticHandler extends Handler.Abstract {
    private final StaticSettings settings;
    private final String prefix;
    private final PathGuard guard;
    private final FileResponder responder;

    /**
     * @param prefix the location's literal path ({@code Mount#prefix}), stripped from the URI
     *               with {@code alias}; null for regex locations
     */
    public StaticHandler(StaticSettings settings, String prefix) {
        // in-place="false": stat, open and reads may block (NFS, FUSE, cold disks), so the
        // Dispatcher gives each request a virtual thread, as for any blocking handler.
        super(settings.inPlace() ? InvocationType.NON_BLOCKING : InvocationType.BLOCKING);
        this.settings = settings;
        this.prefix = prefix;
        this.guard = new PathGuard(settings.directory(), settings.allowHidden(), settings.symlinksAnywhere());
        this.responder = new FileResponder(settings);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String method = request.getMethod();
        if (!HttpMethod.GET.is(method) && !HttpMethod.HEAD.is(method)) {
            response.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD");
            Response.writeError(request, response, callback, HttpStatus.METHOD_NOT_ALLOWED_405);
            return true;
        }
        String uri = Request.getPathInContext(request);
        if (settings.tryFiles().isEmpty()) {
            return serve(request, response, callback, uri, true);
        }
        for (Template t : settings.tryFiles()) {
            String candidate = t.render(n -> n.equals("uri") ? uri : RequestVariables.get(request, n));
            boolean last = t == settings.tryFiles().get(settings.tryFiles().size() - 1) && settings.tryFilesStatus() == 0;
            if (last) {
                return serve(request, response, callback, candidate, true);
            }
            PathGuard.Lookup lookup = guard.lookup(relative(request, candidate));
            if (lookup instanceof PathGuard.Found found && (candidate.endsWith("/") == found.isDirectory())) {
                return serve(request, response, callback, candidate, false);
            }
            if (!(lookup instanceof PathGuard.Missing) && !(lookup instanceof PathGuard.Found)) {
                return reject(request, response, callback, lookup);
            }
        }
        Response.writeError(request, response, callback, settings.tryFilesStatus());
        return true;
    }

    private boolean serve(Request request, Response response, Callback callback, String uri, boolean fallthrough)
        throws Exception {
        PathGuard.Lookup lookup = guard.lookup(relative(request, uri));
        if (lookup instanceof PathGuard.Found file && !file.isDirectory() && uri.endsWith("/")) {
            // "/file.txt/" names a directory that is not there (open(2) says ENOTDIR; nginx: 404).
            lookup = new PathGuard.Missing();
        }
        if (!(lookup instanceof PathGuard.Found found)) {
            if (lookup instanceof PathGuard.Missing && fallthrough) {
                return false;
            }
            return reject(request, response, callback, lookup);
        }
        if (!found.isDirectory()) {
            responder.respond(request, response, callback, found);
            return true;
        }
        if (!uri.endsWith("/")) {
            String query = request.getHttpURI().getQuery();
            String path = request.getHttpURI().getPath();
            response.getHeaders().put(HttpHeader.LOCATION, (uri.equals(Request.getPathInContext(request)) ? path : uri)
                + "/" + (query == null ? "" : "?" + query));
            response.setStatus(HttpStatus.MOVED_PERMANENTLY_301);
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 0L);
            Handlers.endWithoutBody(response, callback);
            return true;
        }
        for (String index : settings.index()) {
            PathGuard.Lookup indexLookup = guard.lookup(relative(request, uri + index));
            if (indexLookup instanceof PathGuard.Found file && !file.isDirectory()) {
                responder.respond(request, response, callback, file);
                return true;
            }
        }
        if (settings.autoindex()) {
            // One stat per entry: unbounded work for a big directory, so not on the parsing thread.
            Offload.run(request, settings.inPlace(), callback, null, () -> {
                byte[] html = DirectoryListing.render(found.real(), uri, guard);
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/html; charset=utf-8");
                response.getHeaders().put(HttpHeader.CONTENT_LENGTH, html.length);
                response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
                boolean head = HttpMethod.HEAD.is(request.getMethod());
                try (Blocker.Callback written = Blocker.callback()) {
                    response.write(true, head ? BufferUtil.EMPTY_BUFFER : ByteBuffer.wrap(html), written);
                    written.block();
                }
            });
            return true;
        }
        Response.writeError(request, response, callback, HttpStatus.FORBIDDEN_403);
        return true;
    }

    private static boolean reject(Request request, Response response, Callback callback, PathGuard.Lookup lookup) {
        if (lookup instanceof PathGuard.Failed failed) {
            FileErrors.answer(request, response, callback, failed);
            return true;
        }
        int status = switch (lookup) {
            case PathGuard.Bad b -> HttpStatus.BAD_REQUEST_400;
            case PathGuard.Forbidden f -> HttpStatus.FORBIDDEN_403;
            default -> HttpStatus.NOT_FOUND_404;
        };
        Response.writeError(request, response, callback, status);
        return true;
    }

    /** The URI path relative to the directory: the whole URI for root, minus the location prefix for alias. */
    private String relative(Request request, String uri) {
        if (!settings.alias()) {
            return uri;
        }
        if (prefix != null && uri.startsWith(prefix)) {
            return uri.substring(prefix.length());
        }
        return uri;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

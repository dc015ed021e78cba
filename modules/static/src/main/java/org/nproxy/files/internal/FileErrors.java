package org.nproxy.files.internal;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a failed stat or open means for the client, and whether the operator hears of it (nginx's
 * static module makes the same split):
 * <ul>
 *   <li>no such file, or a file used as a directory ({@code /a.txt/x}): 404, not logged;</li>
 *   <li>a name longer than the file system allows: 414, not logged (the client chose it);</li>
 *   <li>permission denied: 403, logged (the operator gave the server a file it may not read);</li>
 *   <li>anything else (a symlink loop, an I/O error): 500, logged.</li>
 * </ul>
 * Linux reports ENOTDIR, ENAMETOOLONG and ELOOP as a bare {@link FileSystemException}; the
 * reason text tells them apart, and for ENOTDIR a look at the path backs it up.
 */
final class FileErrors {
    private static final Logger LOG = LoggerFactory.getLogger("org.nproxy.files");

    private FileErrors() {
    }

    /** The lookup outcome of {@code e}, raised while resolving {@code path} under {@code directory}. */
    static PathGuard.Lookup classify(Path directory, Path path, IOException e) {
        if (e instanceof NoSuchFileException || e instanceof NotDirectoryException) {
            return new PathGuard.Missing();
        }
        if (e instanceof AccessDeniedException) {
            return new PathGuard.Failed(HttpStatus.FORBIDDEN_403, "permission denied", path, e);
        }
        String reason = e instanceof FileSystemException fse && fse.getReason() != null ? fse.getReason() : "";
        if (reason.equals("Not a directory") || fileOnTheWay(directory, path)) {
            return new PathGuard.Missing();
        }
        if (reason.equals("File name too long")) {
            return new PathGuard.Failed(HttpStatus.URI_TOO_LONG_414, "name too long", path, null);
        }
        return new PathGuard.Failed(HttpStatus.INTERNAL_SERVER_ERROR_500, reason.isEmpty() ? e.toString() : reason,
            path, e);
    }

    /** Answers a failed lookup or open, logging what the operator should fix. */
    static void answer(Request request, Response response, Callback callback, PathGuard.Failed failed) {
        if (failed.cause() != null) {
            LOG.warn("static: {} {}: cannot serve {}: {} (answered {})", request.getMethod(),
                request.getHttpURI().getPathQuery(), failed.path(), failed.why(), failed.status());
        }
        Response.writeError(request, response, callback, failed.status());
    }

    /** Whether a parent of {@code path}, below {@code directory}, is something other than a directory (ENOTDIR). */
    private static boolean fileOnTheWay(Path directory, Path path) {
        if (!path.startsWith(directory)) {
            return false;
        }
        for (Path p = path.getParent(); p != null && p.startsWith(directory) && !p.equals(directory); p = p.getParent()) {
            try {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (!a.isDirectory() && !a.isSymbolicLink()) {
                    return true;
                }
            } catch (IOException e) {
                // not there (or not readable): not the file that made this ENOTDIR
            }
        }
        return false;
    }
}

package org.nproxy.files;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.nproxy.spi.Template;

/**
 * A bound {@code <static>} element; immutable, shared by every request of a generation.
 *
 * @param directory      the {@code root} or {@code alias} directory, absolute and normalized
 * @param alias          true for {@code alias} (location prefix replaced), false for {@code root}
 *                       (location path appended). Default: root.
 * @param index          index file names tried for a directory URI, in order. Default {@code index.html}.
 * @param tryFiles       nginx's {@code try_files}; empty = off (the default)
 * @param tryFilesStatus the status of a final {@code =NNN} entry of try-files, or 0
 * @param autoindex      directory listing when a directory has no index. Default false (403).
 * @param mimeTypes      extension (lower case, no dot) to media type: built-in table plus {@code <type>} children
 * @param defaultType    media type of unknown extensions. Default {@code application/octet-stream}.
 * @param charset        appended as {@code ; charset=} to text types; null = off. Default {@code utf-8}.
 * @param etag           send and check {@code ETag}. Default true.
 * @param cacheControl   {@code Cache-Control} value, or null (the default: none)
 * @param expires        {@code Expires} = now + this (and max-age when no cache-control), or null (default)
 * @param precompressed  sibling encodings tried in order, e.g. {@code br, gzip}. Default none.
 * @param allowHidden    serve path segments starting with '.' (other than {@code .well-known}). Default false.
 * @param symlinksAnywhere follow symlinks that leave the directory. Default false (they get 403).
 * @param sendfile       zero-copy on cleartext HTTP/1.1. Default true.
 * @param chunkSize      read size of the copying path. Default 64k.
 * @param inlineMax      bodies up to this many bytes are read and written on the thread that parsed the
 *                       request; larger ones go to a virtual thread (sendfile or copy). 0 to 64k, default 32k.
 * @param inPlace        false: the whole answer runs on a virtual thread, file-system calls included
 *                       (for network or slow file systems). Default true.
 */
public record StaticSettings(Path directory, boolean alias, List<String> index, List<Template> tryFiles,
                             int tryFilesStatus, boolean autoindex, Map<String, String> mimeTypes,
                             String defaultType, String charset, boolean etag, String cacheControl,
                             Duration expires, List<Encoding> precompressed, boolean allowHidden,
                             boolean symlinksAnywhere, boolean sendfile, int chunkSize,
                             int inlineMax, boolean inPlace) {
    /** A precompressed sibling: {@code file + suffix} served with {@code Content-Encoding: token}. */
    public record Encoding(String token, String suffix) {
    }

    /** Default {@link #inlineMax}: Jetty's own response buffer size (HttpConfiguration's outputBufferSize). */
    public static final int INLINE_MAX = 32 * 1024;
    /** Largest {@link #inlineMax}: the biggest buffer Jetty's default ByteBufferPool keeps. */
    public static final int INLINE_MAX_LIMIT = 64 * 1024;

    public StaticSettings {
        index = List.copyOf(index);
        tryFiles = List.copyOf(tryFiles);
        mimeTypes = Map.copyOf(mimeTypes);
        precompressed = List.copyOf(precompressed);
    }
}

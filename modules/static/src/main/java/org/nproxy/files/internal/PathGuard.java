package org.nproxy.files.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

import org.eclipse.jetty.http.HttpStatus;

/**
 * Maps a decoded URI path onto a file under one directory, refusing everything that could
 * leave it. Jetty has already rejected ambiguous URIs ({@code %2e%2e}, {@code %2f}) and
 * normalized dot segments; this is the second line of defence, and the one that knows about
 * hidden files and symlinks.
 */
public final class PathGuard {
    /** The outcome of one lookup. */
    public sealed interface Lookup {
    }

    /** A path that can never name a file here: 400. */
    public record Bad(String why) implements Lookup {
    }

    /** Hidden file, or a symlink leaving the directory: 403 (policy, so not logged). */
    public record Forbidden(String why) implements Lookup {
    }

    /** Nothing there (or something that is neither file nor directory): 404. */
    public record Missing() implements Lookup {
    }

    /**
     * The file system refused ({@link FileErrors}): answer {@code status}; when {@code cause} is
     * not null the operator should hear of it (server log).
     */
    public record Failed(int status, String why, Path path, IOException cause) implements Lookup {
    }

    /** A regular file or a directory; {@code real} is the path to open. */
    public record Found(Path real, BasicFileAttributes attributes) implements Lookup {
        public boolean isDirectory() {
            return attributes.isDirectory();
        }
    }

    /** Longest file name (bytes) on Linux file systems: a longer segment can never name a file. */
    static final int NAME_MAX = 255;
    /** Longest path (characters of the URI part) worth a system call; Linux refuses 4096 bytes and more. */
    static final int PATH_MAX = 4095;

    private final Path directory;
    private final boolean allowHidden;
    private final boolean symlinksAnywhere;
    /**
     * The directory's own real path, remembered; it may be a symlink itself (a release switch such as
     * {@code current -> releases/42}), so a refusal re-resolves it before it stands.
     */
    private volatile Path realDirectory;

    public PathGuard(Path directory, boolean allowHidden, boolean symlinksAnywhere) {
        this.directory = directory;
        this.allowHidden = allowHidden;
        this.symlinksAnywhere = symlinksAnywhere;
    }

    /** Checks a relative URI path ('/' separated, already percent-decoded) and stats what it names. */
    public Lookup lookup(String relative) {
        Lookup bad = check(relative);
        if (bad != null) {
            return bad;
        }
        Path path = directory;
        for (String segment : relative.split("/")) {
            if (!segment.isEmpty()) {
                path = path.resolve(segment);
            }
        }
        if (!path.normalize().startsWith(directory)) {
            return new Bad("escapes the directory");
        }
        try {
            Path real = path.toRealPath();
            if (!symlinksAnywhere && !real.startsWith(realDirectory(false)) && !real.startsWith(realDirectory(true))) {
                return new Forbidden("symlink leaves the directory");
            }
            BasicFileAttributes attributes = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!attributes.isRegularFile() && !attributes.isDirectory()) {
                return new Missing();
            }
            return new Found(real, attributes);
        } catch (IOException e) {
            return FileErrors.classify(directory, path, e);
        }
    }

    private Path realDirectory(boolean fresh) throws IOException {
        Path real = realDirectory;
        if (real == null || fresh) {
            real = directory.toRealPath();
            realDirectory = real;
        }
        return real;
    }

    /** Name-level rules, before touching the disk; null when the path is acceptable. */
    Lookup check(String relative) {
        for (int i = 0; i < relative.length(); i++) {
            char c = relative.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '\\' || c == '\uFFFD') {
                return new Bad("control character, backslash or undecodable byte");
            }
        }
        if (relative.length() > PATH_MAX) {
            return new Failed(HttpStatus.URI_TOO_LONG_414, "path too long", null, null);
        }
        for (String segment : relative.split("/")) {
            if (segment.getBytes(StandardCharsets.UTF_8).length > NAME_MAX) {
                return new Failed(HttpStatus.URI_TOO_LONG_414, "name too long", null, null);
            }
            if (segment.equals("..") || segment.equals(".")) {
                return new Bad("dot segment");
            }
            if (!allowHidden && segment.startsWith(".") && !segment.equals(".well-known")) {
                return new Forbidden("hidden file");
            }
        }
        return null;
    }

    /** Whether a directory entry should be listed (autoindex hides what it would refuse). */
    public boolean listable(String name) {
        return allowHidden || !name.startsWith(".");
    }
}

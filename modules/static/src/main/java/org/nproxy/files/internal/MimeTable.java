package org.nproxy.files.internal;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

import org.eclipse.jetty.http.MimeTypes;

/**
 * The built-in extension to media type table: Jetty's ({@link MimeTypes#DEFAULTS}, the
 * {@code mime.properties} of jetty-http) plus {@link #OVERRIDES} where the web wants another
 * answer or Jetty has none. The charset is not part of the table: {@link #isText} says which
 * types get the configured one ({@code charset}, default utf-8), where Jetty would assume
 * ISO-8859-1 for {@code text/plain}.
 */
public final class MimeTable {
    /** Ours where Jetty 12.0's table differs (first group) or lacks the extension (the rest). */
    private static final String[][] OVERRIDES = {
        {"font/otf", "otf"}, // Jetty: an OpenDocument formula template
        {"audio/ogg", "ogg oga"}, // Jetty: application/ogg, which browsers will not play in <audio>
        {"application/gzip", "tgz"}, // Jetty: application/x-gtar
        {"text/html", "shtml"},
        {"text/plain", "log"},
        {"text/markdown", "md markdown"},
        {"text/calendar", "ics"},
        {"text/vtt", "vtt"},
        {"application/json", "map"},
        {"application/manifest+json", "webmanifest"},
        {"application/ld+json", "jsonld"},
        {"application/atom+xml", "atom"},
        {"application/rss+xml", "rss"},
        {"application/x-7z-compressed", "7z"},
        {"application/java-archive", "war ear"},
        {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"},
        {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"},
        {"application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"},
        {"application/vnd.apple.mpegurl", "m3u8"},
        {"audio/aac", "aac"},
        {"audio/flac", "flac"},
        {"audio/opus", "opus"},
        {"video/mp4", "m4v"},
        {"video/webm", "webm"},
        {"video/ogg", "ogv"},
        {"video/mp2t", "ts"},
        {"image/jxl", "jxl"},
        {"image/heic", "heic"},
    };

    /**
     * Jetty's {@code mime.properties}, read as a resource of its package. Not through
     * {@code MimeTypes.DEFAULTS}: initialising that class calls {@code Locale.getAvailableLocales()},
     * which loads the JDK's CLDR locale data: found with a JFR class-load trace, about a quarter of
     * {@code nproxy.sh check}'s CPU on the bundled config (docs/performance.md, "Start and memory").
     * Referring to {@code MimeTypes.class} does not initialise it.
     */
    private static final Map<String, String> JETTY = jettyTable();

    private MimeTable() {
    }

    private static Map<String, String> jettyTable() {
        Map<String, String> table = new HashMap<>();
        try (java.io.InputStream in = MimeTypes.class.getResourceAsStream("mime.properties")) {
            if (in == null) {
                throw new IllegalStateException("jetty-http has no org/eclipse/jetty/http/mime.properties");
            }
            java.util.Properties p = new java.util.Properties();
            p.load(new java.io.InputStreamReader(in, java.nio.charset.StandardCharsets.ISO_8859_1));
            p.forEach((ext, type) -> table.put(ext.toString().trim().toLowerCase(Locale.ROOT), type.toString().trim().toLowerCase(Locale.ROOT)));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return Map.copyOf(table);
    }

    /** A fresh mutable copy of the built-in table. */
    public static Map<String, String> defaults() {
        Map<String, String> table = new HashMap<>();
        JETTY.forEach((ext, type) -> table.put(ext, type));
        for (String[] row : OVERRIDES) {
            for (String ext : row[1].split(" ")) {
                table.put(ext, row[0]);
            }
        }
        return table;
    }

    /** Media type of a file name, or {@code fallback}. */
    public static String lookup(Map<String, String> table, String fileName, String fallback) {
        int dot = fileName.lastIndexOf('.');
        if (dot < 0 || dot == fileName.length() - 1) {
            return fallback;
        }
        String type = table.get(fileName.substring(dot + 1).toLowerCase(Locale.ROOT));
        return type == null ? fallback : type;
    }

    /** Whether {@code charset} applies: text types and the textual application types. */
    public static boolean isText(String type) {
        return type.startsWith("text/") || type.equals("application/json") || type.endsWith("+json")
            || type.endsWith("+xml") || type.equals("application/xml") || type.equals("image/svg+xml");
    }
}

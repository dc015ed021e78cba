package org.nproxy.files.internal;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** The built-in extension to media type table (nginx's mime.types, trimmed to what the web uses). */
public final class MimeTable {
    private static final String[][] DEFAULTS = {
        {"text/html", "html htm shtml"},
        {"text/css", "css"},
        {"text/xml", "xml"},
        {"text/plain", "txt log"},
        {"text/csv", "csv"},
        {"text/markdown", "md markdown"},
        {"text/javascript", "js mjs"},
        {"text/vnd.wap.wml", "wml"},
        {"text/calendar", "ics"},
        {"application/json", "json map"},
        {"application/manifest+json", "webmanifest"},
        {"application/ld+json", "jsonld"},
        {"application/atom+xml", "atom"},
        {"application/rss+xml", "rss"},
        {"application/wasm", "wasm"},
        {"application/pdf", "pdf"},
        {"application/zip", "zip"},
        {"application/gzip", "gz tgz"},
        {"application/x-tar", "tar"},
        {"application/x-bzip2", "bz2"},
        {"application/x-7z-compressed", "7z"},
        {"application/java-archive", "jar war ear"},
        {"application/octet-stream", "bin exe dll deb iso img dmg msi"},
        {"application/xhtml+xml", "xhtml"},
        {"application/rtf", "rtf"},
        {"application/msword", "doc"},
        {"application/vnd.ms-excel", "xls"},
        {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"},
        {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"},
        {"image/gif", "gif"},
        {"image/jpeg", "jpeg jpg"},
        {"image/png", "png"},
        {"image/webp", "webp"},
        {"image/avif", "avif"},
        {"image/svg+xml", "svg svgz"},
        {"image/x-icon", "ico"},
        {"image/bmp", "bmp"},
        {"image/tiff", "tif tiff"},
        {"font/woff", "woff"},
        {"font/woff2", "woff2"},
        {"font/ttf", "ttf"},
        {"font/otf", "otf"},
        {"audio/mpeg", "mp3"},
        {"audio/ogg", "ogg oga"},
        {"audio/wav", "wav"},
        {"audio/aac", "aac"},
        {"audio/flac", "flac"},
        {"video/mp4", "mp4 m4v"},
        {"video/webm", "webm"},
        {"video/ogg", "ogv"},
        {"video/quicktime", "mov"},
        {"video/x-msvideo", "avi"},
        {"video/mp2t", "ts"},
        {"application/vnd.apple.mpegurl", "m3u8"},
    };

    private MimeTable() {
    }

    /** A fresh mutable copy of the built-in table. */
    public static Map<String, String> defaults() {
        Map<String, String> table = new HashMap<>();
        for (String[] row : DEFAULTS) {
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

package org.nproxy.files;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.eclipse.jetty.server.Handler;
import org.nproxy.spi.ConfigElement;
import org.nproxy.files.internal.MimeTable;
import org.nproxy.files.internal.StaticHandler;
import org.nproxy.spi.BindContext;
import org.nproxy.spi.HandlerFactory;
import org.nproxy.spi.ModuleContext;
import org.nproxy.spi.Template;

/**
 * {@code <static>}: serves files from a directory, like nginx's {@code root}/{@code alias} with
 * {@code sendfile on}. Reference: {@code docs/static.md}.
 *
 * <pre>{@code
 * <location path="/"><static root="html" index="index.html"/></location>
 * <location path="^~ /assets/">
 *   <static alias="build/assets" cache-control="public, max-age=31536000, immutable" precompressed="br gzip">
 *     <type extensions="avifs" type="image/avif-sequence"/>
 *   </static>
 * </location>
 * <location path="/app/"><static root="spa" try-files="$uri $uri/ /app/index.html"/></location>
 * }</pre>
 */
public final class StaticHandlerFactory implements HandlerFactory<StaticSettings> {
    private static final List<String> ENCODINGS = List.of("br", "gzip", "zstd");

    @Override
    public String type() {
        return "static";
    }

    @Override
    public StaticSettings bind(ConfigElement e, BindContext context) {
        String root = e.string("root", null);
        String alias = e.string("alias", null);
        if ((root == null) == (alias == null)) {
            e.error("<static> needs exactly one of root and alias", "root=\"html\" (location path appended) or "
                + "alias=\"html\" (location path replaced)");
        }
        String dirAttr = alias != null ? "alias" : "root";
        String dirText = alias != null ? alias : root == null ? "." : root;
        Path directory = context.resolve(dirText).toAbsolutePath().normalize();
        if (Files.exists(directory) && !Files.isDirectory(directory)) {
            e.attributeError(dirAttr, directory + " is not a directory", "a directory to serve files from");
        }

        List<String> index = words(e.string("index", "index.html"));
        for (String name : index) {
            if (name.contains("/") || name.equals("..") || name.equals(".")) {
                e.attributeError("index", "bad index file name '" + name + "'", "file names such as index.html");
            }
        }

        List<Template> tryFiles = new ArrayList<>();
        int tryStatus = 0;
        List<String> tryWords = words(e.string("try-files", ""));
        for (int i = 0; i < tryWords.size(); i++) {
            String w = tryWords.get(i);
            boolean last = i == tryWords.size() - 1;
            if (w.startsWith("=")) {
                if (!last) {
                    e.attributeError("try-files", "'" + w + "' must be the last entry", "$uri $uri/ =404");
                }
                try {
                    tryStatus = Integer.parseInt(w.substring(1));
                    if (tryStatus < 200 || tryStatus > 599) {
                        throw new NumberFormatException();
                    }
                } catch (NumberFormatException ex) {
                    e.attributeError("try-files", "bad status '" + w + "'", "=404 (a status from 200 to 599)");
                }
            } else if (!w.startsWith("/") && !w.startsWith("$")) {
                e.attributeError("try-files", "entry '" + w + "' is not a URI", "$uri, $uri/, /index.html or =404");
            } else {
                tryFiles.add(Template.parse(w));
            }
        }
        if (tryWords.size() == 1) {
            e.attributeError("try-files", "try-files needs at least two entries (checks, then a fallback)",
                "$uri $uri/ /index.html");
        }

        Map<String, String> mime = MimeTable.defaults();
        for (ConfigElement t : e.children("type")) {
            String type = t.required("type");
            if (!type.isEmpty() && !type.matches("[\\w.+-]+/[\\w.+-]+")) {
                t.attributeError("type", "bad media type '" + type + "'", "type/subtype such as application/wasm");
            }
            for (String ext : words(t.required("extensions"))) {
                mime.put(ext.toLowerCase(Locale.ROOT).replaceFirst("^\\.", ""), type);
            }
        }
        String defaultType = e.string("default-type", "application/octet-stream");
        String charset = e.string("charset", "utf-8");
        if (charset.equals("off") || charset.isBlank()) {
            charset = null;
        }

        List<StaticSettings.Encoding> precompressed = new ArrayList<>();
        for (String token : words(e.string("precompressed", "off"))) {
            if (token.equals("off")) {
                continue;
            }
            switch (token) {
                case "br" -> precompressed.add(new StaticSettings.Encoding("br", ".br"));
                case "gzip", "gz" -> precompressed.add(new StaticSettings.Encoding("gzip", ".gz"));
                case "zstd", "zst" -> precompressed.add(new StaticSettings.Encoding("zstd", ".zst"));
                default -> e.attributeError("precompressed", "unknown encoding '" + token + "'",
                    "a list of " + String.join(", ", ENCODINGS) + " (tried in that order), or off");
            }
        }

        String cacheControl = e.string("cache-control", null);
        Duration expires = null;
        String expiresText = e.string("expires", "off");
        if (!expiresText.equals("off")) {
            expires = e.duration("expires", null);
        }
        String symlinks = e.oneOf("symlinks", "inside", List.of("inside", "any"));
        long inlineMax = e.size("inline-max", StaticSettings.INLINE_MAX);
        if (inlineMax < 0 || inlineMax > StaticSettings.INLINE_MAX_LIMIT) {
            e.attributeError("inline-max", "inline-max=\"" + e.string("inline-max", "") + "\" is out of range",
                "a size from 0 to 64k (larger bodies are better sent with sendfile from a virtual thread)");
            inlineMax = StaticSettings.INLINE_MAX;
        }
        return new StaticSettings(directory, alias != null, index, tryFiles, tryStatus,
            e.bool("autoindex", false), mime, defaultType, charset, e.bool("etag", true), cacheControl, expires,
            precompressed, e.bool("hidden-files", false), symlinks.equals("any"), e.bool("sendfile", true),
            (int) Math.min(Integer.MAX_VALUE, Math.max(4096, e.size("chunk-size", 64 * 1024))), (int) inlineMax,
            e.bool("in-place", true));
    }

    @Override
    public Handler create(StaticSettings settings, ModuleContext context) {
        return new StaticHandler(settings, context.mount().prefix());
    }

    private static List<String> words(String text) {
        return text.isBlank() ? List.of() : List.of(text.trim().split("\\s+"));
    }
}

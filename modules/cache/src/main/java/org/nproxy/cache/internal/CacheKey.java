package org.nproxy.cache.internal;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.jetty.server.Request;
import org.nproxy.spi.RequestKey;
import org.nproxy.spi.RequestVariables;
import org.nproxy.spi.Template;

/**
 * The primary cache key of a request: by default scheme, host (with a non-default port) and
 * target ({@link Fields#primaryKey}); with {@code <cache key="...">}, a {@link Template} over the
 * request variables, e.g. {@code $scheme$host$request_uri} or {@code $host$uri$cookie_lang}.
 *
 * <p>Invalidation (RFC 9111 §4.4) names URIs ({@code Location}, {@code Content-Location}), not
 * requests: {@link #ofUri} renders the template for such a URI, its scheme, host, port and
 * target taking the place of the request's, every other variable the request's.
 */
public final class CacheKey {
    /** Variables that come from the target URI (the rest from the request). */
    private static final Set<String> URI_VARIABLES = Set.of("scheme", "host", "server_port", "request_uri", "uri",
        "args", "query_string", "is_args");
    private static final Set<String> KNOWN = Set.of("scheme", "host", "server_port", "request_method", "request_uri",
        "uri", "args", "query_string", "is_args", "remote_addr", "remote_port", "server_protocol");
    private static final Pattern VARIABLE = Pattern.compile("\\$(?:\\{([^}]*)}|([A-Za-z0-9_]+))");

    /** The default key: scheme, host and target. */
    public static final CacheKey DEFAULT = new CacheKey(null, null);

    private final String text;
    private final Template template;

    private CacheKey(String text, Template template) {
        this.text = text;
        this.template = template;
    }

    /** A key template; {@link #problems} should be empty first. Null or blank: the default. */
    public static CacheKey of(String text) {
        return text == null || text.isBlank() ? DEFAULT : new CacheKey(text, Template.parse(text));
    }

    /**
     * What is wrong with a template: no variable at all (every request would share one entry),
     * or variables no module defines.
     */
    public static List<String> problems(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = VARIABLE.matcher(text.replace("$$", ""));
        boolean any = false;
        while (m.find()) {
            any = true;
            String name = m.group(1) != null ? m.group(1) : m.group(2);
            if (!KNOWN.contains(name) && !name.startsWith("http_") && !name.startsWith("arg_")
                && !name.startsWith("cookie_") && RequestKey.forVariable(name) == null) {
                out.add("unknown variable $" + name);
            }
        }
        if (!any) {
            out.add("no variable: every request would share one entry");
        }
        return out;
    }

    /** The template as written, or null for the default key. */
    public String text() {
        return text;
    }

    /** The primary key of a request. */
    public String of(Request request) {
        if (template == null) {
            return Fields.primaryKey(request);
        }
        return template.render(name -> RequestVariables.get(request, name));
    }

    /** The primary key the same request would have for another absolute URI; null when it is not one. */
    public String ofUri(Request request, String absolute) {
        if (template == null) {
            return Fields.normalize(absolute);
        }
        URI u;
        try {
            u = URI.create(absolute);
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (u.getScheme() == null || u.getHost() == null) {
            return null;
        }
        String path = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
        String query = u.getRawQuery();
        Function<String, String> lookup = name -> {
            if (!URI_VARIABLES.contains(name)) {
                return RequestVariables.get(request, name);
            }
            return switch (name) {
                case "scheme" -> u.getScheme().toLowerCase(Locale.ROOT);
                case "host" -> u.getHost().toLowerCase(Locale.ROOT);
                case "server_port" -> u.getPort() > 0 ? Integer.toString(u.getPort())
                    : u.getScheme().equalsIgnoreCase("https") ? "443" : "80";
                case "request_uri" -> query == null ? path : path + "?" + query;
                case "uri" -> u.getPath() == null || u.getPath().isEmpty() ? "/" : u.getPath();
                case "is_args" -> query == null ? "" : "?";
                default -> query == null ? "" : query; // args, query_string
            };
        };
        return template.render(lookup);
    }
}

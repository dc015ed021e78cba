package org.nproxy.proxy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import org.eclipse.jetty.server.Handler;
import org.nproxy.spi.ConfigElement;
import org.nproxy.upstream.UpstreamConfig;
import org.nproxy.upstream.UpstreamElementFactory;
import org.nproxy.upstream.forward.Forwarding;
import org.nproxy.upstream.forward.TunnelProvider;
import org.nproxy.upstream.UpstreamGroup;
import org.nproxy.spi.BindContext;
import org.nproxy.spi.HandlerFactory;
import org.nproxy.spi.ModuleContext;
import org.nproxy.spi.Template;

/**
 * {@code <proxy>}: forwards the request to a peer of an upstream group and streams the answer
 * back. See {@code docs/proxy.md} for every attribute.
 *
 * <pre>{@code
 * <upstream name="app" balance="least_conn" keepalive="64">
 *   <peer address="127.0.0.1:9001"/>
 *   <peer address="127.0.0.1:9002"/>
 * </upstream>
 * ...
 * <location path="/api/">
 *   <proxy upstream="app" read-timeout="30s" tries="2">
 *     <rewrite prefix="/api/" to="/"/>
 *     <request-header name="X-Request-Start" value="$msec"/>
 *     <response-header action="remove" name="Server"/>
 *   </proxy>
 * </location>
 * }</pre>
 */
public final class ProxyHandlerFactory implements HandlerFactory<ProxySettings> {
    private static final String TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";

    @Override
    public String type() {
        return "proxy";
    }

    @Override
    public ProxySettings bind(ConfigElement e, BindContext context) {
        Optional<UpstreamConfig> upstream = context.reference(e, "upstream", UpstreamElementFactory.TYPE, UpstreamConfig.class);
        Forwarding forwarding = Forwarding.bind(e);
        Set<Integer> failStatuses = new LinkedHashSet<>();
        for (String s : e.string("fail-status", "").trim().split("[\\s,]+")) {
            if (s.isEmpty()) {
                continue;
            }
            if (s.matches("[45]\\d\\d")) {
                failStatuses.add(Integer.parseInt(s));
            } else {
                e.attributeError("fail-status", "bad status '" + s + "'", "statuses from 400 to 599 such as \"502 503 504\"");
            }
        }
        List<ProxySettings.HeaderRule> requestHeaders = headerRules(e, "request-header");
        List<ProxySettings.HeaderRule> responseHeaders = headerRules(e, "response-header");
        List<ProxySettings.Rewrite> rewrites = new ArrayList<>();
        for (ConfigElement r : e.children("rewrite")) {
            String prefix = r.string("prefix", null);
            String regex = r.string("regex", null);
            String to = r.string("to", "");
            if ((prefix == null) == (regex == null)) {
                r.error("<rewrite> needs exactly one of prefix or regex", "prefix=\"/api/\" to=\"/\" or regex=\"^/u/(\\d+)$\" to=\"/users/$1\"");
            } else if (prefix != null) {
                rewrites.add(new ProxySettings.Rewrite(prefix, null, to));
            } else {
                try {
                    rewrites.add(new ProxySettings.Rewrite(null, Pattern.compile(regex), to));
                } catch (PatternSyntaxException ex) {
                    r.attributeError("regex", "bad regular expression: " + ex.getDescription(), "a Java regular expression");
                }
            }
        }
        Template hashKey = upstream.filter(u -> u.balance().equals("hash") && u.hashKey() != null)
            .map(u -> Template.parse(u.hashKey())).orElse(null);
        return new ProxySettings(upstream.orElse(null), forwarding,
            e.duration("read-timeout", Duration.ofSeconds(60)),
            e.duration("send-timeout", Duration.ofSeconds(60)),
            e.duration("timeout", Duration.ZERO),
            e.integer("tries", 0, 0, 100),
            e.duration("retry-timeout", Duration.ZERO),
            e.bool("retry-non-idempotent", false),
            e.size("retry-body-max", 0),
            Set.copyOf(failStatuses), hashKey, requestHeaders, responseHeaders, List.copyOf(rewrites),
            context.services(TunnelProvider.class).stream().<Class<? extends TunnelProvider>>map(TunnelProvider::getClass)
                .distinct().toList());
    }

    private static List<ProxySettings.HeaderRule> headerRules(ConfigElement e, String child) {
        List<ProxySettings.HeaderRule> rules = new ArrayList<>();
        for (ConfigElement h : e.children(child)) {
            String action = h.oneOf("action", "set", List.of("set", "add", "remove"));
            String name = h.required("name");
            if (!name.isEmpty() && !name.matches(TOKEN)) {
                h.attributeError("name", "bad header name '" + name + "'", "an HTTP token such as X-Real-IP");
            }
            String value = h.string("value", "");
            rules.add(new ProxySettings.HeaderRule(action, name, Template.parse(value)));
        }
        return List.copyOf(rules);
    }

    @Override
    public Handler create(ProxySettings settings, ModuleContext context) throws Exception {
        if (settings.upstream() == null) {
            throw new IllegalStateException("<proxy> bound without an upstream; the loader should have rejected it");
        }
        // The group's runtime (peers, pool, health) is shared with every generation that keeps it.
        UpstreamGroup group = context.resource(UpstreamElementFactory.TYPE, settings.upstream().name(), UpstreamGroup.class);
        // Protocol upgrades go to the modules that carry them (the websocket module), found by the SPI.
        Map<String, Handler> upgrades = new LinkedHashMap<>();
        for (Class<? extends TunnelProvider> c : settings.tunnels()) {
            TunnelProvider provider = c.getDeclaredConstructor().newInstance();
            upgrades.putIfAbsent(provider.protocol(), provider.create(settings.upstream(), settings.forwarding(), context));
        }
        return new ProxyHandler(settings, group, new Upgrades(upgrades));
    }
}

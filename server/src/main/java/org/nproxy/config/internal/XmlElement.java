package org.nproxy.config.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

import org.nproxy.config.ConfigError;
import org.nproxy.spi.ConfigElement;
import org.nproxy.spi.Origin;
import org.nproxy.spi.Units;

/**
 * The loader's {@link ConfigElement}: the read API modules get, plus what the loader needs to
 * build the tree, splice includes and report unknown attributes and children. Modules never see
 * this type.
 */
public final class XmlElement implements ConfigElement {
    private final String name;
    private final Origin origin;
    private final Map<String, String> attributes = new LinkedHashMap<>();
    private final Map<String, Origin> attributeOrigins = new LinkedHashMap<>();
    private final List<XmlElement> children = new ArrayList<>();
    private final Set<String> knownAttributes = new LinkedHashSet<>();
    private final Set<String> knownChildren = new LinkedHashSet<>();
    /** Attributes whose ${...} substitution already failed: reported once, then treated as absent. */
    private final Set<String> poisoned = new LinkedHashSet<>();
    private boolean ignored;
    private final Consumer<ConfigError> errors;
    private String text = "";

    /** Used by the loader; modules receive elements, they do not build them. */
    public XmlElement(String name, Origin origin, Consumer<ConfigError> errors) {
        this.name = Objects.requireNonNull(name, "name");
        this.origin = Objects.requireNonNull(origin, "origin");
        this.errors = Objects.requireNonNull(errors, "errors");
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Origin origin() {
        return origin;
    }

    /** Text content, trimmed and substituted (empty when there is none). */
    @Override
    public String text() {
        return text;
    }

    /** Every child element, in file order. Does not mark anything as known. */
    @Override
    public List<ConfigElement> children() {
        return Collections.unmodifiableList(children);
    }

    /** The children as the loader's type. */
    public List<XmlElement> elements() {
        return Collections.unmodifiableList(children);
    }

    /** Children with this name as the loader's type; marks the name as known. */
    public List<XmlElement> elements(String childName) {
        knownChildren.add(childName);
        return children.stream().filter(c -> c.name.equals(childName)).toList();
    }

    /** Children with this element name, in file order; marks the name as known. */
    @Override
    public List<ConfigElement> children(String childName) {
        return List.copyOf(elements(childName));
    }

    /** Marks a child name as accepted without reading it now (e.g. handler elements). */
    public void acceptChildren(String childName) {
        knownChildren.add(childName);
    }

    /** Attribute value if present; marks the attribute as known. */
    @Override
    public Optional<String> attribute(String attr) {
        knownAttributes.add(attr);
        return poisoned.contains(attr) ? Optional.empty() : Optional.ofNullable(attributes.get(attr));
    }

    @Override
    public boolean has(String attr) {
        knownAttributes.add(attr);
        return attributes.containsKey(attr);
    }

    /** Position of an attribute (its name), or of the element when it is absent. */
    @Override
    public Origin origin(String attr) {
        return attributeOrigins.getOrDefault(attr, origin);
    }

    @Override
    public Duration duration(String attr, Duration defaultValue) {
        Optional<String> v = attribute(attr);
        if (v.isEmpty()) {
            return defaultValue;
        }
        try {
            return Units.duration(v.get());
        } catch (IllegalArgumentException e) {
            attributeError(attr, "bad duration " + attr + "=\"" + v.get() + "\"", Units.DURATION_HINT);
            return defaultValue;
        }
    }

    @Override
    public long size(String attr, long defaultValue) {
        Optional<String> v = attribute(attr);
        if (v.isEmpty()) {
            return defaultValue;
        }
        try {
            return Units.size(v.get());
        } catch (IllegalArgumentException e) {
            attributeError(attr, "bad size " + attr + "=\"" + v.get() + "\"", Units.SIZE_HINT);
            return defaultValue;
        }
    }

    @Override
    public int integer(String attr, int defaultValue, int min, int max) {
        Optional<String> v = attribute(attr);
        if (v.isEmpty()) {
            return defaultValue;
        }
        try {
            int n = Integer.parseInt(v.get().trim());
            if (n < min || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            attributeError(attr, "bad number " + attr + "=\"" + v.get() + "\"",
                "an integer from " + min + " to " + max);
            return defaultValue;
        }
    }

    @Override
    public boolean bool(String attr, boolean defaultValue) {
        Optional<String> v = attribute(attr);
        if (v.isEmpty()) {
            return defaultValue;
        }
        switch (v.get().trim().toLowerCase(Locale.ROOT)) {
            case "true", "on", "yes":
                return true;
            case "false", "off", "no":
                return false;
            default:
                attributeError(attr, "bad flag " + attr + "=\"" + v.get() + "\"", "true or false");
                return defaultValue;
        }
    }

    /** One of a fixed set of words (case-sensitive), else an error listing them. */
    @Override
    public String oneOf(String attr, String defaultValue, List<String> allowed) {
        Optional<String> v = attribute(attr);
        if (v.isEmpty()) {
            return defaultValue;
        }
        if (!allowed.contains(v.get())) {
            attributeError(attr, "unknown value " + attr + "=\"" + v.get() + "\"",
                "one of " + String.join(", ", allowed));
            return defaultValue;
        }
        return v.get();
    }

    /** Reports a problem with this element. */
    @Override
    public void error(String problem, String expected) {
        errors.accept(new ConfigError(origin, problem, expected));
    }

    /** Reports a problem with one attribute, at the attribute's position. */
    @Override
    public void attributeError(String attr, String problem, String expected) {
        errors.accept(new ConfigError(origin(attr), problem, expected));
    }

    /**
     * Reports every attribute and child element that nobody asked for, recursing into the
     * children that were asked for. Called by the loader once binding is complete.
     */
    public void reportUnknown() {
        if (ignored) {
            return;
        }
        for (String attr : attributes.keySet()) {
            if (!knownAttributes.contains(attr)) {
                attributeError(attr, "unknown attribute '" + attr + "' on <" + name + ">" + suggest(attr, knownAttributes, "'"),
                    knownAttributes.isEmpty() ? "no attributes here" : "one of: " + String.join(", ", knownAttributes));
            }
        }
        for (XmlElement child : children) {
            if (knownChildren.contains(child.name)) {
                child.reportUnknown();
            } else {
                child.error("unknown element <" + child.name + "> inside <" + name + ">" + suggest(child.name, knownChildren, "<"),
                    knownChildren.isEmpty() ? "no child elements here" : "one of: <" + String.join(">, <", knownChildren) + ">");
            }
        }
    }

    /** Skips this element (and below) in {@link #reportUnknown()}: it was already reported as a whole. */
    public void ignore() {
        ignored = true;
    }

    private static String suggest(String wrong, Set<String> known, String quote) {
        String close = quote.equals("<") ? ">" : quote;
        for (String k : known) {
            if (distance(wrong.toLowerCase(Locale.ROOT), k) <= Math.max(1, Math.min(2, k.length() / 4))) {
                return " (did you mean " + quote + k + close + "?)";
            }
        }
        return "";
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    // ---- used by the loader while building the tree ----

    public void putAttribute(String attr, String value, Origin at) {
        attributes.put(attr, value == null ? "" : value);
        attributeOrigins.put(attr, at);
        if (value == null) {
            poisoned.add(attr); // its substitution failed and was reported
        }
    }

    public void addChild(XmlElement child) {
        children.add(child);
    }

    public void setText(String text) {
        this.text = text;
    }

    /** Removes and returns children (the loader splices {@code <include>}d files in place). */
    public List<XmlElement> mutableChildren() {
        return children;
    }

    /** Raw attribute names, in file order (does not mark anything). */
    @Override
    public Set<String> attributeNames() {
        return Collections.unmodifiableSet(attributes.keySet());
    }

    @Override
    public String toString() {
        return "<" + name + "> at " + origin;
    }
}

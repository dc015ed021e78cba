package org.nproxy.spi;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One element of a loaded configuration, read-only, as a module sees it while binding: its
 * position, already-substituted attribute values and children.
 *
 * <p>Reading an attribute or asking for children by name marks them as <em>known</em>; once
 * binding is done the loader reports every attribute and child element nobody asked for as an
 * error ("unknown attribute 'roots' on &lt;static&gt;; expected one of: root, alias, index").
 * So a module gets strict validation for free by reading exactly what it supports. Typed getters
 * report bad values at the attribute's own {@code file:line:column} and return the default so
 * that binding can go on and collect every error in one pass.
 *
 * <pre>{@code
 * Duration ttl = element.duration("ttl", Duration.ofSeconds(10));
 * String root = element.required("root");
 * }</pre>
 */
public interface ConfigElement {
    String name();

    Origin origin();

    /** Text content, trimmed and substituted (empty when there is none). */
    String text();

    /** Every child element, in file order. Does not mark anything as known. */
    List<ConfigElement> children();

    /** Children with this element name, in file order; marks the name as known. */
    List<ConfigElement> children(String childName);

    /** Attribute value if present; marks the attribute as known. */
    Optional<String> attribute(String attr);

    /** Whether the attribute is written; marks it as known. */
    boolean has(String attr);

    /** Position of an attribute (its name), or of the element when it is absent. */
    Origin origin(String attr);

    /** Raw attribute names, in file order (does not mark anything). */
    Set<String> attributeNames();

    default String string(String attr, String defaultValue) {
        return attribute(attr).orElse(defaultValue);
    }

    /** A required attribute; reports it missing and returns "" when absent or empty. */
    default String required(String attr) {
        Optional<String> v = attribute(attr);
        if (v.isEmpty() || v.get().isBlank()) {
            error("<" + name() + "> needs attribute '" + attr + "'", attr + "=\"...\"");
            return "";
        }
        return v.get();
    }

    /** A duration ({@link Units#duration}); a bad value is reported and the default returned. */
    Duration duration(String attr, Duration defaultValue);

    /** A size in bytes ({@link Units#size}); a bad value is reported and the default returned. */
    long size(String attr, long defaultValue);

    /** An integer within {@code [min, max]}; a bad value is reported and the default returned. */
    int integer(String attr, int defaultValue, int min, int max);

    /** {@code true/on/yes} or {@code false/off/no}. */
    boolean bool(String attr, boolean defaultValue);

    /** One of a fixed set of words (case-sensitive), else an error listing them. */
    String oneOf(String attr, String defaultValue, List<String> allowed);

    /** Reports a problem with this element. */
    void error(String problem, String expected);

    /** Reports a problem with one attribute, at the attribute's position. */
    void attributeError(String attr, String problem, String expected);
}

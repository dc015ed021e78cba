package org.nproxy.upstream.balance;

import java.util.List;

/**
 * A balancing algorithm, found by its name ({@code balance="least_conn"}) with
 * {@link java.util.ServiceLoader} in {@code lib/} and {@code lib/ext/}: list the class in
 * {@code META-INF/services/org.nproxy.upstream.balance.BalancerFactory}. Two factories with the
 * same name fail the configuration check. The upstream library owns peers, health, pools and
 * retries; a balancer only picks.
 *
 * <pre>{@code
 * public final class FirstFactory implements BalancerFactory {
 *     public String name() { return "first"; }
 *     public Balancer create(List<Member> members) { return key -> members.get(0); }
 * }
 * }</pre>
 */
public interface BalancerFactory {
    /** The name operators write in {@code balance="..."}; lower case letters, digits and '_'. */
    String name();

    /** Whether the balancer picks by a key, so that the group needs {@code hash-key}. */
    default boolean needsKey() {
        return false;
    }

    /** A balancer over the members of one snapshot (never empty, usable peers only). */
    Balancer create(List<Member> members);
}

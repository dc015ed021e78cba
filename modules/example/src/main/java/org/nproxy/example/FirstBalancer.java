package org.nproxy.example;

import java.util.List;

import org.nproxy.upstream.balance.Balancer;
import org.nproxy.upstream.balance.BalancerFactory;
import org.nproxy.upstream.balance.Member;

/**
 * The example's balancer: {@code balance="first"} sends everything to the first usable peer (a
 * primary/standby pair without nginx's {@code backup} flag). The upstream library still owns
 * health, retries and pools; this class only picks.
 */
public final class FirstBalancer implements BalancerFactory {
    @Override
    public String name() {
        return "first";
    }

    @Override
    public Balancer create(List<Member> members) {
        Member first = members.get(0);
        return key -> first;
    }
}

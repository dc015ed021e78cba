package org.nproxy.upstream.forward;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.spi.InetAddressResolver;
import java.net.spi.InetAddressResolverProvider;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The test JVM's name resolver (JEP 418): the JDK's own, counting every host-name lookup, so a
 * test can prove that a parser never asks DNS without timing anything.
 */
public final class CountingResolver extends InetAddressResolverProvider {
    /** Host-name lookups made in this JVM so far. */
    static final AtomicLong LOOKUPS = new AtomicLong();

    @Override
    public InetAddressResolver get(Configuration configuration) {
        InetAddressResolver builtin = configuration.builtinResolver();
        return new InetAddressResolver() {
            @Override
            public Stream<InetAddress> lookupByName(String host, LookupPolicy policy) throws UnknownHostException {
                LOOKUPS.incrementAndGet();
                return builtin.lookupByName(host, policy);
            }

            @Override
            public String lookupByAddress(byte[] addr) throws UnknownHostException {
                return builtin.lookupByAddress(addr);
            }
        };
    }

    @Override
    public String name() {
        return "nproxy-test-counting";
    }
}

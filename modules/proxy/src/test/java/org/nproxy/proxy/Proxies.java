package org.nproxy.proxy;

import java.util.List;
import java.util.stream.Collectors;

import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/** Config text and a client for the proxy tests. */
final class Proxies {
    private Proxies() {
    }

    /** An upstream named "origin" over these peers (extra peer attributes appended), and one location. */
    static String config(String upstreamAttrs, List<String> peers, String proxyAttrs, String proxyChildren,
                         String upstreamChildren) {
        String peerXml = peers.stream().map(p -> "    <peer address=\"" + p + "\"/>")
            .collect(Collectors.joining("\n"));
        return """
            <nproxy>
              <upstream name="origin" %s>
            %s
                %s
              </upstream>
              <server>
                <listen host="127.0.0.1" port="0"/>
                <location path="= /upstreams"><upstream-status/></location>
                <location path="/"><proxy upstream="origin" %s>%s</proxy></location>
              </server>
            </nproxy>
            """.formatted(upstreamAttrs, peerXml, upstreamChildren, proxyAttrs, proxyChildren);
    }

    static String simple(String... addresses) {
        return config("", List.of(addresses), "", "", "");
    }

    static HttpClient client() throws Exception {
        HttpClient client = new HttpClient();
        QueuedThreadPool threads = new QueuedThreadPool(32, 2);
        threads.setName("test-client");
        client.setExecutor(threads);
        client.setMaxConnectionsPerDestination(64);
        client.start();
        return client;
    }
}

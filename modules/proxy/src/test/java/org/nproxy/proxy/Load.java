package org.nproxy.proxy;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.Request;

/** Sends requests from a few threads and counts answers by the origin that served them. */
final class Load {
    final Map<String, AtomicLong> byOrigin = new ConcurrentHashMap<>();
    final AtomicInteger errors = new AtomicInteger();
    final Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();

    static Load run(Rig rig, int requests, int threads, IntFunction<Request> request) throws Exception {
        Load load = new Load();
        AtomicInteger next = new AtomicInteger();
        Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            workers[t] = Thread.ofPlatform().start(() -> {
                for (int i = next.getAndIncrement(); i < requests; i = next.getAndIncrement()) {
                    try {
                        ContentResponse r = request.apply(i).send();
                        load.statuses.computeIfAbsent(r.getStatus(), k -> new AtomicInteger()).incrementAndGet();
                        if (r.getStatus() != 200) {
                            load.errors.incrementAndGet();
                        }
                        String origin = r.getHeaders().get("X-Origin");
                        load.byOrigin.computeIfAbsent(origin == null ? "-" : origin, k -> new AtomicLong()).incrementAndGet();
                    } catch (Exception e) {
                        load.errors.incrementAndGet();
                    }
                }
            });
        }
        for (Thread w : workers) {
            w.join();
        }
        return load;
    }

    static Load run(Rig rig, int requests, int threads) throws Exception {
        return run(rig, requests, threads, i -> rig.client.newRequest(rig.uri("/x")));
    }

    long count(String origin) {
        AtomicLong n = byOrigin.get(origin);
        return n == null ? 0 : n.get();
    }

    @Override
    public String toString() {
        return "served " + new TreeMap<>(byOrigin) + ", statuses " + new TreeMap<>(statuses) + ", errors " + errors;
    }
}

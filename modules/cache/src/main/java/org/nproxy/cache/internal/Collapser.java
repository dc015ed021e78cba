package org.nproxy.cache.internal;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Request collapsing: the first request for a key leads (goes upstream), later ones for the same
 * key wait for the leader to finish, up to a bound, then look in the store again. The leader
 * always ends its flight (in a {@code finally}), whether the answer was stored or not, so a
 * waiter never waits longer than the leader's fetch or its own bound.
 */
public final class Collapser {
    /** One fetch in flight. */
    public static final class Flight {
        private final CountDownLatch done = new CountDownLatch(1);
        private volatile boolean stored;

        /** Waits for the leader; true when it finished (stored or not) within the bound. */
        public boolean await(Duration bound) throws InterruptedException {
            return done.await(bound.toMillis(), TimeUnit.MILLISECONDS);
        }

        /** Whether the leader stored its answer (valid after {@link #await} returned true). */
        public boolean stored() {
            return stored;
        }
    }

    /** The caller's part in a flight: leader (must call {@link #land}) or follower. */
    public record Seat(Flight flight, boolean leader) {
    }

    private final ConcurrentHashMap<String, Flight> flights = new ConcurrentHashMap<>();
    private final java.util.function.BiConsumer<String, Boolean> onLand;

    public Collapser() {
        this((key, stored) -> { });
    }

    /** @param onLand told of every flight that lands (its key, whether stored), e.g. to end a shared lease */
    public Collapser(java.util.function.BiConsumer<String, Boolean> onLand) {
        this.onLand = java.util.Objects.requireNonNull(onLand, "onLand");
    }

    /** Takes a seat on the flight for {@code key}, leading a new one when none is in the air. */
    public Seat board(String key) {
        Flight mine = new Flight();
        Flight existing = flights.putIfAbsent(key, mine);
        return existing == null ? new Seat(mine, true) : new Seat(existing, false);
    }

    /** The leader ends its flight; followers wake up. */
    public void land(String key, Seat seat, boolean stored) {
        if (!seat.leader()) {
            throw new IllegalStateException("only the leader of a flight lands it");
        }
        seat.flight().stored = stored;
        flights.remove(key, seat.flight());
        seat.flight().done.countDown();
        onLand.accept(key, stored);
    }

    /** Flights in the air (for tests and status). */
    public int inFlight() {
        return flights.size();
    }
}

package org.nproxy.cache.internal;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.eclipse.jetty.http.HttpFields;

/**
 * Request collapsing: the first request for a key leads (goes upstream), later ones for the same
 * key follow. The leader's answer is teed ({@link Tee}): once its status and fields are known
 * and it is one the cache will store, followers send the same head and then each body chunk as
 * it arrives from the origin (they block on a condition, never poll). When it is not storable,
 * or its head does not come within their bound, followers go upstream on their own. The leader
 * always ends its flight (in a {@code finally}), whether the answer was stored or not, so a
 * follower never waits longer than the leader's fetch or its own bound.
 */
public final class Collapser {
    /** One fetch in flight. */
    public static final class Flight {
        private final CountDownLatch done = new CountDownLatch(1);
        private final Tee tee = new Tee();
        private volatile boolean stored;

        /** Waits for the leader; true when it finished (stored or not) within the bound. */
        public boolean await(Duration bound) throws InterruptedException {
            return done.await(bound.toMillis(), TimeUnit.MILLISECONDS);
        }

        /** Whether the leader stored its answer (valid after {@link #await} returned true). */
        public boolean stored() {
            return stored;
        }

        /** The leader's answer as it arrives. */
        public Tee tee() {
            return tee;
        }
    }

    /**
     * The leader's answer shared with followers: head, then body chunks (copies, at most the
     * zone's max-object in all: only storable answers are shared), then its end.
     */
    public static final class Tee {
        /** The head followers get, with what tells variants apart. */
        public record Head(int status, HttpFields fields, String behind, List<String> varyNames, String variantKey,
                           String fwd) {
        }

        /** What {@link #next} returns once the body is over. */
        public static final ByteBuffer END = ByteBuffer.allocate(0);

        private final ReentrantLock lock = new ReentrantLock();
        private final Condition changed = lock.newCondition();
        private final List<ByteBuffer> chunks = new ArrayList<>();
        private Head head;
        private boolean shared;
        private boolean ended;
        private boolean whole;
        private long bytes;
        private long limit = Long.MAX_VALUE;
        private int followers;

        /** Leader: the head is known; {@code share} when followers may use this answer. */
        public void head(Head h, boolean share, long maxBytes) {
            lock.lock();
            try {
                if (head == null && !ended) {
                    head = h;
                    shared = share;
                    limit = maxBytes;
                    if (!share) {
                        ended = true;
                    }
                    changed.signalAll();
                }
            } finally {
                lock.unlock();
            }
        }

        /** Leader: a body chunk (copied; the caller's buffer position is unchanged). */
        public void append(ByteBuffer content) {
            if (content == null || !content.hasRemaining()) {
                return;
            }
            lock.lock();
            try {
                if (!shared || ended) {
                    return;
                }
                bytes += content.remaining();
                if (bytes > limit) {
                    ended = true; // larger than it said: followers' answers break off, as the store drops it
                    whole = false;
                } else {
                    ByteBuffer copy = ByteBuffer.allocate(content.remaining());
                    copy.put(content.slice()).flip();
                    chunks.add(copy);
                }
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        /** Leader: the answer ended, whole or broken off. Idempotent: the first call counts. */
        public void end(boolean complete) {
            lock.lock();
            try {
                if (!ended) {
                    ended = true;
                    whole = complete;
                    changed.signalAll();
                }
            } finally {
                lock.unlock();
            }
        }

        /** Whether some follower is streaming this answer (the leader then finishes it even without its client). */
        public boolean followed() {
            lock.lock();
            try {
                return followers > 0;
            } finally {
                lock.unlock();
            }
        }

        /**
         * Follower: the head once known and shared, or null (not storable, ended before a head,
         * or none within the bound).
         */
        public Head awaitHead(Duration bound) throws InterruptedException {
            long left = bound.toNanos();
            lock.lock();
            try {
                while (head == null && !ended) {
                    if (left <= 0) {
                        return null;
                    }
                    left = changed.awaitNanos(left);
                }
                if (head == null || !shared || (ended && !whole)) {
                    return null;
                }
                followers++;
                return head;
            } finally {
                lock.unlock();
            }
        }

        /**
         * Follower: chunk {@code i} once it arrived; {@link #END} when the answer ended whole
         * after {@code i} chunks; null when it broke off.
         */
        public ByteBuffer next(int i) throws InterruptedException {
            lock.lock();
            try {
                while (i >= chunks.size() && !ended) {
                    changed.await();
                }
                if (i < chunks.size()) {
                    return chunks.get(i).asReadOnlyBuffer();
                }
                return whole ? END : null;
            } finally {
                lock.unlock();
            }
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

    /** The leader ends its flight; followers wake up (a tee not ended yet ends broken off). */
    public void land(String key, Seat seat, boolean stored) {
        if (!seat.leader()) {
            throw new IllegalStateException("only the leader of a flight lands it");
        }
        seat.flight().stored = stored;
        seat.flight().tee.end(false);
        flights.remove(key, seat.flight());
        seat.flight().done.countDown();
        onLand.accept(key, stored);
    }

    /** Flights in the air (for tests and status). */
    public int inFlight() {
        return flights.size();
    }
}

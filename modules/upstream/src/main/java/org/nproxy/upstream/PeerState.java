package org.nproxy.upstream;

import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What Nproxy knows about one peer of one upstream group: requests in flight, passive failures,
 * active health and latency. Owned by its {@link UpstreamGroup}, so it outlives a configuration
 * generation that keeps the group (a reload does not forget that a peer is down), and one group's
 * failures never take the same address out of another group.
 *
 * <p>The pick path only reads volatile fields, never a lock; the rare writes (a failure, a probe
 * result, a latency sample) take this object's monitor and bump the group's epoch so that
 * balancer snapshots are rebuilt.
 */
public final class PeerState {
    private static final double EWMA_DECAY_NANOS = 10e9; // 10s time constant for peak-EWMA

    private final String address;
    private final AtomicLong epoch;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();

    // passive health, guarded by this
    private volatile int failsInWindow; // read without the lock on the success fast path
    private long windowStartNanos;
    private volatile long downUntilNanos;
    private volatile boolean passiveDown;

    // active health, written by the checker only
    private volatile boolean activeDown;
    private volatile long recoveredAtNanos = Long.MIN_VALUE;
    private int consecutiveOk;
    private int consecutiveFail;

    // the address the name resolved to last, with resolve="..." on; null: connect to the configured host
    private volatile InetAddress resolved;

    // an operator's drain (status page): no new requests, in-flight ones finish
    private volatile boolean drained;
    private volatile PeerMeters meters = PeerMeters.NONE;

    // peak EWMA of time to response headers: written under this, read lock-free by the balancer
    private volatile double ewmaNanos;
    private long ewmaStampNanos = System.nanoTime();

    /**
     * @param epoch the group's counter, bumped whenever this peer's usability changes
     */
    public PeerState(String address, AtomicLong epoch) {
        this.address = address;
        this.epoch = epoch;
    }

    public String address() {
        return address;
    }

    public int inFlight() {
        return inFlight.get();
    }

    public long requests() {
        return requests.get();
    }

    public long failures() {
        return failures.get();
    }

    /**
     * Where connections go: the address the peer's name resolved to on the last {@code resolve}
     * tick, or {@code configuredHost} when the name is not resolved on a timer.
     */
    public String connectHost(String configuredHost) {
        InetAddress a = resolved;
        return a == null ? configuredHost : a.getHostAddress();
    }

    /** The address found by the resolver timer, or null. */
    public InetAddress resolved() {
        return resolved;
    }

    void resolved(InetAddress address) {
        resolved = address;
    }

    /** This peer's attempt meters (recording nothing when the group was opened without meters). */
    public PeerMeters meters() {
        return meters;
    }

    void meters(PeerMeters meters) {
        this.meters = meters;
    }

    /** Whether an operator drained the peer: balancers leave it out, in-flight requests finish. */
    public boolean drained() {
        return drained;
    }

    /**
     * Drains the peer ({@code true}) or brings it back: kept while its group lives, that is until a
     * reload that changes the group (the status page also clears it when a new generation starts).
     */
    public void drain(boolean drain) {
        if (drained != drain) {
            drained = drain;
            epoch.incrementAndGet();
        }
    }

    /** Counts a request going to this peer; pair with {@link #end()}. */
    public void begin() {
        inFlight.incrementAndGet();
        requests.incrementAndGet();
    }

    public void end() {
        inFlight.decrementAndGet();
    }

    /** Usable now as far as health goes (not counting {@code down} or {@code max-conns}). */
    public boolean healthy(long now) {
        return !activeDown && (!passiveDown || now - downUntilNanos >= 0);
    }

    /** When a passive ban ends (meaningful while {@link #healthy} is false because of it). */
    long downUntilNanos() {
        return downUntilNanos;
    }

    boolean passivelyDown(long now) {
        return passiveDown && now - downUntilNanos < 0;
    }

    public boolean activeDown() {
        return activeDown;
    }

    long recoveredAtNanos() {
        return recoveredAtNanos;
    }

    /**
     * Records a failed attempt (connect error, timeout, a failure status). With {@code maxFails}
     * failures inside {@code failTimeoutNanos} the peer is out for {@code failTimeoutNanos}.
     *
     * @return true when this failure took the peer out
     */
    public synchronized boolean fail(int maxFails, long failTimeoutNanos) {
        failures.incrementAndGet();
        if (maxFails <= 0) {
            return false;
        }
        long now = System.nanoTime();
        if (failsInWindow == 0 || now - windowStartNanos > failTimeoutNanos) {
            windowStartNanos = now;
            failsInWindow = 0;
        }
        failsInWindow++;
        if (failsInWindow >= maxFails) {
            failsInWindow = 0;
            downUntilNanos = now + failTimeoutNanos;
            passiveDown = true;
            epoch.incrementAndGet();
            return true;
        }
        return false;
    }

    /** A successful exchange clears the failure window (nginx does the same). */
    public void succeed() {
        if (failsInWindow != 0 || passiveDown) {
            synchronized (this) {
                failsInWindow = 0;
                if (passiveDown && System.nanoTime() - downUntilNanos >= 0) {
                    passiveDown = false;
                }
            }
        }
    }

    /** Active probe result; returns true when the peer changed state (rise or fall reached). */
    synchronized boolean probe(boolean ok, int rise, int fall) {
        if (ok) {
            consecutiveFail = 0;
            consecutiveOk++;
            if (activeDown && consecutiveOk >= rise) {
                activeDown = false;
                recoveredAtNanos = System.nanoTime();
                epoch.incrementAndGet();
                return true;
            }
        } else {
            consecutiveOk = 0;
            consecutiveFail++;
            if (!activeDown && consecutiveFail >= fall) {
                activeDown = true;
                epoch.incrementAndGet();
                return true;
            }
        }
        return false;
    }

    /** Feeds the peak-EWMA with one observed latency (time to response headers). */
    public synchronized void observe(long latencyNanos) {
        long now = System.nanoTime();
        double w = Math.exp(-(now - ewmaStampNanos) / EWMA_DECAY_NANOS);
        ewmaStampNanos = now;
        ewmaNanos = latencyNanos > ewmaNanos ? latencyNanos : ewmaNanos * w + latencyNanos * (1 - w);
    }

    /** Current peak-EWMA latency in nanoseconds (0 before any observation); lock-free. */
    public double ewmaNanos() {
        return ewmaNanos;
    }

    @Override
    public String toString() {
        return address + "{inFlight=" + inFlight + ", requests=" + requests + ", failures=" + failures
            + ", activeDown=" + activeDown + ", passiveDown=" + passiveDown + ", drained=" + drained + "}";
    }
}

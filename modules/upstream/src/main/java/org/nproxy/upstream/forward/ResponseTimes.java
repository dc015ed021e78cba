package org.nproxy.upstream.forward;

import org.nproxy.spi.Units;

/**
 * The value of {@code $upstream_response_time}: one entry per attempt, read when the log line is
 * written. The last attempt's body may still be finishing when the client's response completes
 * (the access log runs then), so an attempt still going shows the time so far instead of nothing.
 */
public final class ResponseTimes {
    private final StringBuilder done = new StringBuilder();
    private long runningSince = Long.MIN_VALUE;

    ResponseTimes() {
    }

    synchronized void start(long nanos) {
        runningSince = nanos;
    }

    /** Ends the running attempt; returns its duration. */
    synchronized long end(long nanos) {
        long took = nanos - runningSince;
        runningSince = Long.MIN_VALUE;
        if (!done.isEmpty()) {
            done.append(", ");
        }
        done.append(Units.seconds(took));
        return took;
    }

    @Override
    public synchronized String toString() {
        if (runningSince == Long.MIN_VALUE) {
            return done.toString();
        }
        String running = Units.seconds(System.nanoTime() - runningSince);
        return done.isEmpty() ? running : done + ", " + running;
    }
}

package org.nproxy.cache.redis;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The circuit breaker of one shared tier. {@code CONNECTING} until the first connection, then
 * {@code UP}; {@code failures} consecutive failed or timed-out calls turn it {@code DOWN}, and
 * while down no request calls the tier (it reads as a miss at once); the tier's background probe
 * turns it {@code UP} again when the store answers. Every change of state goes to the listener
 * (a log line and a meter).
 */
final class Breaker {
    enum State { CONNECTING, UP, DOWN }

    /** A change of state, with what caused it. */
    record Change(State from, State to, String cause) {
    }

    private final int failures;
    private final Consumer<Change> listener;
    private final AtomicInteger consecutive = new AtomicInteger();
    private volatile State state = State.CONNECTING;

    Breaker(int failures, Consumer<Change> listener) {
        this.failures = failures;
        this.listener = listener;
    }

    State state() {
        return state;
    }

    /** Whether a request may call the tier now. */
    boolean allows() {
        return state == State.UP;
    }

    void success() {
        consecutive.set(0);
    }

    /** A call failed or timed out; the {@code failures}-th in a row opens the breaker. */
    void failure(String cause) {
        if (consecutive.incrementAndGet() >= failures) {
            moveTo(State.DOWN, consecutive.get() + " failures in a row, the last: " + cause);
        }
    }

    /** The probe found the tier answering (or the first connection was made). */
    void up(String cause) {
        consecutive.set(0);
        moveTo(State.UP, cause);
    }

    /** The probe or the connection attempt failed. */
    void down(String cause) {
        moveTo(State.DOWN, cause);
    }

    private void moveTo(State to, String cause) {
        State from;
        synchronized (this) {
            from = state;
            if (from == to) {
                return;
            }
            state = to;
        }
        listener.accept(new Change(from, to, cause));
    }
}

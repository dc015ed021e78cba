package org.nproxy.testing;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Seeded random inputs for property tests in plain JUnit: {@link #forAll} runs a property on
 * {@code tries} generated cases, each from its own seed ({@code seed + try}), and a failure names
 * that seed so {@code new Gen(seed)} replays exactly the failing case.
 *
 * <pre>{@code
 * Gen.forAll(18, 1000, g -> {
 *     String text = g.string("0123456789ms", 0, 30);
 *     assertTrue(Units.size(text) >= 0, text);
 * });
 * }</pre>
 */
public final class Gen {
    /** One case of a property; the generator is that case's, seeded. */
    @FunctionalInterface
    public interface Property {
        void check(Gen g) throws Exception;
    }

    private final long seed;
    private final Random random;

    public Gen(long seed) {
        this.seed = seed;
        this.random = new Random(seed);
    }

    public long seed() {
        return seed;
    }

    /** Runs {@code property} on {@code tries} cases seeded {@code seed}, {@code seed + 1}, ... */
    public static void forAll(long seed, int tries, Property property) {
        for (int i = 0; i < tries; i++) {
            Gen g = new Gen(seed + i);
            try {
                property.check(g);
            } catch (Throwable t) {
                throw new AssertionError("property failed on try " + i + " of " + tries + ", seed " + g.seed
                    + " (replay with new Gen(" + g.seed + "L)): " + t, t);
            }
        }
    }

    public boolean bool() {
        return random.nextBoolean();
    }

    /** An int in [min, max], with the bounds and zero more often than by chance. */
    public int intBetween(int min, int max) {
        return (int) longBetween(min, max);
    }

    /** Any int, edge values and all magnitudes likely. */
    public int anyInt() {
        return intBetween(Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    /**
     * A long in [min, max]: one time in ten an edge (a bound, a bound's neighbour, zero),
     * otherwise a value of random bit length, so that small and huge numbers are both common.
     */
    public long longBetween(long min, long max) {
        if (min > max) {
            throw new IllegalArgumentException(min + " > " + max);
        }
        if (random.nextInt(10) == 0) {
            long[] edges = {min, max, min == max ? min : min + 1, min == max ? max : max - 1, 0};
            long e = edges[random.nextInt(edges.length)];
            if (e >= min && e <= max) {
                return e;
            }
        }
        long span = max - min; // as unsigned: max - min may exceed Long.MAX_VALUE
        int bits = 1 + random.nextInt(64);
        long r = bits == 64 ? random.nextLong() : random.nextLong() & ((1L << bits) - 1);
        long offset = Long.compareUnsigned(span, -1L) == 0 ? r : Long.remainderUnsigned(r, span + 1);
        return min + offset;
    }

    /** A length in [min, max], short ones favoured (empty and tiny inputs matter). */
    public int length(int min, int max) {
        if (random.nextInt(8) == 0) {
            return min;
        }
        return random.nextBoolean() ? intBetween(min, Math.min(max, min + 5)) : min + random.nextInt(max - min + 1);
    }

    /** A string of {@code min..max} characters drawn from {@code alphabet}. */
    public String string(String alphabet, int min, int max) {
        int n = length(min, max);
        StringBuilder s = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            s.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return s.toString();
    }

    /** Any string of up to {@code max} chars: mostly ASCII, also any other char (surrogates included). */
    public String anyString(int max) {
        int n = length(0, max);
        StringBuilder s = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            s.append(anyChar());
        }
        return s.toString();
    }

    public char anyChar() {
        return switch (random.nextInt(4)) {
            case 0, 1 -> (char) (0x20 + random.nextInt(0x5f)); // printable ASCII
            case 2 -> (char) random.nextInt(0x100); // controls, Latin-1
            default -> (char) random.nextInt(0x10000); // anything, lone surrogates too
        };
    }

    /** Random bytes, {@code min..max} of them. */
    public byte[] bytes(int min, int max) {
        byte[] b = new byte[length(min, max)];
        random.nextBytes(b);
        return b;
    }

    public byte[] bytes(int size) {
        return bytes(size, size);
    }

    /** {@code min..max} ints each in [lo, hi]. */
    public int[] ints(int min, int max, int lo, int hi) {
        int[] a = new int[length(min, max)];
        Arrays.setAll(a, i -> intBetween(lo, hi));
        return a;
    }

    @SafeVarargs
    public final <T> T oneOf(T... choices) {
        return choices[random.nextInt(choices.length)];
    }

    public <T> T oneOf(List<T> choices) {
        return choices.get(random.nextInt(choices.size()));
    }
}

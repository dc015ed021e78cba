package org.nproxy.testing;

import org.junit.jupiter.api.Assumptions;

/**
 * Skips the running test unless a condition holds, and prints why: a skip must be visible in
 * the build output, not only in the surefire XML.
 *
 * <pre>{@code
 * Skip.unless(Files.isExecutable(nginx), "nginx is not installed (.ci/run installs it)");
 * }</pre>
 */
public final class Skip {
    private Skip() {
    }

    public static void unless(boolean condition, String why) {
        if (!condition) {
            StackWalker.StackFrame caller = StackWalker.getInstance().walk(s -> s.skip(1).findFirst()).orElseThrow();
            System.out.println("SKIPPED " + caller.getClassName() + "." + caller.getMethodName() + ": " + why);
        }
        Assumptions.assumeTrue(condition, why);
    }
}

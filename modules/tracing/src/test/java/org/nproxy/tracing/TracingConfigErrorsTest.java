package org.nproxy.tracing;

import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nproxy.testing.GoldenErrors;

/** Golden config errors of {@code <tracing>}. */
class TracingConfigErrorsTest {
    static Stream<String> cases() throws Exception {
        return GoldenErrors.cases(TracingConfigErrorsTest.class);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void errorsAreGolden(String name) throws Exception {
        GoldenErrors.check(TracingConfigErrorsTest.class, name);
    }
}

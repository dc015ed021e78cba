package org.nproxy.upstream;

import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nproxy.testing.GoldenErrors;

/** Golden config errors of {@code <upstream>} and of top-level elements owned by a module. */
class UpstreamConfigErrorsTest {
    static Stream<String> cases() throws Exception {
        return GoldenErrors.cases(UpstreamConfigErrorsTest.class);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void errorsAreGolden(String name) throws Exception {
        GoldenErrors.check(UpstreamConfigErrorsTest.class, name);
    }
}

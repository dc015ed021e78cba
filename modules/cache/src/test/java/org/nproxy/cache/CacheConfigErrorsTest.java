package org.nproxy.cache;

import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nproxy.testing.GoldenErrors;

/** Golden config errors of {@code <cache-zone>} and {@code <cache>}. */
class CacheConfigErrorsTest {
    static Stream<String> cases() throws Exception {
        return GoldenErrors.cases(CacheConfigErrorsTest.class);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void errorsAreGolden(String name) throws Exception {
        GoldenErrors.check(CacheConfigErrorsTest.class, name);
    }
}

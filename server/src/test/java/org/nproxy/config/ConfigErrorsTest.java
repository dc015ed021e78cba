package org.nproxy.config;

import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nproxy.testing.GoldenErrors;

/** The core's golden config errors ({@link GoldenErrors}); modules keep their own beside them. */
class ConfigErrorsTest {
    static Stream<String> cases() throws Exception {
        return GoldenErrors.cases(ConfigErrorsTest.class);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void errorsAreGolden(String name) throws Exception {
        GoldenErrors.check(ConfigErrorsTest.class, name);
    }
}

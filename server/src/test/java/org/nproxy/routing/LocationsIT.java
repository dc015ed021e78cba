package org.nproxy.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.nproxy.config.LocationConfig;
import org.nproxy.config.LocationConfig.Modifier;
import org.nproxy.spi.Origin;

/** The matcher alone on the golden table's plain (unencoded, normalized) paths. */
class LocationsIT {
    @Test
    void goldenTableOnPlainPaths() throws Exception {
        LocationGolden golden = LocationGolden.load();
        List<LocationConfig> configs = new ArrayList<>();
        for (String path : golden.locations) {
            configs.add(parse(path));
        }
        Locations<LocationConfig> locations = new Locations<>(configs, c -> c);
        int checked = 0;
        for (LocationGolden.Case c : golden.cases) {
            if (c.expected().matches("\\d{3}") || c.target().contains("..") || c.target().contains("/./")) {
                continue; // statuses and normalization are the server's job: see LocationRoutingIT
            }
            String path = URLDecoder.decode(c.target().replaceAll("\\?.*", ""), StandardCharsets.UTF_8);
            assertEquals(c.expected(), locations.match(path).path(), "location for " + c.target());
            checked++;
        }
        assertEquals(true, checked >= 25, "at least 25 plain cases, got " + checked);
    }

    @Test
    void noPrefixMeansNoLocation() {
        Locations<LocationConfig> locations = new Locations<>(List.of(parse("/api/"), parse("= /x")), c -> c);
        assertEquals(null, locations.match("/other"));
    }

    static LocationConfig parse(String path) {
        String[] parts = path.split(" ", 2);
        Modifier m = Modifier.PREFIX;
        String pattern = path;
        if (parts.length == 2) {
            m = switch (parts[0]) {
                case "=" -> Modifier.EXACT;
                case "^~" -> Modifier.PREFIX_NO_REGEX;
                case "~" -> Modifier.REGEX;
                default -> Modifier.REGEX_CASELESS;
            };
            pattern = parts[1];
        }
        Pattern regex = m == Modifier.REGEX ? Pattern.compile(pattern)
            : m == Modifier.REGEX_CASELESS ? Pattern.compile(pattern, Pattern.CASE_INSENSITIVE) : null;
        return new LocationConfig(path, m, pattern, regex, List.of(), new Origin(java.nio.file.Path.of("t"), 1, 1));
    }
}

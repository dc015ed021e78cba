package org.nproxy.routing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Reads {@code golden/locations.txt}: location definitions and request cases. */
public final class LocationGolden {
    /** One request and what Nproxy (and nginx) must answer: a location as written, or a status. */
    public record Case(String target, String expected, String nginxExpected) {
    }

    public final List<String> locations = new ArrayList<>();
    public final List<Case> cases = new ArrayList<>();

    public static LocationGolden load() throws IOException {
        LocationGolden g = new LocationGolden();
        try (InputStream in = LocationGolden.class.getResourceAsStream("/golden/locations.txt")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith("location ")) {
                    g.locations.add(line.substring("location ".length()));
                } else if (line.startsWith("case ")) {
                    String body = line.substring("case ".length());
                    int arrow = body.indexOf(" -> ");
                    String target = body.substring(0, arrow);
                    String expected = body.substring(arrow + 4);
                    String nginx = expected;
                    int bar = expected.indexOf(" | nginx: ");
                    if (bar >= 0) {
                        nginx = expected.substring(bar + " | nginx: ".length());
                        expected = expected.substring(0, bar);
                    }
                    g.cases.add(new Case(target, expected.trim(), nginx.trim()));
                }
            }
        }
        return g;
    }

    /** What a location answers: {@code L<index>}; maps back to the path as written. */
    public String locationOf(String body) {
        if (body.startsWith("L")) {
            return locations.get(Integer.parseInt(body.substring(1).trim()));
        }
        return body;
    }

    /** An Nproxy config whose locations each answer {@code L<index>}. */
    public String nproxyConfig() {
        StringBuilder b = new StringBuilder("<nproxy><access-log off=\"true\"/><server>"
            + "<listen host=\"127.0.0.1\" port=\"0\"/>\n");
        for (int i = 0; i < locations.size(); i++) {
            b.append("<location path=\"").append(xml(locations.get(i))).append("\"><return status=\"200\" body=\"L")
                .append(i).append("\"/></location>\n");
        }
        return b.append("</server></nproxy>\n").toString();
    }

    /** The same locations for nginx, each {@code return 200 "<path as written>"}. */
    public String nginxLocations() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < locations.size(); i++) {
            String l = locations.get(i);
            String[] parts = l.split(" ", 2);
            String head = parts.length == 2 ? parts[0] + " \"" + parts[1] + "\"" : "\"" + l + "\"";
            b.append("    location ").append(head).append(" { return 200 \"L").append(i).append("\"; }\n");
        }
        return b.toString();
    }

    private static String xml(String s) {
        return s.replace("&", "&amp;").replace("\"", "&quot;").replace("<", "&lt;");
    }
}

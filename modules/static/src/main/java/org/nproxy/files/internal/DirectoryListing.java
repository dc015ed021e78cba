package org.nproxy.files.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.eclipse.jetty.http.DateGenerator;
import org.eclipse.jetty.util.URIUtil;

/** The autoindex page: an HTML list of a directory, names escaped, hidden entries left out. */
final class DirectoryListing {
    private record Entry(String name, boolean directory, long size, long modified) {
    }

    private DirectoryListing() {
    }

    static byte[] render(Path directory, String uriPath, PathGuard guard) throws IOException {
        List<Entry> entries = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory)) {
            for (Path p : stream) {
                String name = p.getFileName().toString();
                if (!guard.listable(name)) {
                    continue;
                }
                BasicFileAttributes a;
                try {
                    a = Files.readAttributes(p, BasicFileAttributes.class);
                } catch (IOException e) {
                    a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                }
                entries.add(new Entry(name, a.isDirectory(), a.size(), a.lastModifiedTime().toMillis()));
            }
        }
        entries.sort(Comparator.comparing((Entry e) -> !e.directory()).thenComparing(Entry::name));
        String title = escape(uriPath);
        StringBuilder html = new StringBuilder(256 + entries.size() * 128);
        html.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Index of ").append(title)
            .append("</title></head>\n<body><h1>Index of ").append(title).append("</h1><hr><pre>\n");
        if (!uriPath.equals("/")) {
            html.append("<a href=\"../\">../</a>\n");
        }
        for (Entry e : entries) {
            String shown = e.name() + (e.directory() ? "/" : "");
            html.append("<a href=\"").append(escape(URIUtil.encodePath(shown))).append("\">").append(escape(shown))
                .append("</a>  ").append(DateGenerator.formatDate(e.modified())).append("  ")
                .append(e.directory() ? "-" : Long.toString(e.size())).append('\n');
        }
        html.append("</pre><hr></body></html>\n");
        return html.toString().getBytes(StandardCharsets.UTF_8);
    }

    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}

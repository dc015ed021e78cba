package org.nproxy.files;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.nproxy.testing.NproxyFixture;

/** Issue 18: a trailing slash after a file's name is a directory that does not exist (404, as nginx). */
class TrailingSlashIT {
    @Test
    void aFileNamedAsADirectoryIs404() throws Exception {
        Path base = Files.createTempDirectory("nproxy-static");
        StaticSiteIT.write(base, "www/file.txt", "file");
        StaticSiteIT.write(base, "www/dir/index.html", "index");
        try (NproxyFixture nproxy = NproxyFixture.start(base, """
                <nproxy><server><listen host="127.0.0.1" port="0"/>
                  <location path="/"><static root="www"/></location>
                  <location path="/tried/"><static alias="www" try-files="$uri $uri/ =404"/></location>
                </server></nproxy>""");
             RawClient client = new RawClient(nproxy.port())) {
            assertEquals(200, client.get("/file.txt").status());
            assertEquals(404, client.get("/file.txt/").status());
            assertEquals(404, client.get("/file.txt/.").status());
            assertEquals(200, client.get("/dir/").status());
            assertEquals(404, client.get("/tried/file.txt/").status());
            assertEquals(200, client.get("/tried/file.txt").status());
        } finally {
            StaticSiteIT.deleteTree(base);
        }
    }
}

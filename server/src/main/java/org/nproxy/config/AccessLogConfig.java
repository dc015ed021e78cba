package org.nproxy.config;

import java.nio.file.Path;

/**
 * {@code <access-log path="logs/access.log" format="combined"/>}.
 *
 * @param path   file (relative to the base directory); null when {@code off="true"}
 * @param format {@code combined} (default), {@code common}, {@code json}, or a pattern of
 *               {@code $variables} such as {@code "$remote_addr $status $request_time"}
 */
public record AccessLogConfig(Path path, String format) {
}

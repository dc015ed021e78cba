package org.nproxy.cache.policy;

import java.util.Objects;

/**
 * A stored response as the policy sees it: its status and header fields, and when the request
 * that produced it was sent and the response received (epoch milliseconds, the
 * {@code request_time} and {@code response_time} of RFC 9111 §4.2.3).
 */
public record Exchange(int status, Headers headers, long requestTime, long responseTime) {
    public Exchange {
        Objects.requireNonNull(headers, "headers");
        if (responseTime < requestTime) {
            throw new IllegalArgumentException("response received before its request was sent");
        }
    }

    /** The same exchange with other header fields (after freshening from a 304). */
    public Exchange withHeaders(Headers other, long newRequestTime, long newResponseTime) {
        return new Exchange(status, other, newRequestTime, newResponseTime);
    }
}

package org.nproxy.files.internal;

import org.eclipse.jetty.http.HttpDateTime;

/**
 * Conditional request evaluation (RFC 9110 section 13.2.2 order): If-Match, If-Unmodified-Since,
 * If-None-Match, If-Modified-Since; and If-Range.
 */
public final class Validators {
    /** What the preconditions decided. */
    public enum Outcome { PROCEED, NOT_MODIFIED, PRECONDITION_FAILED }

    private Validators() {
    }

    /**
     * @param etag         the current strong entity tag (quoted), or null when ETags are off
     * @param lastModified seconds since the epoch
     */
    public static Outcome evaluate(String ifMatch, String ifUnmodifiedSince, String ifNoneMatch,
                                   String ifModifiedSince, String etag, long lastModified) {
        if (ifMatch != null) {
            if (!matches(ifMatch, etag, false)) {
                return Outcome.PRECONDITION_FAILED;
            }
        } else if (ifUnmodifiedSince != null) {
            long since = seconds(ifUnmodifiedSince);
            if (since >= 0 && lastModified > since) {
                return Outcome.PRECONDITION_FAILED;
            }
        }
        if (ifNoneMatch != null) {
            if (matches(ifNoneMatch, etag, true)) {
                return Outcome.NOT_MODIFIED;
            }
        } else if (ifModifiedSince != null) {
            long since = seconds(ifModifiedSince);
            if (since >= 0 && lastModified <= since) {
                return Outcome.NOT_MODIFIED;
            }
        }
        return Outcome.PROCEED;
    }

    /** If-Range: true when the Range may be honoured (strong ETag match, or the exact date). */
    public static boolean ifRange(String ifRange, String etag, long lastModified) {
        String v = ifRange.trim();
        if (v.startsWith("\"") || v.startsWith("W/")) {
            return etag != null && v.equals(etag);
        }
        long date = seconds(v);
        return date >= 0 && date == lastModified;
    }

    /** Whether a list of entity tags (or "*") matches; weak comparison ignores W/ prefixes. */
    static boolean matches(String list, String etag, boolean weak) {
        if (list.trim().equals("*")) {
            return true;
        }
        if (etag == null) {
            return false;
        }
        for (String candidate : list.split(",")) {
            String tag = candidate.trim();
            if (tag.startsWith("W/")) {
                if (!weak) {
                    continue;
                }
                tag = tag.substring(2);
            }
            if (tag.equals(etag)) {
                return true;
            }
        }
        return false;
    }

    private static long seconds(String httpDate) {
        long millis = HttpDateTime.parseToEpoch(httpDate.trim());
        return millis < 0 ? -1 : millis / 1000;
    }
}

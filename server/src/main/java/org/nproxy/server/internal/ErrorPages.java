package org.nproxy.server.internal;

import org.eclipse.jetty.server.handler.ErrorHandler;

/**
 * Short error pages, like nginx's: status and reason, never stack traces or versions.
 */
public final class ErrorPages extends ErrorHandler {
    public ErrorPages() {
        setShowStacks(false);
        setShowMessageInTitle(false);
    }
}

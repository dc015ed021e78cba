package org.nproxy.server.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;

/** Which handlers let a chain run in place on the thread that parsed the request. */
class ChainBuilderTest {
    private static final class Quick extends Handler.Abstract.NonBlocking {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            return false;
        }
    }

    private static final class Slow extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            return false;
        }
    }

    @Test
    void handlersCountByWhatTheyDeclare() {
        assertTrue(ChainBuilder.declaresNonBlocking(new Quick()));
        assertFalse(ChainBuilder.declaresNonBlocking(new Slow()), "Handler.Abstract is blocking code by default");
    }

    @Test
    void aWrapperCountsOnlyWhenItsOwnClassSaysSo() {
        Handler.Wrapper silent = new Handler.Wrapper(new Quick());
        assertTrue(silent.getInvocationType() == org.eclipse.jetty.util.thread.Invocable.InvocationType.NON_BLOCKING,
            "Jetty reports the inner handler's type");
        assertFalse(ChainBuilder.declaresNonBlocking(silent), "which says nothing of the wrapper's own code");
        Handler.Wrapper declared = new Handler.Wrapper(new Quick()) {
            @Override
            public InvocationType getInvocationType() {
                return InvocationType.NON_BLOCKING;
            }
        };
        assertTrue(ChainBuilder.declaresNonBlocking(declared));
    }
}

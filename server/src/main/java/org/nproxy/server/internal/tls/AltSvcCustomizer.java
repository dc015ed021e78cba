package org.nproxy.server.internal.tls;

import java.util.function.IntSupplier;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;

/**
 * Advertises HTTP/3 on every TCP response of a listener that also speaks h3:
 * {@code Alt-Svc: h3=":8443"; ma=86400} (RFC 7838), the UDP port being the bound one.
 */
public final class AltSvcCustomizer implements HttpConfiguration.Customizer {
    private final IntSupplier udpPort;
    private volatile PreEncodedHttpField field;
    private volatile int fieldPort = -1;

    public AltSvcCustomizer(IntSupplier udpPort) {
        this.udpPort = udpPort;
    }

    @Override
    public Request customize(Request request, HttpFields.Mutable responseHeaders) {
        int port = udpPort.getAsInt();
        if (port > 0) {
            if (port != fieldPort) {
                field = new PreEncodedHttpField(HttpHeader.ALT_SVC, "h3=\":" + port + "\"; ma=86400");
                fieldPort = port;
            }
            responseHeaders.add(field);
        }
        return request;
    }
}

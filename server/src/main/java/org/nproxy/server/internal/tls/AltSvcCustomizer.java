package org.nproxy.server.internal.tls;

import java.util.function.IntSupplier;
import java.util.function.Predicate;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;

/**
 * Advertises HTTP/3 on every TCP response of a listener that also speaks h3:
 * {@code Alt-Svc: h3=":8443"; ma=86400} (RFC 7838), the UDP port being the bound one.
 * Only for hosts that HTTP/3's single certificate serves: a browser sent to h3 for another
 * host would meet the wrong certificate there.
 */
public final class AltSvcCustomizer implements HttpConfiguration.Customizer {
    private final IntSupplier udpPort;
    private final Predicate<String> servedOverH3;
    private volatile PreEncodedHttpField field;
    private volatile int fieldPort = -1;

    /**
     * @param udpPort      the QUIC connector's bound port (not positive: not listening)
     * @param servedOverH3 whether HTTP/3's certificate is the one this Host name gets over TCP
     */
    public AltSvcCustomizer(IntSupplier udpPort, Predicate<String> servedOverH3) {
        this.udpPort = udpPort;
        this.servedOverH3 = servedOverH3;
    }

    @Override
    public Request customize(Request request, HttpFields.Mutable responseHeaders) {
        int port = udpPort.getAsInt();
        if (port > 0 && servedOverH3.test(Request.getServerName(request))) {
            if (port != fieldPort) {
                field = new PreEncodedHttpField(HttpHeader.ALT_SVC, "h3=\":" + port + "\"; ma=86400");
                fieldPort = port;
            }
            responseHeaders.add(field);
        }
        return request;
    }
}

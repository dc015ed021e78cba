package org.nproxy.server.internal.tls;

import java.lang.ref.WeakReference;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

import javax.net.ssl.SSLSession;

/**
 * Whether a client's certificate chain was issued by one of a server block's {@code client-ca}s,
 * remembered in the TLS session: its certificates never change, so the signature check runs
 * once per session and CA set, not once per request.
 *
 * <p>The verdicts are matched to their CA set by object identity (each generation's
 * {@code TlsConfig} holds its own list, so a reload brings a fresh check), never by a hash:
 * two CA sets that merely share a hash code must not share a verdict. The CA sets are held
 * weakly, so a session that outlives a generation does not keep its configuration alive.
 */
final class ClientTrust {
    /** The session attribute holding this session's {@link Verdicts}. */
    static final String ATTRIBUTE = "org.nproxy.client-trust";

    private ClientTrust() {
    }

    /**
     * @param session where the verdict is kept; null to check without remembering
     * @param chain   the client's certificates as the handshake gave them, or null (none sent)
     * @param cas     the server block's trusted issuers
     */
    static boolean trusted(SSLSession session, X509Certificate[] chain, List<X509Certificate> cas) {
        if (chain == null || chain.length == 0) {
            return false;
        }
        if (session == null) {
            return verify(chain, cas);
        }
        Verdicts verdicts = verdicts(session);
        Boolean known = verdicts.get(cas);
        if (known != null) {
            return known;
        }
        boolean trusted = verify(chain, cas);
        verdicts.put(cas, trusted);
        return trusted;
    }

    private static Verdicts verdicts(SSLSession session) {
        if (session.getValue(ATTRIBUTE) instanceof Verdicts v) {
            return v;
        }
        // Two streams of one HTTP/2 connection may both get here: one holder wins, the other's
        // verdict is lost and computed again later. Cheaper than a lock on every request.
        Verdicts v = new Verdicts();
        session.putValue(ATTRIBUTE, v);
        return v;
    }

    /** A chain certificate whose issuer is one of the CAs and whose signature that CA's key verifies. */
    static boolean verify(X509Certificate[] chain, List<X509Certificate> cas) {
        for (X509Certificate cert : chain) {
            for (X509Certificate ca : cas) {
                if (cert.getIssuerX500Principal().equals(ca.getSubjectX500Principal())) {
                    try {
                        cert.verify(ca.getPublicKey());
                        return true;
                    } catch (Exception e) {
                        // another CA with the same name: try the next one
                    }
                }
            }
        }
        return false;
    }

    /** One session's verdicts, one per CA set object seen (a handful at most: one per generation). */
    private static final class Verdicts {
        private record Verdict(WeakReference<List<X509Certificate>> cas, boolean trusted) {
        }

        private final List<Verdict> verdicts = new ArrayList<>(2);

        synchronized Boolean get(List<X509Certificate> cas) {
            for (Verdict v : verdicts) {
                if (v.cas().get() == cas) {
                    return v.trusted();
                }
            }
            return null;
        }

        synchronized void put(List<X509Certificate> cas, boolean trusted) {
            verdicts.removeIf(v -> v.cas().get() == null);
            verdicts.add(new Verdict(new WeakReference<>(cas), trusted));
        }
    }
}

package org.nproxy.tls;

/** A certificate or key file that cannot be used; the message names the file and what is wrong. */
public final class TlsMaterialException extends Exception {
    public TlsMaterialException(String message) {
        super(message);
    }

    public TlsMaterialException(String message, Throwable cause) {
        super(message, cause);
    }
}

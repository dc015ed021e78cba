package org.nproxy.proxy;

import java.io.InputStream;

/** An endless supply of zeros, cut at {@code size}: request bodies of any size, in no memory. */
final class Zeros extends InputStream {
    private long left;

    Zeros(long size) {
        this.left = size;
    }

    @Override
    public int read() {
        if (left <= 0) {
            return -1;
        }
        left--;
        return 0;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        if (left <= 0) {
            return -1;
        }
        int n = (int) Math.min(len, left);
        left -= n;
        return n; // the buffer is never written to: it stays zero
    }
}

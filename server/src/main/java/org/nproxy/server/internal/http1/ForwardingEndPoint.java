package org.nproxy.server.internal.http1;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ReadPendingException;
import java.nio.channels.WritePendingException;

import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.Callback;

/**
 * An endpoint that forwards every call to another one, for a subclass to look at what passes
 * (as Jetty's public {@code ProxyConnectionFactory.ProxyEndPoint} does for the PROXY protocol).
 * {@link #unwrap()} gives the endpoint beneath, so code that needs the socket itself (sendfile,
 * the per-address cap) can reach it.
 */
abstract class ForwardingEndPoint implements EndPoint, EndPoint.Wrapper {
    protected final EndPoint endPoint;

    ForwardingEndPoint(EndPoint endPoint) {
        this.endPoint = endPoint;
    }

    @Override
    public int fill(ByteBuffer buffer) throws IOException {
        return endPoint.fill(buffer);
    }

    @Override
    public void upgrade(Connection newConnection) {
        endPoint.upgrade(newConnection);
    }

    @Override
    public EndPoint unwrap() {
        return endPoint;
    }

    @Override
    public boolean flush(ByteBuffer... buffers) throws IOException {
        return endPoint.flush(buffers);
    }

    @Override
    public void write(Callback callback, ByteBuffer... buffers) throws WritePendingException {
        endPoint.write(callback, buffers);
    }

    @Override
    public void fillInterested(Callback callback) throws ReadPendingException {
        endPoint.fillInterested(callback);
    }

    @Override
    public boolean tryFillInterested(Callback callback) {
        return endPoint.tryFillInterested(callback);
    }

    @Override
    public boolean isFillInterested() {
        return endPoint.isFillInterested();
    }

    @Override
    public Connection getConnection() {
        return endPoint.getConnection();
    }

    @Override
    public void setConnection(Connection connection) {
        endPoint.setConnection(connection);
    }

    @Override
    public void onOpen() {
        endPoint.onOpen();
    }

    @Override
    public void onClose(Throwable cause) {
        endPoint.onClose(cause);
    }

    @Override
    public boolean isOpen() {
        return endPoint.isOpen();
    }

    @Override
    public void close(Throwable cause) {
        endPoint.close(cause);
    }

    @Override
    public void shutdownOutput() {
        endPoint.shutdownOutput();
    }

    @Override
    public boolean isOutputShutdown() {
        return endPoint.isOutputShutdown();
    }

    @Override
    public boolean isInputShutdown() {
        return endPoint.isInputShutdown();
    }

    @Override
    public long getCreatedTimeStamp() {
        return endPoint.getCreatedTimeStamp();
    }

    @Override
    public long getIdleTimeout() {
        return endPoint.getIdleTimeout();
    }

    @Override
    public void setIdleTimeout(long idleTimeout) {
        endPoint.setIdleTimeout(idleTimeout);
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return endPoint.getLocalSocketAddress();
    }

    @Override
    public SocketAddress getRemoteSocketAddress() {
        return endPoint.getRemoteSocketAddress();
    }

    @Deprecated
    @Override
    public InetSocketAddress getLocalAddress() {
        return getLocalSocketAddress() instanceof InetSocketAddress inet ? inet : null;
    }

    @Deprecated
    @Override
    public InetSocketAddress getRemoteAddress() {
        return getRemoteSocketAddress() instanceof InetSocketAddress inet ? inet : null;
    }

    @Override
    public Object getTransport() {
        return endPoint.getTransport();
    }

    @Override
    public SslSessionData getSslSessionData() {
        return endPoint.getSslSessionData();
    }

    @Override
    public boolean isSecure() {
        return endPoint.isSecure();
    }

    @Override
    public String toString() {
        return String.format("%s@%x[%s]", getClass().getSimpleName(), hashCode(), endPoint);
    }
}

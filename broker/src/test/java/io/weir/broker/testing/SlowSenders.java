package io.weir.broker.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Connections that each announce a large request, send a part of it and then stall: the
 * "slowloris" shape of load that must not pin a node's memory or starve its other clients.
 * Writes are non-blocking and bounded in time, so a node that stops reading cannot hang the
 * test.
 */
public final class SlowSenders implements AutoCloseable {
    private final List<SocketChannel> channels = new ArrayList<>();
    private int refused;
    private long bytesSent;

    private SlowSenders() {
    }

    /**
     * Opens up to {@code connections} connections to {@code address}; each writes a 4-byte size
     * prefix of {@code announcedBytes}, then up to {@code sentBytes} bytes of the body, and stops.
     * Returns once every connection has written its part or {@code within} has passed.
     */
    public static SlowSenders open(InetSocketAddress address, int connections, int announcedBytes, int sentBytes,
                                   long within, TimeUnit unit) throws IOException {
        SlowSenders senders = new SlowSenders();
        long deadline = System.nanoTime() + unit.toNanos(within);
        List<ByteBuffer[]> pending = new ArrayList<>();
        ByteBuffer body = ByteBuffer.allocate(sentBytes).asReadOnlyBuffer(); // shared: thousands of connections
        for (int i = 0; i < connections && System.nanoTime() < deadline; i++) {
            SocketChannel channel;
            try {
                channel = SocketChannel.open();
                channel.setOption(StandardSocketOptions.SO_RCVBUF, 4096);
                channel.socket().connect(address, 2_000);
                channel.configureBlocking(false);
            } catch (IOException e) {
                senders.refused++;
                continue;
            }
            senders.channels.add(channel);
            ByteBuffer[] frame = {ByteBuffer.allocate(Integer.BYTES).putInt(0, announcedBytes), body.duplicate()};
            pending.add(frame);
            senders.push(channel, frame);
        }
        boolean unsent = true;
        while (unsent && System.nanoTime() < deadline) {
            unsent = false;
            for (int i = 0; i < senders.channels.size(); i++) {
                ByteBuffer[] frame = pending.get(i);
                if (frame[1].hasRemaining() && senders.push(senders.channels.get(i), frame)) {
                    unsent |= frame[1].hasRemaining();
                }
            }
            if (unsent) sleep(20);
        }
        return senders;
    }

    /** Writes what the socket takes now; false once the peer has closed it. */
    private boolean push(SocketChannel channel, ByteBuffer[] frame) {
        try {
            bytesSent += channel.write(frame);
            return true;
        } catch (IOException closed) {
            for (ByteBuffer b : frame) b.position(b.limit());
            return false;
        }
    }

    /** Connections that were established (some may since have been closed by the peer). */
    public int opened() {
        return channels.size();
    }

    /** Connection attempts that failed outright. */
    public int refused() {
        return refused;
    }

    public long bytesSent() {
        return bytesSent;
    }

    /** How many of the established connections the peer has closed (EOF or reset on read). */
    public int closedByPeer() {
        int closed = 0;
        ByteBuffer sink = ByteBuffer.allocate(256);
        for (SocketChannel channel : channels) {
            try {
                sink.clear();
                if (channel.read(sink) < 0) closed++;
            } catch (IOException reset) {
                closed++;
            }
        }
        return closed;
    }

    @Override
    public void close() {
        for (SocketChannel channel : channels) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        channels.clear();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

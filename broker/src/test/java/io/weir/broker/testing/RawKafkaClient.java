package io.weir.broker.testing;

import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;

/** A blocking Kafka protocol client over a plain socket, for tests that need exact bytes. */
public final class RawKafkaClient implements AutoCloseable {
    private static final int TIMEOUT_MS = 10_000;

    private final Socket socket;
    private final DataOutputStream out;
    private final DataInputStream in;

    public RawKafkaClient(InetSocketAddress address) throws IOException {
        this(address, null);
    }

    /** A client whose connection comes from {@code localAddress} (e.g. 127.0.0.2, another loopback address). */
    public RawKafkaClient(InetSocketAddress address, java.net.InetAddress localAddress) throws IOException {
        socket = new Socket();
        if (localAddress != null) socket.bind(new InetSocketAddress(localAddress, 0));
        socket.connect(address, TIMEOUT_MS);
        socket.setSoTimeout(TIMEOUT_MS);
        out = new DataOutputStream(socket.getOutputStream());
        in = new DataInputStream(socket.getInputStream());
    }

    public void send(RequestHeader header, AbstractRequest request) throws IOException {
        ByteBuffer bytes = request.serializeWithHeader(header);
        writeFrame(bytes);
    }

    public void writeFrame(ByteBuffer payload) throws IOException {
        out.writeInt(payload.remaining());
        writeRaw(payload);
    }

    public void writeRaw(ByteBuffer bytes) throws IOException {
        byte[] b = new byte[bytes.remaining()];
        bytes.get(b);
        out.write(b);
        out.flush();
    }

    public AbstractResponse receive(RequestHeader header) throws IOException {
        int size = in.readInt();
        byte[] b = new byte[size];
        in.readFully(b);
        return AbstractResponse.parseResponse(ByteBuffer.wrap(b), header);
    }

    /** Sends {@code data} as {@code api} at {@code version}, exactly as serialized at that version. */
    public AbstractResponse roundTrip(ApiKeys api, short version, int correlationId, ApiMessage data) throws IOException {
        RequestHeader header = new RequestHeader(api, version, "raw", correlationId);
        ObjectSerializationCache cache = new ObjectSerializationCache();
        short headerVersion = header.headerVersion();
        int size = header.data().size(cache, headerVersion) + data.size(cache, version);
        ByteBuffer buffer = ByteBuffer.allocate(size);
        ByteBufferAccessor accessor = new ByteBufferAccessor(buffer);
        header.data().write(accessor, cache, headerVersion);
        data.write(accessor, cache, version);
        writeFrame(buffer.flip());
        return receive(header);
    }

    public AbstractResponse roundTrip(RequestHeader header, AbstractRequest request) throws IOException {
        send(header, request);
        return receive(header);
    }

    /** Sends {@code data} as {@code api} at {@code version} with {@code clientId}, and does not wait. */
    public void sendAs(String clientId, ApiKeys api, short version, int correlationId, ApiMessage data)
            throws IOException {
        RequestHeader header = new RequestHeader(api, version, clientId, correlationId);
        ObjectSerializationCache cache = new ObjectSerializationCache();
        short headerVersion = header.headerVersion();
        ByteBuffer buffer = ByteBuffer.allocate(header.data().size(cache, headerVersion) + data.size(cache, version));
        ByteBufferAccessor accessor = new ByteBufferAccessor(buffer);
        header.data().write(accessor, cache, headerVersion);
        data.write(accessor, cache, version);
        writeFrame(buffer.flip());
    }

    public void setSoTimeout(int ms) throws IOException {
        socket.setSoTimeout(ms);
    }

    /** True when the server closed the connection within the socket timeout. */
    public boolean closedByServer() throws IOException {
        try {
            while (in.read() != -1) {
                // drain whatever was in flight before the close
            }
            return true;
        } catch (EOFException | java.net.SocketException e) {
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}

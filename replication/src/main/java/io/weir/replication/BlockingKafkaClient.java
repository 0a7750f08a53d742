package io.weir.replication;

import java.io.Closeable;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.PasswordCallback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.sasl.SaslException;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.SaslAuthenticateRequest;
import org.apache.kafka.common.requests.SaslAuthenticateResponse;
import org.apache.kafka.common.requests.SaslHandshakeRequest;
import org.apache.kafka.common.requests.SaslHandshakeResponse;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.apache.kafka.common.security.scram.internals.ScramSaslClient;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;

/**
 * One connection to a Kafka listener, one request at a time: what a follower needs to
 * fetch from its leader. Negotiates versions with ApiVersions on connect, and
 * reconnects on the next call after any failure. With a {@link SaslLogin} it authenticates
 * with SCRAM-SHA-512 right after ApiVersions, before any other request, and again on the same
 * connection before the session lifetime the server gave ends ({@code connections.max.reauth.ms}). Every call is bounded by the socket
 * timeout; responses larger than {@code maxResponseBytes} are refused.
 *
 * <p>Kept instead of kafka-clients' {@code NetworkClient}: a follower sends one request at a
 * time and waits for it, which a blocking socket says in a hundred lines; {@code NetworkClient}
 * needs a selector, metadata updater and poll loop for the same, with no gain in this use.
 */
public final class BlockingKafkaClient implements Closeable {
    private final InetSocketAddress address;
    private final String clientId;
    private final int timeoutMs;
    private final int maxResponseBytes;
    private final Optional<SaslLogin> login;
    private final InterBrokerSecurity security;
    /** Written by the calling thread; read by {@link #close} from any thread. */
    private volatile Socket socket;
    private volatile boolean closed;
    private ApiVersionsResponse versions;
    /** When to re-authenticate (the server's session lifetime, less a margin); 0 when it need not. */
    private long reauthenticateAtNanos;
    private int correlationId;

    public BlockingKafkaClient(InetSocketAddress address, String clientId, int timeoutMs, int maxResponseBytes) {
        this(address, clientId, timeoutMs, maxResponseBytes, InterBrokerSecurity.PLAINTEXT);
    }

    /** A client that speaks {@code security}'s TLS and SASL (its listener name is the caller's business). */
    public BlockingKafkaClient(InetSocketAddress address, String clientId, int timeoutMs, int maxResponseBytes,
                               InterBrokerSecurity security) {
        this.login = security.sasl();
        this.security = security;
        this.address = address;
        this.clientId = clientId;
        this.timeoutMs = timeoutMs;
        this.maxResponseBytes = maxResponseBytes;
    }

    public InetSocketAddress address() {
        return address;
    }

    /** Sends a request built at the highest version both sides support, and waits for its response. */
    public AbstractResponse send(AbstractRequest.Builder<?> builder) throws IOException {
        try {
            connectIfNeeded();
            if (login.isPresent() && reauthenticateAtNanos != 0 && System.nanoTime() - reauthenticateAtNanos > 0) {
                authenticate(login.get()); // KIP-368: the same login again, on the same connection
            }
            ApiKeys api = builder.apiKey();
            ApiVersion theirs = versions.apiVersion(api.id);
            if (theirs == null) {
                throw new IOException(address + " does not support " + api);
            }
            short version = (short) Math.min(Math.min(theirs.maxVersion(), builder.latestAllowedVersion()),
                    api.latestVersion());
            if (version < Math.max(theirs.minVersion(), builder.oldestAllowedVersion())) {
                throw new IOException("No common version of " + api + " with " + address);
            }
            return roundTrip(builder.build(version));
        } catch (IOException | RuntimeException e) {
            disconnect();
            throw e;
        }
    }

    private void connectIfNeeded() throws IOException {
        if (closed) {
            throw new IOException("client to " + address + " is closed");
        }
        if (socket != null) {
            return;
        }
        Socket s = new Socket();
        s.connect(address, timeoutMs);
        s.setSoTimeout(timeoutMs);
        s.setTcpNoDelay(true);
        if (security.tls().isPresent()) s = startTls(s);
        socket = s;
        if (closed) {
            // close() ran while connecting: it may have missed this socket.
            disconnect();
            throw new IOException("client to " + address + " is closed");
        }
        versions = (ApiVersionsResponse) roundTrip(new ApiVersionsRequest.Builder().build((short) 3));
        if (versions.data().errorCode() != 0) {
            throw new IOException("ApiVersions to " + address + " failed with error " + versions.data().errorCode());
        }
        if (login.isPresent()) authenticate(login.get());
    }

    /** Wraps a connected socket in TLS and completes the handshake (bounded by the socket timeout). */
    private SSLSocket startTls(Socket plain) throws IOException {
        SSLSocket tls = (SSLSocket) security.tls().get().getSocketFactory()
                .createSocket(plain, address.getHostString(), address.getPort(), true);
        if (security.verifyHostname()) {
            SSLParameters parameters = tls.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            tls.setSSLParameters(parameters);
        }
        try {
            tls.startHandshake();
        } catch (IOException e) {
            tls.close();
            throw new IOException("TLS handshake with " + address + " failed: " + e.getMessage(), e);
        }
        return tls;
    }

    /** SaslHandshake v1 then SaslAuthenticate rounds until kafka-clients' SCRAM client is done. */
    private void authenticate(SaslLogin login) throws IOException {
        SaslHandshakeResponse handshake = (SaslHandshakeResponse) roundTrip(new SaslHandshakeRequest.Builder(
                new SaslHandshakeRequestData().setMechanism(SaslLogin.MECHANISM)).build((short) 1));
        if (handshake.data().errorCode() != Errors.NONE.code()) {
            throw new IOException("SaslHandshake with " + address + " failed: "
                    + Errors.forCode(handshake.data().errorCode()) + " (offered " + handshake.data().mechanisms() + ")");
        }
        try {
            ScramSaslClient scram = new ScramSaslClient(ScramMechanism.SCRAM_SHA_512, callbacks -> {
                for (Callback callback : callbacks) {
                    if (callback instanceof NameCallback name) name.setName(login.username());
                    else if (callback instanceof PasswordCallback password) password.setPassword(login.password().toCharArray());
                    else throw new UnsupportedCallbackException(callback);
                }
            });
            byte[] token = scram.evaluateChallenge(new byte[0]);
            while (!scram.isComplete()) {
                SaslAuthenticateResponse response = (SaslAuthenticateResponse) roundTrip(new SaslAuthenticateRequest.Builder(
                        new SaslAuthenticateRequestData().setAuthBytes(token)).build((short) 1));
                if (response.data().errorCode() != Errors.NONE.code()) {
                    throw new IOException("SASL authentication of " + login.username() + " with " + address + " failed: "
                            + Errors.forCode(response.data().errorCode()) + " " + response.data().errorMessage());
                }
                token = scram.evaluateChallenge(response.data().authBytes());
                long lifetimeMs = response.data().sessionLifetimeMs();
                // Re-authenticate at 85 % of the lifetime, as kafka-clients do at 85-95 %.
                reauthenticateAtNanos = lifetimeMs > 0 ? System.nanoTime() + lifetimeMs * 850_000L : 0;
            }
        } catch (SaslException | NoSuchAlgorithmException e) {
            throw new IOException("SASL authentication with " + address + " failed: " + e.getMessage(), e);
        }
    }

    private AbstractResponse roundTrip(AbstractRequest request) throws IOException {
        RequestHeader header = new RequestHeader(request.apiKey(), request.version(), clientId, ++correlationId);
        ByteBuffer bytes = request.serializeWithHeader(header);
        Socket s = socket;
        if (s == null) {
            throw new IOException("connection to " + address + " was closed");
        }
        // One write of the whole frame, where writing the size first was a second system call and
        // (TCP_NODELAY) a segment of its own that the leader's event loop woke for.
        s.getOutputStream().write(sizePrefixed(bytes));
        DataInputStream in = new DataInputStream(s.getInputStream());
        // readFully of the four size bytes: one read, where DataInputStream.readInt makes four.
        byte[] sizeBytes = new byte[Integer.BYTES];
        in.readFully(sizeBytes);
        int size = ByteBuffer.wrap(sizeBytes).getInt();
        if (size < 0 || size > maxResponseBytes) {
            throw new IOException("Response of " + size + " bytes from " + address + " refused");
        }
        byte[] body = new byte[size];
        in.readFully(body);
        return AbstractResponse.parseResponse(ByteBuffer.wrap(body), header);
    }

    /** A Kafka frame: the request's remaining bytes after their length as a 4-byte big-endian int. */
    static byte[] sizePrefixed(ByteBuffer request) {
        byte[] frame = new byte[Integer.BYTES + request.remaining()];
        ByteBuffer.wrap(frame).putInt(request.remaining()).put(request.duplicate());
        return frame;
    }

    /**
     * Closes the connection for good; safe from any thread. A call blocked in {@link #send}
     * fails at once with an IOException, and later calls fail without connecting.
     */
    @Override
    public void close() {
        closed = true;
        disconnect();
    }

    private void disconnect() {
        Socket s = socket;
        socket = null;
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // the connection is being dropped anyway
            }
        }
    }
}

package io.weir.broker.network;

import org.apache.kafka.common.errors.IllegalSaslStateException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.SaslAuthenticateRequest;
import org.apache.kafka.common.requests.SaslAuthenticateResponse;
import org.apache.kafka.common.requests.SaslHandshakeRequest;
import org.apache.kafka.common.requests.SaslHandshakeResponse;
import org.apache.kafka.common.security.auth.KafkaPrincipal;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import javax.security.sasl.SaslException;
import javax.security.sasl.SaslServer;

/**
 * One connection's SASL exchange, as Kafka's {@code SaslServerAuthenticator} runs it: the
 * handshake picks a mechanism; after a v1 handshake SaslAuthenticate requests carry its tokens,
 * after a v0 handshake (clients before KIP-152; advertised because librdkafka looks for it) the
 * tokens come framed on their own ({@link #rawToken}); once the mechanism completes, the
 * connection's principal is {@code User:<authorization id>}.
 * Anything out of order (a token before a handshake, a second handshake, an unknown mechanism, a
 * failed exchange) is answered with Kafka's error and the connection is closed, so a failed
 * attempt leaves nothing behind.
 *
 * <p>Re-authentication (KIP-368, {@code connections.max.reauth.ms}): with a positive limit,
 * SaslAuthenticate tells the client its session lifetime; before it ends the client runs the
 * same mechanism again on the same connection and must come out as the same principal, else the
 * connection closes. A session past its lifetime serves nothing but re-authentication
 * ({@link #expired()}).
 *
 * <p>Called only from the connection's serial executor: one request at a time, in order.
 */
final class SaslSession {
    /** The response and whether the connection closes once it is written. */
    record Reply(AbstractResponse response, boolean close) {
    }

    private enum State { HANDSHAKE, AUTHENTICATE, COMPLETE, REAUTHENTICATE, FAILED }

    private final SaslMechanisms mechanisms;
    private final long maxReauthMs;
    private final LongSupplier nanoClock;
    private State state = State.HANDSHAKE;
    private SaslServer server;
    private String mechanism;
    private long expiresAtNanos;
    private volatile KafkaPrincipal principal = KafkaPrincipal.ANONYMOUS;
    /** After a v0 handshake, until the exchange ends: the next frames are bare tokens. Read by the event loop. */
    private volatile boolean rawTokens;

    SaslSession(SaslMechanisms mechanisms) {
        this(mechanisms, 0, System::nanoTime);
    }

    /** @param maxReauthMs {@code connections.max.reauth.ms}: a session's lifetime, 0 for sessions that never end */
    SaslSession(SaslMechanisms mechanisms, long maxReauthMs, LongSupplier nanoClock) {
        this.mechanisms = mechanisms;
        this.maxReauthMs = maxReauthMs;
        this.nanoClock = nanoClock;
    }

    /** An authenticated session past its lifetime, not re-authenticated in time: the connection must close. */
    boolean expired() {
        return maxReauthMs > 0 && (state == State.COMPLETE || state == State.REAUTHENTICATE)
                && nanoClock.getAsLong() - expiresAtNanos > 0;
    }

    /** Who the connection has proven to be; ANONYMOUS until an exchange completes. */
    KafkaPrincipal principal() {
        return principal;
    }

    /** Answers a SaslHandshake or SaslAuthenticate request. */
    Reply handle(AbstractRequest request) {
        if (request instanceof SaslHandshakeRequest handshake) {
            return handshake(handshake.data().mechanism(), handshake.version());
        }
        return authenticate(((SaslAuthenticateRequest) request).data().authBytes(), request.version());
    }

    /** Whether the next frame is a bare token (a v0 handshake's exchange is under way). */
    boolean awaitsRawToken() {
        return rawTokens;
    }

    /**
     * Evaluates a bare token (after a v0 handshake): the challenge to send back framed on its own,
     * or empty when the exchange failed and the connection must close without an answer, as Kafka
     * does for these clients.
     */
    java.util.Optional<java.nio.ByteBuffer> rawToken(java.nio.ByteBuffer frame) {
        byte[] token = new byte[frame.remaining()];
        frame.get(token);
        Reply reply = authenticate(token, (short) 0);
        rawTokens = state == State.AUTHENTICATE;
        if (reply.close()) return java.util.Optional.empty();
        return java.util.Optional.of(java.nio.ByteBuffer.wrap(((SaslAuthenticateResponse) reply.response()).data().authBytes()));
    }

    private Reply handshake(String mechanism, short version) {
        SaslHandshakeResponseData out = new SaslHandshakeResponseData().setMechanisms(mechanisms.names());
        // Clients of a v0 handshake cannot re-authenticate (KIP-368 needs SaslAuthenticate).
        boolean reauthentication = state == State.COMPLETE && maxReauthMs > 0 && mechanism.equals(this.mechanism)
                && version >= 1;
        if (state != State.HANDSHAKE && !reauthentication) {
            fail();
            return new Reply(new SaslHandshakeResponse(out.setErrorCode(Errors.ILLEGAL_SASL_STATE.code())), true);
        }
        if (!mechanisms.names().contains(mechanism)) {
            fail();
            return new Reply(new SaslHandshakeResponse(out.setErrorCode(Errors.UNSUPPORTED_SASL_MECHANISM.code())), true);
        }
        try {
            server = mechanisms.newServer(mechanism);
        } catch (SaslException e) {
            fail();
            return new Reply(new SaslHandshakeResponse(out.setErrorCode(Errors.UNSUPPORTED_SASL_MECHANISM.code())), true);
        }
        this.mechanism = mechanism;
        state = reauthentication ? State.REAUTHENTICATE : State.AUTHENTICATE;
        rawTokens = version == 0;
        return new Reply(new SaslHandshakeResponse(out), false);
    }

    private Reply authenticate(byte[] token, short version) {
        SaslAuthenticateResponseData out = new SaslAuthenticateResponseData().setAuthBytes(new byte[0]);
        if (state != State.AUTHENTICATE && state != State.REAUTHENTICATE) {
            fail();
            return error(out, new IllegalSaslStateException("SaslAuthenticate without a SaslHandshake"));
        }
        String mechanism = server.getMechanismName();
        try {
            byte[] challenge = server.evaluateResponse(token);
            out.setAuthBytes(challenge == null ? new byte[0] : challenge);
            if (server.isComplete()) {
                KafkaPrincipal authenticated = new KafkaPrincipal(KafkaPrincipal.USER_TYPE, server.getAuthorizationID());
                if (state == State.REAUTHENTICATE && !authenticated.equals(principal)) {
                    fail();
                    return error(out, new SaslAuthenticationException("Cannot change principals during re-authentication"
                            + " from " + principal + " to " + authenticated));
                }
                principal = authenticated;
                state = State.COMPLETE;
                dispose();
                if (maxReauthMs > 0) {
                    expiresAtNanos = nanoClock.getAsLong() + TimeUnit.MILLISECONDS.toNanos(maxReauthMs);
                    // The lifetime field exists from v1; clients of v0 cannot re-authenticate.
                    if (version >= 1) out.setSessionLifetimeMs(maxReauthMs);
                }
            }
            return new Reply(new SaslAuthenticateResponse(out), false);
        } catch (SaslAuthenticationException e) {
            fail();
            return error(out, e);
        } catch (SaslException | RuntimeException e) {
            // Kafka's words: the mechanism's own message may say which part was wrong; this does not.
            fail();
            return error(out, new SaslAuthenticationException("Authentication failed during authentication due to "
                    + "invalid credentials with SASL mechanism " + mechanism));
        }
    }

    private static Reply error(SaslAuthenticateResponseData out, RuntimeException e) {
        Errors error = Errors.forException(e);
        return new Reply(new SaslAuthenticateResponse(out.setErrorCode(error.code()).setErrorMessage(e.getMessage())), true);
    }

    private void fail() {
        state = State.FAILED;
        dispose();
    }

    private void dispose() {
        if (server == null) return;
        try {
            server.dispose();
        } catch (SaslException ignored) {
            // nothing is held that outlives the exchange
        }
        server = null;
    }
}

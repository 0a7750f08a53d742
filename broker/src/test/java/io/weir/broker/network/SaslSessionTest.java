package io.weir.broker.network;

import io.weir.broker.security.ClusterMembership;
import io.weir.broker.security.MemberSasl;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.SaslAuthenticateRequest;
import org.apache.kafka.common.requests.SaslAuthenticateResponse;
import org.apache.kafka.common.requests.SaslHandshakeRequest;
import org.apache.kafka.common.requests.SaslHandshakeResponse;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.apache.kafka.common.security.scram.internals.ScramSaslClient;
import org.junit.jupiter.api.Test;

import javax.security.auth.callback.Callback;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.PasswordCallback;
import javax.security.auth.callback.UnsupportedCallbackException;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The listener's SASL exchange driven request by request with kafka-clients' SCRAM client. */
class SaslSessionTest {
    private static final String SECRET = "sixteen-chars-or-more";
    private final SaslMechanisms members = MemberSasl.of(ClusterMembership.of(Optional.of(Set.of(1, 2)), true), SECRET);

    @Test
    void theRightSecretMakesTheConnectionThatNode() throws Exception {
        SaslSession session = new SaslSession(members);

        Errors last = scram(session, "weir-node-2", SECRET);

        assertThat(last).isEqualTo(Errors.NONE);
        assertThat(session.principal()).isEqualTo(new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "weir-node-2"));
    }

    @Test
    void aWrongSecretOrAStrangerFailsClosesAndStaysAnonymous() throws Exception {
        for (String[] login : new String[][] {{"weir-node-2", "a-wrong-secret-of-length"}, {"weir-node-9", SECRET},
                {"alice", SECRET}}) {
            SaslSession session = new SaslSession(members);

            assertThat(scram(session, login[0], login[1])).as(login[0]).isEqualTo(Errors.SASL_AUTHENTICATION_FAILED);
            assertThat(session.principal()).isEqualTo(KafkaPrincipal.ANONYMOUS);
        }
    }

    @Test
    void outOfOrderOrUnknownMechanismsAreRefusedWithKafkasErrors() {
        SaslSession tokenFirst = new SaslSession(members);
        SaslSession.Reply early = tokenFirst.handle(authenticate(new byte[] {1}));
        assertThat(((SaslAuthenticateResponse) early.response()).error()).isEqualTo(Errors.ILLEGAL_SASL_STATE);
        assertThat(early.close()).isTrue();

        SaslSession plain = new SaslSession(members);
        SaslSession.Reply unknown = plain.handle(handshake("PLAIN"));
        SaslHandshakeResponse response = (SaslHandshakeResponse) unknown.response();
        assertThat(response.error()).isEqualTo(Errors.UNSUPPORTED_SASL_MECHANISM);
        assertThat(response.data().mechanisms()).containsExactly("SCRAM-SHA-512");
        assertThat(unknown.close()).isTrue();

        SaslSession none = new SaslSession(SaslMechanisms.NONE);
        assertThat(((SaslHandshakeResponse) none.handle(handshake("SCRAM-SHA-512")).response()).error())
                .isEqualTo(Errors.UNSUPPORTED_SASL_MECHANISM);
    }

    @Test
    void aSecondHandshakeAfterSuccessIsIllegal() throws Exception {
        SaslSession session = new SaslSession(members);
        scram(session, "weir-node-1", SECRET);

        SaslSession.Reply again = session.handle(handshake("SCRAM-SHA-512"));

        assertThat(((SaslHandshakeResponse) again.response()).error()).isEqualTo(Errors.ILLEGAL_SASL_STATE);
        assertThat(again.close()).isTrue();
    }

    @Test
    void withReauthenticationTheSameUserRenewsTheSessionAndNoOneElseMay() throws Exception {
        long[] now = {0};
        SaslSession session = new SaslSession(members, 1_000, () -> now[0]);
        assertThat(scram(session, "weir-node-1", SECRET)).isEqualTo(Errors.NONE);

        now[0] = TimeUnit.MILLISECONDS.toNanos(900);
        assertThat(session.expired()).isFalse();
        assertThat(scram(session, "weir-node-1", SECRET)).as("renewal").isEqualTo(Errors.NONE);
        now[0] = TimeUnit.MILLISECONDS.toNanos(1_800);
        assertThat(session.expired()).as("renewed at 900 ms, so good until 1,900 ms").isFalse();
        now[0] = TimeUnit.MILLISECONDS.toNanos(2_000);
        assertThat(session.expired()).isTrue();

        assertThat(scram(session, "weir-node-2", SECRET)).as("another principal").isEqualTo(Errors.SASL_AUTHENTICATION_FAILED);
        assertThat(session.expired()).as("failed: closing, not serving").isFalse();
    }

    @Test
    void theLifetimeIsToldFromVersionOne() throws Exception {
        SaslSession session = new SaslSession(members, 5_000, System::nanoTime);
        session.handle(handshake("SCRAM-SHA-512"));
        ScramSaslClient client = client("weir-node-1", SECRET);
        SaslAuthenticateResponse first = (SaslAuthenticateResponse) session.handle(authenticate(client.evaluateChallenge(new byte[0]))).response();
        SaslAuthenticateResponse last = (SaslAuthenticateResponse) session.handle(authenticate(
                client.evaluateChallenge(first.data().authBytes()))).response();

        assertThat(last.error()).isEqualTo(Errors.NONE);
        assertThat(last.data().sessionLifetimeMs()).isEqualTo(5_000);
    }

    @Test
    void afterAVersionZeroHandshakeBareTokensCarryTheExchange() throws Exception {
        SaslSession session = new SaslSession(members);
        SaslHandshakeRequest v0 = new SaslHandshakeRequest.Builder(new SaslHandshakeRequestData()
                .setMechanism("SCRAM-SHA-512")).build((short) 0);
        assertThat(((SaslHandshakeResponse) session.handle(v0).response()).error()).isEqualTo(Errors.NONE);
        assertThat(session.awaitsRawToken()).isTrue();

        ScramSaslClient client = client("weir-node-2", SECRET);
        byte[] token = client.evaluateChallenge(new byte[0]);
        while (!client.isComplete()) {
            java.nio.ByteBuffer challenge = session.rawToken(java.nio.ByteBuffer.wrap(token)).orElseThrow();
            byte[] bytes = new byte[challenge.remaining()];
            challenge.get(bytes);
            token = client.evaluateChallenge(bytes);
        }

        assertThat(session.awaitsRawToken()).as("the exchange is over: requests again").isFalse();
        assertThat(session.principal()).isEqualTo(new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "weir-node-2"));
    }

    @Test
    void aFailedBareTokenExchangeGetsNoAnswerAndStaysAnonymous() throws Exception {
        SaslSession session = new SaslSession(members);
        session.handle(new SaslHandshakeRequest.Builder(new SaslHandshakeRequestData()
                .setMechanism("SCRAM-SHA-512")).build((short) 0));
        ScramSaslClient client = client("weir-node-2", "a-wrong-secret-of-length");
        byte[] first = session.rawToken(java.nio.ByteBuffer.wrap(client.evaluateChallenge(new byte[0]))).orElseThrow().array();

        assertThat(session.rawToken(java.nio.ByteBuffer.wrap(client.evaluateChallenge(first)))).isEmpty();
        assertThat(session.awaitsRawToken()).isFalse();
        assertThat(session.principal()).isEqualTo(KafkaPrincipal.ANONYMOUS);
    }

    private static ScramSaslClient client(String user, String password) throws Exception {
        return new ScramSaslClient(ScramMechanism.SCRAM_SHA_512, callbacks -> {
            for (Callback c : callbacks) {
                if (c instanceof NameCallback n) n.setName(user);
                else if (c instanceof PasswordCallback p) p.setPassword(password.toCharArray());
                else throw new UnsupportedCallbackException(c);
            }
        });
    }

    /** Runs a whole SCRAM exchange; the first error, or NONE. */
    private static Errors scram(SaslSession session, String user, String password) throws Exception {
        SaslSession.Reply handshake = session.handle(handshake("SCRAM-SHA-512"));
        assertThat(((SaslHandshakeResponse) handshake.response()).error()).isEqualTo(Errors.NONE);
        ScramSaslClient client = client(user, password);
        byte[] token = client.evaluateChallenge(new byte[0]);
        while (!client.isComplete()) {
            SaslSession.Reply reply = session.handle(authenticate(token));
            SaslAuthenticateResponse response = (SaslAuthenticateResponse) reply.response();
            if (response.error() != Errors.NONE) {
                assertThat(reply.close()).isTrue();
                return response.error();
            }
            token = client.evaluateChallenge(response.data().authBytes());
        }
        return Errors.NONE;
    }

    private static SaslHandshakeRequest handshake(String mechanism) {
        return new SaslHandshakeRequest.Builder(new SaslHandshakeRequestData().setMechanism(mechanism)).build((short) 1);
    }

    private static SaslAuthenticateRequest authenticate(byte[] token) {
        return new SaslAuthenticateRequest.Builder(new SaslAuthenticateRequestData().setAuthBytes(token)).build((short) 2);
    }
}

package io.weir.broker.security;

import io.weir.broker.network.SaslMechanisms;
import io.weir.replication.SaslLogin;
import org.apache.kafka.common.security.scram.ScramCredential;
import org.apache.kafka.common.security.scram.ScramCredentialCallback;
import org.apache.kafka.common.security.scram.internals.ScramFormatter;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.apache.kafka.common.security.scram.internals.ScramSaslServer;
import org.apache.kafka.common.security.token.delegation.internals.DelegationTokenCredentialCallback;

import javax.security.auth.callback.Callback;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.sasl.SaslException;
import javax.security.sasl.SaslServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Cluster members' SCRAM-SHA-512 logins, from the shared cluster secret: the server side accepts
 * {@code weir-node-<id>} for every expected id with the secret as password, the client side is
 * this node's own login. kafka-clients' {@link ScramSaslServer} runs the exchange; the server
 * keeps only the salted keys (Kafka's {@link ScramCredential}), made once at start.
 */
public final class MemberSasl implements SaslMechanisms {
    /** Kafka's floor for SCRAM-SHA-512; each connection pays it once, on the client. */
    static final int ITERATIONS = 4096;
    /** A secret shorter than this is refused at start: SCRAM only protects a password worth guessing. */
    static final int MIN_SECRET_LENGTH = 16;

    private final ClusterMembership membership;
    private final ScramCredential credential;

    private MemberSasl(ClusterMembership membership, ScramCredential credential) {
        this.membership = membership;
        this.credential = credential;
    }

    public static MemberSasl of(ClusterMembership membership, String secret) {
        checkSecret(secret);
        try {
            return new MemberSasl(membership,
                    new ScramFormatter(ScramMechanism.SCRAM_SHA_512).generateCredential(secret, ITERATIONS));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SCRAM-SHA-512 needs SHA-512, which every JDK has", e);
        }
    }

    /** Reads the secret from {@code cluster.secret.file}: its first line, trimmed. */
    public static String readSecret(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        String secret = text.lines().findFirst().orElse("").trim();
        try {
            checkSecret(secret);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cluster.secret.file " + file + ": " + e.getMessage(), e);
        }
        return secret;
    }

    private static void checkSecret(String secret) {
        if (secret == null || secret.length() < MIN_SECRET_LENGTH) {
            throw new IllegalArgumentException("the cluster secret must be at least " + MIN_SECRET_LENGTH + " characters");
        }
    }

    /** Node {@code nodeId}'s own login, for its replica fetchers and controller channel. */
    public static SaslLogin login(int nodeId, String secret) {
        return new SaslLogin(ClusterMembership.username(nodeId), secret);
    }

    @Override
    public List<String> names() {
        return List.of(SaslLogin.MECHANISM);
    }

    @Override
    public SaslServer newServer(String mechanism) throws SaslException {
        if (!SaslLogin.MECHANISM.equals(mechanism)) throw new SaslException("unsupported mechanism " + mechanism);
        try {
            return new ScramSaslServer(ScramMechanism.SCRAM_SHA_512, Map.of(), this::handle);
        } catch (NoSuchAlgorithmException e) {
            throw new SaslException("SCRAM-SHA-512 is unavailable", e);
        }
    }

    /** The member credential for an expected node's name and SCRAM-SHA-512; empty for anyone else. */
    Optional<ScramCredential> credentialFor(String username, String mechanism) {
        boolean member = SaslLogin.MECHANISM.equals(mechanism) && membership.memberId(username).isPresent();
        return member ? Optional.of(credential) : Optional.empty();
    }

    /** Whether {@code username} is a member's name: users may never authenticate as one. */
    boolean isMemberName(String username) {
        return username != null && username.startsWith(ClusterMembership.MEMBER_PREFIX);
    }

    /** Gives the member credential to an expected node's name, nothing to anyone else (the exchange then fails). */
    private void handle(Callback[] callbacks) throws UnsupportedCallbackException {
        Optional<String> username = Optional.empty();
        for (Callback callback : callbacks) {
            if (callback instanceof NameCallback name) {
                username = Optional.ofNullable(name.getDefaultName());
            } else if (callback instanceof DelegationTokenCredentialCallback) {
                // No delegation tokens: the token owner stays unset and the exchange fails.
                continue;
            } else if (callback instanceof ScramCredentialCallback scram) {
                boolean member = username.map(membership::memberId).map(id -> id.isPresent()).orElse(false);
                scram.scramCredential(member ? credential : null);
            } else {
                throw new UnsupportedCallbackException(callback);
            }
        }
    }
}

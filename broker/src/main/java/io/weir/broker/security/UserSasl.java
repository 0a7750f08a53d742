package io.weir.broker.security;

import io.weir.broker.network.SaslMechanisms;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.record.UserScramCredentialRecord;
import org.apache.kafka.common.security.plain.PlainAuthenticateCallback;
import org.apache.kafka.common.security.plain.internals.PlainSaslServer;
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
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The SASL mechanisms of a SASL_PLAINTEXT or SASL_SSL listener ({@code sasl.enabled.mechanisms}):
 * SCRAM-SHA-256 and SCRAM-SHA-512 against the users' credentials in the replicated metadata
 * (AlterUserScramCredentials, {@code kafka-configs.sh --entity-type users}), and PLAIN checked
 * against those same credentials (the password salted as the stored SCRAM credential says, its
 * keys compared), so a user has one password for every mechanism. Cluster members
 * ({@link MemberSasl}) authenticate here too; users can never take a member's name.
 * kafka-clients' {@link ScramSaslServer} and {@link PlainSaslServer} run the exchanges.
 */
public final class UserSasl implements SaslMechanisms {
    public static final List<String> SUPPORTED = List.of("SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN");

    private final Supplier<MetadataImage> image;
    private final Optional<MemberSasl> members;
    private final List<String> enabled;

    /** @param enabled the mechanisms offered, a subset of {@link #SUPPORTED} (the member mechanism is added when there are members) */
    public UserSasl(Supplier<MetadataImage> image, Optional<MemberSasl> members, List<String> enabled) {
        if (!SUPPORTED.containsAll(enabled)) {
            throw new IllegalArgumentException("sasl.enabled.mechanisms must be among " + SUPPORTED + ", not " + enabled);
        }
        this.image = image;
        this.members = members;
        java.util.LinkedHashSet<String> names = new java.util.LinkedHashSet<>(enabled);
        members.ifPresent(m -> names.addAll(m.names()));
        this.enabled = List.copyOf(names);
    }

    @Override
    public List<String> names() {
        return enabled;
    }

    @Override
    public SaslServer newServer(String mechanism) throws SaslException {
        if (!enabled.contains(mechanism)) throw new SaslException("unsupported mechanism " + mechanism);
        if (mechanism.equals("PLAIN")) return new PlainSaslServer(this::handlePlain);
        try {
            return new ScramSaslServer(ScramMechanism.forMechanismName(mechanism), Map.of(),
                    callbacks -> handleScram(mechanism, callbacks));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new SaslException(mechanism + " is unavailable", e);
        }
    }

    /** A user's (or member's) SCRAM credential for {@code mechanism}, if it has one. */
    private Optional<ScramCredential> credential(String username, String mechanism) {
        if (username == null) return Optional.empty();
        if (members.isPresent() && members.get().isMemberName(username)) {
            return members.get().credentialFor(username, mechanism);
        }
        if (username.startsWith(ClusterMembership.MEMBER_PREFIX)) return Optional.empty();
        UserScramCredentialRecord r = image.get().scramCredentials(username).get(mechanism);
        if (r == null) return Optional.empty();
        Base64.Decoder b64 = Base64.getDecoder();
        return Optional.of(new ScramCredential(b64.decode(r.salt()), b64.decode(r.storedKey()), b64.decode(r.serverKey()),
                r.iterations()));
    }

    private void handleScram(String mechanism, Callback[] callbacks) throws UnsupportedCallbackException {
        String username = null;
        for (Callback callback : callbacks) {
            if (callback instanceof NameCallback name) {
                username = name.getDefaultName();
            } else if (callback instanceof DelegationTokenCredentialCallback) {
                continue; // no delegation tokens: the exchange fails
            } else if (callback instanceof ScramCredentialCallback scram) {
                scram.scramCredential(credential(username, mechanism).orElse(null));
            } else {
                throw new UnsupportedCallbackException(callback);
            }
        }
    }

    /** PLAIN: the password is right when, salted as a stored SCRAM credential of the user says, it gives that credential's key. */
    private void handlePlain(Callback[] callbacks) throws UnsupportedCallbackException {
        String username = null;
        for (Callback callback : callbacks) {
            if (callback instanceof NameCallback name) {
                username = name.getDefaultName();
            } else if (callback instanceof PlainAuthenticateCallback plain) {
                plain.authenticated(verify(username, new String(plain.password())));
            } else {
                throw new UnsupportedCallbackException(callback);
            }
        }
    }

    private boolean verify(String username, String password) {
        for (String mechanism : List.of("SCRAM-SHA-512", "SCRAM-SHA-256")) {
            Optional<ScramCredential> stored = credential(username, mechanism);
            if (stored.isEmpty()) continue;
            try {
                ScramFormatter formatter = new ScramFormatter(ScramMechanism.forMechanismName(mechanism));
                byte[] salted = formatter.saltedPassword(password, stored.get().salt(), stored.get().iterations());
                return MessageDigest.isEqual(formatter.storedKey(formatter.clientKey(salted)), stored.get().storedKey());
            } catch (GeneralSecurityException e) {
                return false;
            }
        }
        return false;
    }
}

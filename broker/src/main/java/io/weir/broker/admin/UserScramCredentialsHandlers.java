package io.weir.broker.admin;

import io.weir.broker.api.ApiRegistry;
import io.weir.broker.metadata.MetadataView;
import io.weir.controller.ApiStatus;
import io.weir.controller.QuorumController;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.record.UserScramCredentialRecord;
import io.weir.controller.security.ScramControlManager;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.common.message.AlterUserScramCredentialsRequestData;
import org.apache.kafka.common.message.AlterUserScramCredentialsResponseData;
import org.apache.kafka.common.message.DescribeUserScramCredentialsRequestData;
import org.apache.kafka.common.message.DescribeUserScramCredentialsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.AlterUserScramCredentialsRequest;
import org.apache.kafka.common.requests.AlterUserScramCredentialsResponse;
import org.apache.kafka.common.requests.DescribeUserScramCredentialsRequest;
import org.apache.kafka.common.requests.DescribeUserScramCredentialsResponse;
import org.apache.kafka.common.security.scram.internals.ScramFormatter;

import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * Kafka's DescribeUserScramCredentials (from this node's metadata image) and
 * AlterUserScramCredentials (through the active controller, forwarded there from any node), so
 * {@code kafka-configs.sh --entity-type users --add-config 'SCRAM-SHA-256=[password=...]'} works.
 * The client sends a salted password; this node derives the stored and server keys from it with
 * kafka-clients' {@link ScramFormatter}, so neither the password nor the salted password is kept.
 */
public final class UserScramCredentialsHandlers {
    private UserScramCredentialsHandlers() {
    }

    public static ApiRegistry.Builder register(ApiRegistry.Builder registry, MetadataView metadata,
                                               QuorumController controller, ControllerForwarder forwarder) {
        return registry
                .add(ApiKeys.DESCRIBE_USER_SCRAM_CREDENTIALS, 0, 0, (org.apache.kafka.common.requests.RequestContext ctx, DescribeUserScramCredentialsRequest r) ->
                        CompletableFuture.completedFuture(describe(metadata.image(), r.data())))
                .add(ApiKeys.ALTER_USER_SCRAM_CREDENTIALS, 0, 0, (org.apache.kafka.common.requests.RequestContext ctx, AlterUserScramCredentialsRequest r) ->
                        alter(controller, forwarder, r.data()));
    }

    static AbstractResponse describe(MetadataImage image, DescribeUserScramCredentialsRequestData in) {
        DescribeUserScramCredentialsResponseData out = new DescribeUserScramCredentialsResponseData();
        List<String> users = new ArrayList<>();
        Set<String> duplicates = new HashSet<>();
        if (in.users() == null) {
            users.addAll(new TreeMap<>(image.scramCredentials()).keySet());
        } else {
            Set<String> seen = new HashSet<>();
            for (DescribeUserScramCredentialsRequestData.UserName u : in.users()) {
                if (!seen.add(u.name())) duplicates.add(u.name());
                else users.add(u.name());
            }
        }
        for (String user : users) {
            DescribeUserScramCredentialsResponseData.DescribeUserScramCredentialsResult result =
                    new DescribeUserScramCredentialsResponseData.DescribeUserScramCredentialsResult().setUser(user);
            Map<String, UserScramCredentialRecord> credentials = user == null ? Map.of() : image.scramCredentials(user);
            if (duplicates.contains(user)) {
                result.setErrorCode(Errors.DUPLICATE_RESOURCE.code()).setErrorMessage("Cannot describe SCRAM credentials "
                        + "for the same user twice in a single request: " + user);
            } else if (credentials.isEmpty()) {
                result.setErrorCode(Errors.RESOURCE_NOT_FOUND.code())
                        .setErrorMessage("Attempt to describe a user credential that does not exist: " + user);
            } else {
                new TreeMap<>(credentials).forEach((mechanism, c) -> result.credentialInfos().add(
                        new DescribeUserScramCredentialsResponseData.CredentialInfo()
                                .setMechanism(ScramMechanism.fromMechanismName(mechanism).type()).setIterations(c.iterations())));
            }
            out.results().add(result);
        }
        return new DescribeUserScramCredentialsResponse(out);
    }

    private static CompletableFuture<AbstractResponse> alter(QuorumController controller, ControllerForwarder forwarder,
                                                             AlterUserScramCredentialsRequestData in) {
        if (!controller.isActive()) {
            return forwarder.forwardOr(new AlterUserScramCredentialsRequest.Builder(in.duplicate()),
                    () -> CompletableFuture.completedFuture(notController(in)));
        }
        List<ScramControlManager.Deletion> deletions = new ArrayList<>();
        for (AlterUserScramCredentialsRequestData.ScramCredentialDeletion d : in.deletions()) {
            deletions.add(new ScramControlManager.Deletion(d.name(), mechanismName(d.mechanism())));
        }
        List<ScramControlManager.Upsertion> upsertions = new ArrayList<>();
        for (AlterUserScramCredentialsRequestData.ScramCredentialUpsertion u : in.upsertions()) {
            upsertions.add(upsertion(u));
        }
        return controller.alterUserScramCredentials(deletions, upsertions).handle((results, error) -> {
            AlterUserScramCredentialsResponseData out = new AlterUserScramCredentialsResponseData();
            if (error != null) return notController(in);
            results.forEach((user, status) -> out.results().add(result(user, status)));
            return new AlterUserScramCredentialsResponse(out);
        });
    }

    /** The keys a SCRAM server keeps, from the salted password the client sent; an unknown mechanism passes through to be refused. */
    private static ScramControlManager.Upsertion upsertion(AlterUserScramCredentialsRequestData.ScramCredentialUpsertion u) {
        String mechanism = mechanismName(u.mechanism());
        Base64.Encoder b64 = Base64.getEncoder();
        org.apache.kafka.common.security.scram.internals.ScramMechanism known =
                org.apache.kafka.common.security.scram.internals.ScramMechanism.forMechanismName(mechanism);
        byte[] salted = u.saltedPassword();
        if (known == null || salted == null || salted.length == 0) {
            // Refused by the controller: an unknown mechanism, or no salted password.
            return new ScramControlManager.Upsertion(u.name(), mechanism, "", "", "", u.iterations());
        }
        try {
            ScramFormatter formatter = new ScramFormatter(known);
            return new ScramControlManager.Upsertion(u.name(), mechanism, u.salt() == null ? "" : b64.encodeToString(u.salt()),
                    b64.encodeToString(formatter.storedKey(formatter.clientKey(salted))),
                    b64.encodeToString(formatter.serverKey(salted)), u.iterations());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(mechanism + " needs " + known.hashAlgorithm() + ", which every JDK has", e);
        }
    }

    private static String mechanismName(byte type) {
        ScramMechanism m = ScramMechanism.fromType(type);
        return m == ScramMechanism.UNKNOWN ? "UNKNOWN(" + type + ")" : m.mechanismName();
    }

    private static AlterUserScramCredentialsResponseData.AlterUserScramCredentialsResult result(String user, ApiStatus status) {
        return new AlterUserScramCredentialsResponseData.AlterUserScramCredentialsResult().setUser(user)
                .setErrorCode(status.error().code()).setErrorMessage(status.message());
    }

    private static AbstractResponse notController(AlterUserScramCredentialsRequestData in) {
        AlterUserScramCredentialsResponseData out = new AlterUserScramCredentialsResponseData();
        Set<String> users = new java.util.LinkedHashSet<>();
        in.deletions().forEach(d -> users.add(d.name()));
        in.upsertions().forEach(u -> users.add(u.name()));
        users.forEach(user -> out.results().add(new AlterUserScramCredentialsResponseData.AlterUserScramCredentialsResult()
                .setUser(user).setErrorCode(Errors.NOT_CONTROLLER.code())));
        return new AlterUserScramCredentialsResponse(out);
    }
}

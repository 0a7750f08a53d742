package io.weir.broker.security.acl;

import io.weir.controller.acl.AclBinding;
import io.weir.controller.acl.AclBinding.Operation;
import io.weir.controller.acl.AclBinding.ResourceType;
import io.weir.controller.image.MetadataImage;
import org.apache.kafka.common.requests.RequestContext;
import org.apache.kafka.common.security.auth.KafkaPrincipal;

import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * This node's authorizer: {@link AclAuthorizer}'s decision over the ACLs of the current metadata
 * image, for the principal and address of a request. Cluster members ({@code isNode}: the
 * connections that proved the cluster secret) may do everything, as Kafka's brokers and
 * controllers do as super users. {@link #NONE} allows everything (no {@code authorizer.class.name},
 * as Kafka). Thread-safe; the index of the ACLs is rebuilt only when the image's ACLs change.
 */
public final class Authorization {
    /** No authorizer configured: every request is allowed. */
    public static final Authorization NONE = new Authorization(null, () -> MetadataImage.EMPTY, p -> true);

    private record Indexed(Map<UUID, AclBinding> acls, AclIndex index) {
    }

    private final AclAuthorizer authorizer;
    private final Supplier<MetadataImage> image;
    private final Predicate<KafkaPrincipal> isNode;
    private volatile Indexed indexed = new Indexed(Map.of(), AclIndex.EMPTY);

    public Authorization(AclAuthorizer authorizer, Supplier<MetadataImage> image, Predicate<KafkaPrincipal> isNode) {
        this.authorizer = authorizer;
        this.image = image;
        this.isNode = isNode;
    }

    /** Whether an authorizer is configured (DescribeAcls answers SECURITY_DISABLED without one, as Kafka). */
    public boolean enabled() {
        return authorizer != null;
    }

    public boolean allowed(RequestContext context, Operation operation, ResourceType type, String name) {
        if (authorizer == null) return true;
        KafkaPrincipal principal = context.principal();
        if (principal != null && isNode.test(principal)) return true;
        return authorizer.authorize(index(), String.valueOf(principal), context.clientAddress().getHostAddress(),
                operation, type, name);
    }

    public boolean allowedOnCluster(RequestContext context, Operation operation) {
        return allowed(context, operation, ResourceType.CLUSTER, AclBinding.CLUSTER_NAME);
    }

    /** Whether the principal may do {@code operation} on some resource of {@code type} (Kafka's authorizeByResourceType). */
    public boolean allowedOnSomeResource(RequestContext context, Operation operation, ResourceType type) {
        if (authorizer == null) return true;
        KafkaPrincipal principal = context.principal();
        if (principal != null && isNode.test(principal)) return true;
        return authorizer.authorizeAny(index(), String.valueOf(principal), context.clientAddress().getHostAddress(),
                operation, type);
    }

    /**
     * KIP-430's authorized operations: the operations Kafka supports on a resource of {@code type}
     * that the principal may do on {@code name}, as a bit field of Kafka's operation codes (all of
     * them without an authorizer, as Kafka).
     */
    public int authorizedOperations(RequestContext context, ResourceType type, String name) {
        int bits = 0;
        for (Operation operation : SUPPORTED.get(type)) {
            if (allowed(context, operation, type, name)) {
                bits |= 1 << org.apache.kafka.common.acl.AclOperation.valueOf(operation.name()).code();
            }
        }
        return bits;
    }

    /** Kafka's AclEntry.supportedOperations. */
    private static final Map<ResourceType, java.util.List<Operation>> SUPPORTED = Map.of(
            ResourceType.TOPIC, java.util.List.of(Operation.READ, Operation.WRITE, Operation.CREATE, Operation.DESCRIBE,
                    Operation.DELETE, Operation.ALTER, Operation.DESCRIBE_CONFIGS, Operation.ALTER_CONFIGS),
            ResourceType.GROUP, java.util.List.of(Operation.READ, Operation.DESCRIBE, Operation.DELETE),
            ResourceType.CLUSTER, java.util.List.of(Operation.CREATE, Operation.CLUSTER_ACTION, Operation.DESCRIBE_CONFIGS,
                    Operation.ALTER_CONFIGS, Operation.IDEMPOTENT_WRITE, Operation.ALTER, Operation.DESCRIBE),
            ResourceType.TRANSACTIONAL_ID, java.util.List.of(Operation.DESCRIBE, Operation.WRITE, Operation.TWO_PHASE_COMMIT));

    /** The topics {@code context}'s principal may do {@code operation} on. */
    public Predicate<String> topics(RequestContext context, Operation operation) {
        if (authorizer == null) return name -> true;
        return name -> allowed(context, operation, ResourceType.TOPIC, name);
    }

    private AclIndex index() {
        Map<UUID, AclBinding> acls = image.get().acls();
        Indexed current = indexed;
        if (current.acls != acls) {
            current = new Indexed(acls, new AclIndex(acls.values()));
            indexed = current;
        }
        return current.index;
    }
}

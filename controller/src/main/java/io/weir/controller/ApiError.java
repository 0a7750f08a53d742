package io.weir.controller;

/**
 * The Kafka error codes the controller answers with. Names and codes are exactly those of
 * {@code org.apache.kafka.common.protocol.Errors}, so a handler maps them with
 * {@code Errors.forCode(error.code())} without this module depending on kafka-clients.
 */
public enum ApiError {
    NONE(0),
    UNKNOWN_SERVER_ERROR(-1),
    UNKNOWN_TOPIC_OR_PARTITION(3),
    LEADER_NOT_AVAILABLE(5),
    NOT_LEADER_OR_FOLLOWER(6),
    REQUEST_TIMED_OUT(7),
    INVALID_TOPIC_EXCEPTION(17),
    UNSUPPORTED_VERSION(35),
    TOPIC_ALREADY_EXISTS(36),
    INVALID_PARTITIONS(37),
    INVALID_REPLICATION_FACTOR(38),
    INVALID_REPLICA_ASSIGNMENT(39),
    INVALID_CONFIG(40),
    NOT_CONTROLLER(41),
    INVALID_REQUEST(42),
    UNSUPPORTED_SASL_MECHANISM(33),
    OPERATION_NOT_ATTEMPTED(55),
    REASSIGNMENT_IN_PROGRESS(60),
    FENCED_LEADER_EPOCH(74),
    UNKNOWN_LEADER_EPOCH(75),
    STALE_BROKER_EPOCH(77),
    PREFERRED_LEADER_NOT_AVAILABLE(80),
    ELIGIBLE_LEADERS_NOT_AVAILABLE(83),
    ELECTION_NOT_NEEDED(84),
    NO_REASSIGNMENT_IN_PROGRESS(85),
    RESOURCE_NOT_FOUND(91),
    DUPLICATE_RESOURCE(92),
    UNACCEPTABLE_CREDENTIAL(93),
    INVALID_UPDATE_VERSION(95),
    UNKNOWN_TOPIC_ID(100),
    DUPLICATE_BROKER_REGISTRATION(101),
    BROKER_ID_NOT_REGISTERED(102),
    INCONSISTENT_TOPIC_ID(103),
    INELIGIBLE_REPLICA(107),
    NEW_LEADER_ELECTED(108);

    private final short code;

    ApiError(int code) {
        this.code = (short) code;
    }

    public short code() {
        return code;
    }
}

package io.weir.controller.record;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * One change to cluster metadata. Records are the only way metadata changes: the active
 * controller produces them, the {@code Coordination} backend commits them in one order, and
 * every node replays them into its {@link io.weir.controller.image.MetadataImage}.
 *
 * <p>Each type carries its own {@link #version()} so a type can evolve without breaking
 * replay of older logs and snapshots; the type tag is the short name in {@link JsonSubTypes}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "t")
@JsonSubTypes({
    @JsonSubTypes.Type(value = RegisterBrokerRecord.class, name = "RegisterBroker"),
    @JsonSubTypes.Type(value = UnregisterBrokerRecord.class, name = "UnregisterBroker"),
    @JsonSubTypes.Type(value = FenceBrokerRecord.class, name = "FenceBroker"),
    @JsonSubTypes.Type(value = UnfenceBrokerRecord.class, name = "UnfenceBroker"),
    @JsonSubTypes.Type(value = TopicRecord.class, name = "Topic"),
    @JsonSubTypes.Type(value = PartitionRecord.class, name = "Partition"),
    @JsonSubTypes.Type(value = PartitionChangeRecord.class, name = "PartitionChange"),
    @JsonSubTypes.Type(value = RemoveTopicRecord.class, name = "RemoveTopic"),
    @JsonSubTypes.Type(value = ConfigRecord.class, name = "Config"),
    @JsonSubTypes.Type(value = ProducerIdsRecord.class, name = "ProducerIds"),
    @JsonSubTypes.Type(value = BrokerEpochsRecord.class, name = "BrokerEpochs"),
    @JsonSubTypes.Type(value = UserScramCredentialRecord.class, name = "UserScramCredential"),
    @JsonSubTypes.Type(value = RemoveUserScramCredentialRecord.class, name = "RemoveUserScramCredential"),
    @JsonSubTypes.Type(value = AccessControlEntryRecord.class, name = "AccessControlEntry"),
    @JsonSubTypes.Type(value = RemoveAccessControlEntryRecord.class, name = "RemoveAccessControlEntry"),
})
public sealed interface MetadataRecord
    permits RegisterBrokerRecord, UnregisterBrokerRecord, FenceBrokerRecord, UnfenceBrokerRecord,
        TopicRecord, PartitionRecord, PartitionChangeRecord, RemoveTopicRecord, ConfigRecord,
        ProducerIdsRecord, BrokerEpochsRecord, UserScramCredentialRecord, RemoveUserScramCredentialRecord,
        AccessControlEntryRecord, RemoveAccessControlEntryRecord {

    /** The schema version of this record type; replay accepts every version it knows. */
    int version();
}

package io.weir.controller.record;

/** A user's SCRAM credential for one mechanism was deleted (Kafka's RemoveUserScramCredentialRecord). */
public record RemoveUserScramCredentialRecord(int version, String name, String mechanism) implements MetadataRecord {
    public static final int CURRENT_VERSION = 1;

    public RemoveUserScramCredentialRecord(String name, String mechanism) {
        this(CURRENT_VERSION, name, mechanism);
    }
}

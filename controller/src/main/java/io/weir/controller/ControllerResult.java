package io.weir.controller;

import io.weir.controller.record.MetadataRecord;
import java.util.List;

/**
 * What a control manager decided: the records to commit and the response to send once they
 * are committed. An empty record list means nothing changes (validation failures, no-ops).
 */
public record ControllerResult<T>(List<MetadataRecord> records, T response) {
    public ControllerResult {
        records = List.copyOf(records);
    }

    public static <T> ControllerResult<T> of(List<MetadataRecord> records, T response) {
        return new ControllerResult<>(records, response);
    }

    public static <T> ControllerResult<T> noChange(T response) {
        return new ControllerResult<>(List.of(), response);
    }
}

package io.weir.controller.partition;

/** Kafka's ElectionType: PREFERRED = 0, UNCLEAN = 1. */
public enum ElectionType {
    PREFERRED, UNCLEAN
}

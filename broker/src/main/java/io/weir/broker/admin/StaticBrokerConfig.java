package io.weir.broker.admin;

import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigType;

/**
 * One setting of this node's YAML file, described as a Kafka broker config: under Kafka's name
 * where Kafka has the setting, else under Weir's YAML key.
 *
 * @param name         the config's name
 * @param value        its value on this node (null where unset, as Kafka shows an unset broker.rack)
 * @param defaultValue what it would be had the file not set it; null for settings with no default
 *                     (node.id, listeners, ...)
 * @param type         Kafka's type of the value
 * @param isStatic     whether the node file sets it (Kafka's STATIC_BROKER_CONFIG), rather than
 *                     leaving its default (DEFAULT_CONFIG)
 */
public record StaticBrokerConfig(String name, String value, String defaultValue, ConfigType type, boolean isStatic) {
}

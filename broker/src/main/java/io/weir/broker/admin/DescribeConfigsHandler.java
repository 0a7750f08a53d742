package io.weir.broker.admin;

import io.weir.broker.api.ApiHandler;
import io.weir.broker.metadata.MetadataView;
import io.weir.controller.config.TopicConfigs;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.record.ConfigResource;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsSynonym;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DescribeConfigsRequest;
import org.apache.kafka.common.requests.DescribeConfigsResponse;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigSource;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigType;
import org.apache.kafka.common.requests.RequestContext;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * DescribeConfigs from the metadata image: a topic's explicit configs plus the defaults of
 * every other topic config Weir knows, with the type and doc of {@link TopicConfigs}; a broker's
 * settings from its node file ({@link StaticBrokerConfig}) under the cluster's and its own dynamic
 * configs; with an empty name, the cluster's dynamic configs. Nothing here asks the controller.
 */
public final class DescribeConfigsHandler implements ApiHandler<DescribeConfigsRequest> {
    private final MetadataView metadata;
    private final List<StaticBrokerConfig> brokerConfigs;
    private final io.weir.broker.security.acl.Authorization authorization;

    /** @param brokerConfigs this node's own settings as Kafka broker configs */
    public DescribeConfigsHandler(MetadataView metadata, List<StaticBrokerConfig> brokerConfigs) {
        this(metadata, brokerConfigs, io.weir.broker.security.acl.Authorization.NONE);
    }

    /** Each resource needs DESCRIBE_CONFIGS on the topic, or on the cluster for brokers, as Kafka. */
    public DescribeConfigsHandler(MetadataView metadata, List<StaticBrokerConfig> brokerConfigs,
                                  io.weir.broker.security.acl.Authorization authorization) {
        this.metadata = metadata;
        this.brokerConfigs = List.copyOf(brokerConfigs);
        this.authorization = authorization;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, DescribeConfigsRequest request) {
        MetadataImage image = metadata.image();
        DescribeConfigsResponseData out = new DescribeConfigsResponseData();
        for (DescribeConfigsRequestData.DescribeConfigsResource r : request.data().resources()) {
            Optional<Errors> refusal = ConfigResources.refusal(authorization, context, r.resourceType(), r.resourceName(),
                    io.weir.controller.acl.AclBinding.Operation.DESCRIBE_CONFIGS);
            out.results().add(refusal.isPresent()
                    ? new DescribeConfigsResult().setResourceType(r.resourceType()).setResourceName(r.resourceName())
                            .setErrorCode(refusal.get().code()).setErrorMessage(refusal.get().message())
                    : describe(image, r, request.data().includeSynonyms(), request.data().includeDocumentation()));
        }
        return CompletableFuture.completedFuture(new DescribeConfigsResponse(out));
    }

    private DescribeConfigsResult describe(MetadataImage image, DescribeConfigsRequestData.DescribeConfigsResource r,
                                           boolean includeSynonyms, boolean includeDocumentation) {
        DescribeConfigsResult result = new DescribeConfigsResult().setResourceType(r.resourceType())
                .setResourceName(r.resourceName()).setErrorCode(Errors.NONE.code());
        Optional<ConfigResource> resource = ConfigResources.resource(r.resourceType(), r.resourceName());
        if (resource.isEmpty()) {
            return result.setErrorCode(Errors.INVALID_REQUEST.code())
                    .setErrorMessage("unsupported resource type " + r.resourceType());
        }
        List<String> keys = r.configurationKeys();
        switch (resource.get().type()) {
            case TOPIC -> {
                if (image.topic(r.resourceName()).isEmpty()) {
                    return result.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code())
                            .setErrorMessage("topic " + r.resourceName() + " does not exist");
                }
                TopicConfigs.effective(image.configs(resource.get())).forEach((name, value) -> {
                    if (keys == null || keys.contains(name)) {
                        result.configs().add(topicEntry(name, value, includeSynonyms, includeDocumentation));
                    }
                });
            }
            case BROKER -> {
                int id;
                try {
                    id = Integer.parseInt(r.resourceName());
                } catch (NumberFormatException e) {
                    return result.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage("broker id must be a number");
                }
                if (id != metadata.nodeId()) {
                    return result.setErrorCode(Errors.INVALID_REQUEST.code())
                            .setErrorMessage("describe broker " + id + " on broker " + id + ", not on " + metadata.nodeId());
                }
                Map<String, String> cluster = image.configs(new ConfigResource(ConfigResource.Type.CLUSTER, ""));
                Map<String, String> broker = image.configs(resource.get());
                Map<String, DescribeConfigsResourceResult> entries = new TreeMap<>();
                for (StaticBrokerConfig c : brokerConfigs) {
                    entries.put(c.name(), staticEntry(c, includeSynonyms));
                }
                cluster.forEach((name, value) -> entries.put(name, entry(name, value, ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG)));
                broker.forEach((name, value) -> entries.put(name, entry(name, value, ConfigSource.DYNAMIC_BROKER_CONFIG)));
                entries.forEach((name, entry) -> {
                    if (keys == null || keys.contains(name)) result.configs().add(entry);
                });
            }
            case CLUSTER -> new TreeMap<>(image.configs(resource.get())).forEach((name, value) -> {
                if (keys == null || keys.contains(name)) {
                    result.configs().add(entry(name, value, ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG));
                }
            });
            default -> {
                return result.setErrorCode(Errors.INVALID_REQUEST.code());
            }
        }
        return result;
    }

    /**
     * A topic config as Kafka describes it: TOPIC_CONFIG where the topic sets it, else DEFAULT_CONFIG;
     * its synonyms are the topic's value and the broker default it falls back to (by the broker's name).
     */
    private static DescribeConfigsResourceResult topicEntry(String name, TopicConfigs.Value value,
                                                            boolean includeSynonyms, boolean includeDocumentation) {
        DescribeConfigsResourceResult entry = entry(name, value.value(),
                value.isDefault() ? ConfigSource.DEFAULT_CONFIG : ConfigSource.TOPIC_CONFIG);
        TopicConfigs.ConfigKey key = TopicConfigs.find(name).orElseThrow();
        entry.setConfigType(ConfigType.valueOf(key.type().name()).id());
        if (includeDocumentation) entry.setDocumentation(key.doc());
        if (includeSynonyms) {
            if (!value.isDefault()) {
                entry.synonyms().add(new DescribeConfigsSynonym().setName(name).setValue(value.value())
                        .setSource(ConfigSource.TOPIC_CONFIG.id()));
            }
            entry.synonyms().add(new DescribeConfigsSynonym().setName(TopicConfigs.brokerSynonym(name).orElse(name))
                    .setValue(key.defaultValue()).setSource(ConfigSource.DEFAULT_CONFIG.id()));
        }
        return entry;
    }

    /**
     * A setting of the node file, read-only as every static broker config is while Weir cannot
     * alter broker configs; its synonyms are the file's value and the default, as Kafka lists them.
     */
    private static DescribeConfigsResourceResult staticEntry(StaticBrokerConfig c, boolean includeSynonyms) {
        DescribeConfigsResourceResult entry = entry(c.name(), c.value(),
                c.isStatic() ? ConfigSource.STATIC_BROKER_CONFIG : ConfigSource.DEFAULT_CONFIG)
                .setReadOnly(true).setConfigType(c.type().id());
        if (includeSynonyms) {
            if (c.isStatic()) {
                entry.synonyms().add(new DescribeConfigsSynonym().setName(c.name()).setValue(c.value())
                        .setSource(ConfigSource.STATIC_BROKER_CONFIG.id()));
            }
            if (!c.isStatic() || c.defaultValue() != null) {
                entry.synonyms().add(new DescribeConfigsSynonym().setName(c.name()).setValue(c.defaultValue())
                        .setSource(ConfigSource.DEFAULT_CONFIG.id()));
            }
        }
        return entry;
    }

    private static DescribeConfigsResourceResult entry(String name, String value, ConfigSource source) {
        return new DescribeConfigsResourceResult().setName(name).setValue(value).setReadOnly(false)
                .setConfigSource(source.id()).setIsSensitive(false).setConfigType(ConfigType.UNKNOWN.id());
    }
}

package io.weir.broker.node;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The YAML form of a {@link NodeConfig}: the one mapper that reads and writes node files, so what
 * is written is always what is read back (an unknown key or a bad value throws on reading).
 */
final class NodeConfigYaml {
    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .build())
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);

    private NodeConfigYaml() {
    }

    static NodeConfig read(Path file) throws IOException {
        return YAML.readValue(file.toFile(), NodeConfig.class);
    }

    static NodeConfig parse(String yaml) throws IOException {
        return YAML.readValue(yaml, NodeConfig.class);
    }

    /** Every setting explicit, defaults included. */
    static String write(NodeConfig config) {
        try {
            return YAML.writeValueAsString(config);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code config} with {@code settings} (YAML keys) replaced, checked as a file being read is. */
    static NodeConfig with(NodeConfig config, Map<String, ?> settings) {
        ObjectNode tree = YAML.valueToTree(config);
        settings.forEach((key, value) -> tree.set(key, YAML.valueToTree(value)));
        try {
            return YAML.treeToValue(tree, NodeConfig.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("invalid node settings " + settings + ": " + e.getOriginalMessage(), e);
        }
    }
}

package io.weir.cli;

import org.apache.kafka.clients.CommonClientConfigs;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Where and how client commands connect: {@code --bootstrap-server} and {@code --command-config}
 * (a Kafka client properties file, as Kafka's own tools take it: security settings and any other
 * client config); without {@code --bootstrap-server}, the local cluster's {@code weir-data/bootstrap}
 * and, when {@code cluster up --secure} wrote one, its {@code weir-data/client.properties}.
 */
final class ClientOptions {
    static final Path LOCAL_CLUSTER = Path.of("weir-data");
    static final String CLIENT_PROPERTIES = "client.properties";

    @Option(names = {"--bootstrap-server", "-b"}, description = "host:port[,host:port...] (default: contents of ./weir-data/bootstrap)")
    String bootstrap;
    @Option(names = "--command-config", description = "Kafka client properties (e.g. security.protocol, sasl.*, ssl.*) "
            + "(default with the local cluster: ./weir-data/client.properties if present)")
    Path commandConfig;

    String bootstrap() throws IOException {
        if (bootstrap != null) return bootstrap;
        Path file = LOCAL_CLUSTER.resolve("bootstrap");
        if (Files.exists(file)) return Files.readString(file).trim();
        throw new IllegalArgumentException("no --bootstrap-server given and no weir-data/bootstrap file");
    }

    /** The client config: the properties file's settings, then the bootstrap servers, then {@code overrides}. */
    Map<String, Object> config(Map<String, ?> overrides) throws IOException {
        Path file = commandConfig;
        Path local = LOCAL_CLUSTER.resolve(CLIENT_PROPERTIES);
        if (file == null && bootstrap == null && Files.exists(local)) file = local;
        return config(bootstrap(), file, overrides);
    }

    /** The config of a client of the local cluster in {@code dir}, with its client.properties if it has one. */
    static Map<String, Object> forCluster(Path dir, String bootstrap, Map<String, ?> overrides) throws IOException {
        Path file = dir.resolve(CLIENT_PROPERTIES);
        return config(bootstrap, Files.exists(file) ? file : null, overrides);
    }

    private static Map<String, Object> config(String bootstrap, Path file, Map<String, ?> overrides) throws IOException {
        Map<String, Object> config = new HashMap<>();
        if (file != null) {
            Properties properties = new Properties();
            try (Reader in = Files.newBufferedReader(file)) {
                properties.load(in);
            } catch (java.nio.file.NoSuchFileException e) {
                throw new IllegalArgumentException("--command-config: no such file " + file);
            }
            properties.forEach((k, v) -> config.put(k.toString(), v));
        }
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.putAll(overrides);
        return config;
    }
}

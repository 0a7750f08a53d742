package io.weir.bench.compare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Apache Kafka's broker and tools classpath, resolved by Maven from {@code bench/kafka/pom.xml}
 * (a pom of its own, so Weir's dependency management does not touch Kafka's versions) into
 * {@code bench/target/apache-kafka.classpath}, again whenever that pom is newer than the file.
 */
final class KafkaClasspath {
    private KafkaClasspath() {
    }

    static String resolve(Path root) throws IOException, InterruptedException {
        Path pom = root.resolve("bench/kafka/pom.xml");
        Path file = root.resolve("bench/target/apache-kafka.classpath");
        if (!Files.exists(pom)) throw new IOException("no " + pom + ": --root must be the Weir source tree");
        if (!Files.exists(file) || Files.getLastModifiedTime(file).compareTo(Files.getLastModifiedTime(pom)) < 0) {
            Files.createDirectories(file.getParent());
            // Offline first (the usual case: already in ~/.m2), then from Maven Central.
            if (!mvn(root, pom, file, true) && !mvn(root, pom, file, false)) {
                throw new IOException("could not resolve Apache Kafka's classpath: mvn -f " + pom
                        + " dependency:build-classpath failed; see " + file.resolveSibling("apache-kafka.classpath.log"));
            }
        }
        return Files.readString(file).trim();
    }

    private static boolean mvn(Path root, Path pom, Path file, boolean offline) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("mvn", "-B", "-q"));
        if (offline) command.add("-o");
        command.addAll(List.of("-f", pom.toString(), "dependency:build-classpath", "-Dmdep.outputFile=" + file));
        Process p = new ProcessBuilder(command).directory(root.toFile())
                .redirectErrorStream(true)
                .redirectOutput(file.resolveSibling("apache-kafka.classpath.log").toFile())
                .start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly().waitFor();
            return false;
        }
        return p.exitValue() == 0 && Files.exists(file);
    }
}

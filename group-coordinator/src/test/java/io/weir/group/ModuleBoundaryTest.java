package io.weir.group;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The coordinator reaches the offsets topic only through {@code replication}. Maven keeps
 * {@code broker} out (it is not a dependency), but {@code storage} is on the classpath through
 * replication, so only this test keeps it out of the sources.
 */
class ModuleBoundaryTest {
    @Test
    void mainSourcesNameNeitherStorageNorBroker() throws IOException {
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            List<String> offending = files.filter(f -> f.toString().endsWith(".java"))
                    .flatMap(ModuleBoundaryTest::lines)
                    .filter(l -> l.contains("io.weir.storage.") || l.contains("io.weir.broker."))
                    .toList();
            assertThat(offending).isEmpty();
        }
    }

    private static Stream<String> lines(Path file) {
        try {
            return Files.readAllLines(file).stream().map(String::strip);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package io.weir.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFileTest {
    @TempDir
    Path dir;

    @Test
    void createsThenReplacesTheWholeFileAndLeavesNoTemporaryFile() throws IOException {
        Path target = dir.resolve("sub").resolve("state");
        AtomicFile.writeUtf8(target, "a much longer first version\n");
        AtomicFile.writeUtf8(target, "v2\n");

        assertThat(Files.readString(target, StandardCharsets.UTF_8)).isEqualTo("v2\n");
        try (Stream<Path> files = Files.list(target.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("state");
        }
    }

    @Test
    void aTemporaryFileLeftByACrashIsOverwrittenAndNeverReadAsTheTarget() throws IOException {
        Path target = dir.resolve("state");
        AtomicFile.write(target, new byte[] {1, 2, 3});
        Files.write(dir.resolve("state.tmp"), new byte[] {9, 9, 9, 9, 9, 9}); // a torn write before a crash

        assertThat(Files.readAllBytes(target)).containsExactly(1, 2, 3);
        AtomicFile.write(target, new byte[] {4});
        assertThat(Files.readAllBytes(target)).containsExactly(4);
        assertThat(Files.exists(dir.resolve("state.tmp"))).isFalse();
    }
}

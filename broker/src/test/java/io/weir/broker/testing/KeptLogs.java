package io.weir.broker.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.TestInfo;

/**
 * A test's logs (every {@code *.log} under its {@code @TempDir}: node, ZooKeeper, worker logs)
 * copied to {@code target/test-logs/<class>/<test>/}, from an {@code @AfterEach}, so that the
 * temporary directory can go, pass or fail, and a failure can still be read.
 */
public final class KeptLogs {
    private static final Path ROOT = Path.of("target", "test-logs");

    private KeptLogs() {
    }

    /** Where {@link #copy} puts the logs of {@code test}. */
    public static Path of(TestInfo test) {
        String className = test.getTestClass().map(Class::getSimpleName).orElse("unknown");
        String method = test.getTestMethod().map(Method::getName).orElse("unknown");
        // A parameterized or repeated test's cases by their display names; a plain test's is its method's.
        String testName = test.getDisplayName().equals(method + "()") ? method
                : method + "-" + test.getDisplayName().replaceAll("[^A-Za-z0-9._-]+", "_");
        return ROOT.resolve(className).resolve(testName);
    }

    /** Copies the logs under {@code dir}; a log that cannot be copied is reported, never failing the test. */
    public static void copy(Path dir, TestInfo test) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        Path out = of(test);
        List<Path> logs;
        try (Stream<Path> files = Files.walk(dir)) {
            logs = files.filter(p -> p.getFileName().toString().endsWith(".log") && Files.isRegularFile(p)).toList();
        } catch (IOException | UncheckedIOException e) {
            System.err.println("Could not list the logs under " + dir + ": " + e);
            return;
        }
        for (Path log : logs) {
            Path target = out.resolve(dir.relativize(log).toString());
            try {
                Files.createDirectories(target.getParent());
                Files.copy(log, target, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                System.err.println("Could not keep " + log + ": " + e);
            }
        }
    }
}

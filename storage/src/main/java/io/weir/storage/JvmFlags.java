package io.weir.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * The JVM flags Chronicle Queue needs on Java 17+, as defined once in the root pom
 * ({@code weir.jvm.flags}) and filtered into {@code weir-jvm-flags.txt} at build time.
 * Child JVMs (crash tests, JMH forks, the launcher) must start with exactly these.
 */
public final class JvmFlags {
    private static final String RESOURCE = "/weir-jvm-flags.txt";

    private JvmFlags() {
    }

    /** The flags, one list element per flag. */
    public static List<String> chronicle() {
        try (InputStream in = JvmFlags.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the classpath");
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            if (text.isEmpty() || text.contains("${")) {
                throw new IllegalStateException(RESOURCE + " was not filtered by the build: " + text);
            }
            return List.copyOf(Arrays.asList(text.split("\\s+")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

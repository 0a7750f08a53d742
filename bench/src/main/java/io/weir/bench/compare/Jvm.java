package io.weir.bench.compare;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Starts child JVMs, registered with {@link Children}, and runs bounded ones to completion. */
public final class Jvm {
    private final Children children;

    public Jvm(Children children) {
        this.children = children;
    }

    /** {@code java <jvmArgs> -cp classpath mainClass args}, output appended to {@code log}. */
    public Process start(List<String> jvmArgs, String classpath, String mainClass, List<String> args, Path log)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmArgs);
        command.add("-cp");
        command.add(classpath);
        command.add(mainClass);
        command.addAll(args);
        Files.createDirectories(log.toAbsolutePath().getParent());
        Process p = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectErrorStream(true)
                .start();
        children.add(p.pid());
        return p;
    }

    /**
     * Runs to the end within {@code timeout} and returns the lines it printed; a non-zero exit or
     * the timeout (the process is killed) throws with the tail of its output.
     */
    public List<String> run(List<String> jvmArgs, String classpath, String mainClass, List<String> args, Path log,
                            Duration timeout) throws IOException, InterruptedException {
        Files.deleteIfExists(log);
        Process p = start(jvmArgs, classpath, mainClass, args, log);
        boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!done) children.kill(p.pid());
        children.forget(p.pid());
        List<String> lines = Files.readAllLines(log);
        if (!done || p.exitValue() != 0) {
            int from = Math.max(0, lines.size() - 30);
            throw new IOException(mainClass.substring(mainClass.lastIndexOf('.') + 1) + " "
                    + (done ? "exited with " + p.exitValue() : "did not finish within " + timeout) + "; see " + log
                    + ":\n" + String.join("\n", lines.subList(from, lines.size())));
        }
        return lines;
    }
}

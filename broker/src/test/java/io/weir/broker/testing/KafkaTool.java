package io.weir.broker.testing;

import org.apache.kafka.common.utils.Exit;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Runs one of Apache Kafka's command-line tools ({@code kafka-tools}) in this JVM: its exit turned
 * into a return, its stdout and stderr captured (and echoed, so a failing test shows what the tool said).
 *
 * @param exitCode what the tool exited with, 0 when it did not call exit
 * @param output   what it printed on stdout
 * @param errors   what it printed on stderr
 */
public record KafkaTool(int exitCode, String output, String errors) {

    private static final class ToolExit extends RuntimeException {
        ToolExit(int code) {
            super("exit " + code, null, false, false);
        }
    }

    /** Runs {@code main} with {@code args}; one tool at a time, since stdout and Kafka's exit procedure are global. */
    public static synchronized KafkaTool run(Consumer<String[]> main, String... args) {
        PrintStream original = System.out;
        PrintStream originalErr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        ByteArrayOutputStream capturedErr = new ByteArrayOutputStream();
        // The first exit is the tool's answer: some tools exit in a finally block, and the
        // exception that stands for that exit would reach their catch-all and exit again with 1.
        int[] firstExit = {-1};
        Exit.setExitProcedure((status, message) -> {
            if (firstExit[0] < 0) firstExit[0] = status;
            throw new ToolExit(status);
        });
        try (PrintStream out = new PrintStream(captured, true, StandardCharsets.UTF_8);
             PrintStream err = new PrintStream(capturedErr, true, StandardCharsets.UTF_8)) {
            System.setOut(out);
            System.setErr(err);
            main.accept(args);
        } catch (ToolExit e) {
            // the code is firstExit's
        } finally {
            System.setOut(original);
            System.setErr(originalErr);
            Exit.resetExitProcedure();
        }
        String output = captured.toString(StandardCharsets.UTF_8);
        int code = Math.max(0, firstExit[0]);
        String errors = capturedErr.toString(StandardCharsets.UTF_8);
        original.println("kafka tool " + String.join(" ", args) + " exited " + code + ":\n" + output
                + (errors.isEmpty() ? "" : "stderr:\n" + errors));
        return new KafkaTool(code, output, errors);
    }
}

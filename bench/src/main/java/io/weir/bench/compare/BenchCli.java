package io.weir.bench.compare;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code weir bench ...}: bin/weir hands its arguments here, on the bench module's classpath. */
@Command(name = "weir bench", mixinStandardHelpOptions = true, subcommands = {CompareCommand.class, MemoryCommand.class},
        description = "Benchmarks that need more than a node's classpath (Apache Kafka's own broker and tools).")
public final class BenchCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        // Set before any logger exists. Not logback.xml, which would shadow the broker's in the Weir nodes
        // started on this module's classpath.
        System.setProperty("logback.configurationFile", "logback-compare.xml");
        System.exit(new CommandLine(new BenchCli()).execute(args));
    }
}

package io.weir.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code bin/weir}: run a node, run a local cluster, and simple topic/produce/consume commands
 * for people trying Weir out.
 */
@Command(name = "weir", mixinStandardHelpOptions = true, version = "weir 0.1.0-SNAPSHOT",
        description = "A Kafka-compatible, partitioned, replicated log.",
        subcommands = {ServerCommand.class, ClusterCommand.class, TopicsCommand.class,
                ProduceCommand.class, ConsumeCommand.class, MetadataCommand.class, GroupsCommand.class,
                QuorumCommand.class, ReassignmentsCommand.class})
public final class WeirCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new WeirCli()).execute(args));
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}

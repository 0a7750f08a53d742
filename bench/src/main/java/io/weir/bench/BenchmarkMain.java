package io.weir.bench;

import io.weir.storage.JvmFlags;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs JMH with the usual command line, adding the Chronicle JVM flags (the build's single
 * definition, see {@link JvmFlags}) to every forked benchmark JVM.
 */
public final class BenchmarkMain {
    private BenchmarkMain() {
    }

    public static void main(String[] args) throws Exception {
        CommandLineOptions cli = new CommandLineOptions(args);
        if (cli.shouldHelp() || cli.shouldList() || cli.shouldListWithParams() || cli.shouldListProfilers()
                || cli.shouldListResultFormats()) {
            org.openjdk.jmh.Main.main(args);
            return;
        }
        new Runner(new OptionsBuilder()
                .parent(cli)
                .jvmArgsAppend(JvmFlags.chronicle().toArray(String[]::new))
                .build())
                .run();
    }
}

package io.weir.bench;

import io.weir.storage.JvmFlags;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.util.stream.Stream;

/**
 * Runs JMH with the usual command line, adding the Chronicle JVM flags (the build's single
 * definition, see {@link JvmFlags}) to every forked benchmark JVM.
 */
public final class BenchmarkMain {
    /**
     * Not logback.xml: this module's classes are on the classpath of the Weir nodes that `bench compare`
     * starts, which must find the broker's logback.xml.
     */
    private static final String LOGBACK = "-Dlogback.configurationFile=logback-bench.xml";

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
                .jvmArgsAppend(Stream.concat(JvmFlags.chronicle().stream(), Stream.of(LOGBACK))
                        .toArray(String[]::new))
                .build())
                .run();
    }
}

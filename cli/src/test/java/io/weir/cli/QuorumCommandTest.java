package io.weir.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.broker.node.NodeConfig;
import io.weir.broker.node.WeirNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class QuorumCommandTest {
    @TempDir
    Path dir;

    @Test
    void statusShowsEachMembersLagBehindTheLeader() {
        List<String> lines = QuorumCommand.lines(2, 7, 120, List.of(
                new QuorumCommand.Member(2, "leader", 121, OptionalLong.empty()),
                new QuorumCommand.Member(1, "voter", 121, OptionalLong.of(9_950)),
                new QuorumCommand.Member(4, "voter", 100, OptionalLong.of(9_000)),
                new QuorumCommand.Member(5, "listener", -1, OptionalLong.empty())), 10_000);
        assertThat(lines.get(0)).isEqualTo("leader: 2  epoch: 7  high watermark: 120");
        assertThat(lines.get(2)).matches("2 +leader +121 +0 -");
        assertThat(lines.get(3)).matches("1 +voter +121 +0 50 ms ago");
        assertThat(lines.get(4)).matches("4 +voter +100 +21 1000 ms ago");
        assertThat(lines.get(5)).matches("5 +listener +\\? +\\? never");
    }

    /** The commands against a real one-voter Ratis node: its status, and refusals with their reason. */
    @Test
    void statusAndRefusedChangesAgainstARealQuorum() throws Exception {
        int quorumPort;
        try (ServerSocket s = new ServerSocket(0)) {
            quorumPort = s.getLocalPort();
        }
        try (WeirNode node = WeirNode.start(NodeConfig.parse("""
                node.id: 1
                cluster.id: cli-quorum
                data.dir: %s
                listeners:
                  kafka: 127.0.0.1:0
                coordination:
                  backend: ratis
                  voters:
                    - {id: 1, host: 127.0.0.1, quorum.port: %d, kafka.port: 0}
                """.formatted(dir.resolve("node-1"), quorumPort)))) {
            node.awaitReady(Duration.ofSeconds(60));
            String b = node.bootstrapServers();
            Result status = run("quorum", "status", "-b", b);
            assertThat(status.code()).isZero();
            assertThat(status.out()).containsPattern("leader: 1  epoch: [1-9]\\d*  high watermark: [1-9]")
                    .containsPattern("(?m)^1 +leader +\\d+ +0 -$");

            Result last = run("quorum", "remove-voter", "1", "-b", b);
            assertThat(last.code()).isEqualTo(1);
            assertThat(last.err()).contains("refused: node 1 is the last voter");
            Result unknown = run("quorum", "add-voter", "9", "-b", b);
            assertThat(unknown.code()).isEqualTo(1);
            assertThat(unknown.err()).contains("refused: node 9 is not a member of the metadata quorum");
        }
    }

    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        PrintStream original = System.out;
        PrintStream originalErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setOut(o);
            System.setErr(e);
            code = new CommandLine(new WeirCli()).execute(args);
        } finally {
            System.setOut(original);
            System.setErr(originalErr);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}

package io.weir.broker.network;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class FileDescriptorsTest {

    @Test
    void theDefaultsOfTheDevMachineShareItsLimitExactly() {
        // ulimit -n 20,000 and vm.max_map_count 65,530: LogManager's bound is 7,500 queues.
        int reserved = FileDescriptors.reservedFor(7_500);
        assertThat(reserved).isEqualTo(16_000);
        int connections = FileDescriptors.maxConnectionsWithin(20_000, reserved);
        assertThat(connections).isEqualTo(4_000);
        assertThat(FileDescriptors.maxOpenQueuesWithin(20_000, 7_500, connections)).isEqualTo(7_500);
    }

    @Test
    void moreConnectionsThanTheReserveLeavesMeanFewerQueues() {
        assertThat(FileDescriptors.maxOpenQueuesWithin(20_000, 7_500, 10_000)).isEqualTo(4_500);
        assertThat(FileDescriptors.maxOpenQueuesWithin(20_000, 7_500, 4_000)).isEqualTo(7_500);
        // The old fixed reserve of 3,000 gave 17,000 connections next to 7,500 queues (32,000 descriptors).
        assertThat(FileDescriptors.maxOpenQueuesWithin(20_000, 7_500, 17_000)).isEqualTo(1_000);
        // Never fewer than the minimum, even when connections take everything.
        assertThat(FileDescriptors.maxOpenQueuesWithin(1_024, 384, 1_024)).isEqualTo(FileDescriptors.MIN_QUEUES);
        assertThat(FileDescriptors.maxOpenQueuesWithin(1_024, 10, 1_024)).isEqualTo(10);
    }

    @Test
    void aSmallLimitStillAdmitsAnEighthAsConnections() {
        assertThat(FileDescriptors.maxConnectionsWithin(1_024, FileDescriptors.reservedFor(384))).isEqualTo(128);
        assertThat(FileDescriptors.maxConnectionsWithin(1, 100)).isEqualTo(1);
    }

    /**
     * Open queues (two descriptors each), connections and the node's base never exceed the limit,
     * unless the queue bound sits at its floor; with the default reserve the storage bound is kept.
     */
    @Property(tries = 1_000)
    void queuesAndConnectionsStayWithinTheLimit(@ForAll @LongRange(min = 1, max = 4_000_000) long limit,
                                               @ForAll @IntRange(min = 1, max = 100_000) int storageBound,
                                               @ForAll @IntRange(min = 0, max = 4_000_000) int configuredConnections,
                                               @ForAll boolean defaults) {
        int connections = defaults
                ? FileDescriptors.maxConnectionsWithin(limit, FileDescriptors.reservedFor(storageBound))
                : configuredConnections;
        int queues = FileDescriptors.maxOpenQueuesWithin(limit, storageBound, connections);
        assertThat(queues).isBetween(Math.min(FileDescriptors.MIN_QUEUES, storageBound), storageBound);
        if (queues > Math.min(FileDescriptors.MIN_QUEUES, storageBound)) {
            assertThat((long) FileDescriptors.PER_QUEUE * queues + connections + FileDescriptors.NODE_BASE)
                    .isLessThanOrEqualTo(limit);
        }
        if (defaults && limit - FileDescriptors.reservedFor(storageBound) >= limit / 8) {
            assertThat(queues).isEqualTo(storageBound);
        }
    }
}

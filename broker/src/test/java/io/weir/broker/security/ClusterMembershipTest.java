package io.weir.broker.security;

import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.junit.jupiter.api.Test;

import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class ClusterMembershipTest {
    private static final Optional<Set<Integer>> VOTERS = Optional.of(Set.of(1, 2, 3));

    private static KafkaPrincipal user(String name) {
        return new KafkaPrincipal(KafkaPrincipal.USER_TYPE, name);
    }

    @Test
    void withASecretOnlyTheAuthenticatedNodeActsAsItself() {
        ClusterMembership membership = ClusterMembership.of(VOTERS, true);

        assertThat(membership.mayActAs(user("weir-node-2"), 2)).isTrue();
        assertThat(membership.mayActAs(user("weir-node-2"), 3)).as("another member's id").isFalse();
        assertThat(membership.mayActAs(KafkaPrincipal.ANONYMOUS, 2)).isFalse();
        assertThat(membership.mayActAs(user("weir-node-99"), 99)).as("not a voter").isFalse();
        assertThat(membership.mayActAs(new KafkaPrincipal("Group", "weir-node-2"), 2)).isFalse();
    }

    @Test
    void withoutASecretAnyConnectionMayActAsAnExpectedNodeOnly() {
        ClusterMembership membership = ClusterMembership.of(VOTERS, false);

        assertThat(membership.mayActAs(KafkaPrincipal.ANONYMOUS, 1)).isTrue();
        assertThat(membership.mayActAs(KafkaPrincipal.ANONYMOUS, 99)).isFalse();
        assertThat(membership.mayActAs(KafkaPrincipal.ANONYMOUS, -1)).isFalse();
    }

    @Test
    void aBrokerThatJoinedTheQuorumAsAListenerIsAMemberToo() {
        java.util.Set<Integer> listeners = new java.util.HashSet<>();
        ClusterMembership membership = ClusterMembership.of(VOTERS, listeners::contains, true);

        assertThat(membership.mayActAs(user("weir-node-4"), 4)).as("not joined yet").isFalse();
        listeners.add(4);
        assertThat(membership.mayActAs(user("weir-node-4"), 4)).isTrue();
        assertThat(membership.mayActAs(KafkaPrincipal.ANONYMOUS, 4)).as("still needs the secret").isFalse();
        assertThat(ClusterMembership.of(VOTERS, listeners::contains, false).mayActAs(KafkaPrincipal.ANONYMOUS, 4))
                .isTrue();
    }

    @Test
    void onZooKeeperAnyIdMayJoinButOnlyWithTheSecret() {
        ClusterMembership membership = ClusterMembership.of(Optional.empty(), true);

        assertThat(membership.mayActAs(user("weir-node-99"), 99)).isTrue();
        assertThat(membership.mayActAs(KafkaPrincipal.ANONYMOUS, 99)).isFalse();
    }

    @Test
    void onlyWellFormedMemberNamesNameANode() {
        ClusterMembership membership = ClusterMembership.of(Optional.empty(), true);

        assertThat(membership.memberId("weir-node-7")).hasValue(7);
        assertThat(membership.memberId("weir-node-")).isEmpty();
        assertThat(membership.memberId("weir-node--1")).isEmpty();
        assertThat(membership.memberId("weir-node-1x")).isEmpty();
        assertThat(membership.memberId("weir-node-99999999999")).isEmpty();
        assertThat(membership.memberId("alice")).isEmpty();
        assertThat(membership.memberId(null)).isEmpty();
    }
}

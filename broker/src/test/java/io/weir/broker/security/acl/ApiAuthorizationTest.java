package io.weir.broker.security.acl;

import io.weir.controller.acl.AclBinding.Operation;
import io.weir.controller.acl.AclBinding.ResourceType;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.message.CreateAclsRequestData;
import org.apache.kafka.common.message.DescribeLogDirsRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.CreateAclsRequest;
import org.apache.kafka.common.requests.DescribeLogDirsRequest;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.OffsetDeleteRequest;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ApiAuthorizationTest {
    @Test
    void clusterAdminApisNeedTheirOperationOnTheCluster() {
        ApiAuthorization.Check create = ApiAuthorization.of(new CreateAclsRequest.Builder(new CreateAclsRequestData())
                .build()).orElseThrow();
        assertThat(create.operation()).isEqualTo(Operation.ALTER);
        assertThat(create.type()).isEqualTo(ResourceType.CLUSTER);
        assertThat(create.name()).isEqualTo("kafka-cluster");
        assertThat(create.refusal()).isInstanceOf(ClusterAuthorizationException.class);

        DescribeLogDirsRequest logDirs = new DescribeLogDirsRequest.Builder(new DescribeLogDirsRequestData()).build();
        assertThat(ApiAuthorization.of(logDirs).orElseThrow().operation()).isEqualTo(Operation.DESCRIBE);
        assertThat(logDirs.getErrorResponse(ApiAuthorization.of(logDirs).orElseThrow().refusal()).errorCounts())
                .containsKey(Errors.CLUSTER_AUTHORIZATION_FAILED);
    }

    @Test
    void theQuorumApisNeedDescribeOrAlterOnTheCluster() {
        var describe = new org.apache.kafka.common.requests.DescribeQuorumRequest.Builder(
                new org.apache.kafka.common.message.DescribeQuorumRequestData()).build();
        var add = new org.apache.kafka.common.requests.AddRaftVoterRequest.Builder(
                new org.apache.kafka.common.message.AddRaftVoterRequestData()).build();
        var remove = new org.apache.kafka.common.requests.RemoveRaftVoterRequest.Builder(
                new org.apache.kafka.common.message.RemoveRaftVoterRequestData()).build();

        assertThat(ApiAuthorization.of(describe).orElseThrow().operation()).isEqualTo(Operation.DESCRIBE);
        for (var change : java.util.List.of(add, remove)) {
            ApiAuthorization.Check check = ApiAuthorization.of(change).orElseThrow();
            assertThat(check.operation()).as(change.apiKey().name).isEqualTo(Operation.ALTER);
            assertThat(check.type()).isEqualTo(ResourceType.CLUSTER);
        }
    }

    @Test
    void groupApisNeedTheirOperationOnTheirGroup() {
        JoinGroupRequest join = new JoinGroupRequest.Builder(new JoinGroupRequestData().setGroupId("billing")
                .setProtocolType("consumer")).build();
        ApiAuthorization.Check check = ApiAuthorization.of(join).orElseThrow();
        assertThat(check).extracting(ApiAuthorization.Check::operation, ApiAuthorization.Check::type,
                ApiAuthorization.Check::name).containsExactly(Operation.READ, ResourceType.GROUP, "billing");
        assertThat(check.refusal()).isInstanceOf(GroupAuthorizationException.class);
        assertThat(join.getErrorResponse(check.refusal()).errorCounts()).containsKey(Errors.GROUP_AUTHORIZATION_FAILED);

        OffsetDeleteRequest delete = new OffsetDeleteRequest.Builder(new OffsetDeleteRequestData().setGroupId("billing"))
                .build();
        assertThat(ApiAuthorization.of(delete).orElseThrow().operation()).isEqualTo(Operation.DELETE);
    }

    @Test
    void requestsNamingManyResourcesAreLeftToTheirHandlers() {
        assertThat(ApiAuthorization.of(new MetadataRequest.Builder(List.of("orders"), false).build())).isEmpty();
    }
}

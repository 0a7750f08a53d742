package io.weir.broker.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module rules of docs/ARCHITECTURE.md, checked on the compiled classes of every module on
 * the broker's classpath: a change that breaks one fails the build, naming the offending
 * dependency.
 */
class ModuleRulesTest {
    private static JavaClasses weir;

    @BeforeAll
    static void importClasses() {
        weir = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.weir");
    }

    @Test
    void theControllerIsBackendNeutralAndKnowsNoStorage() {
        noClasses().that().resideInAPackage("io.weir.controller..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "org.apache.ratis..", "org.apache.zookeeper..", "org.apache.curator..", "io.netty..",
                        "io.weir.storage..", "io.weir.replication..", "io.weir.metadata..", "io.weir.broker..",
                        "io.weir.group..", "io.weir.cli..")
                .because("the same controller runs on every coordination backend (DESIGN.md decision 3)")
                .check(weir);
    }

    @Test
    void storageImportsNoOtherWeirModule() {
        noClasses().that().resideInAPackage("io.weir.storage..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.weir.controller..", "io.weir.replication..", "io.weir.metadata..", "io.weir.broker..",
                        "io.weir.group..", "io.weir.cli..")
                .check(weir);
    }

    @Test
    void replicationDependsOnlyOnStorageAndTheController() {
        noClasses().that().resideInAPackage("io.weir.replication..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.weir.metadata..", "io.weir.broker..", "io.weir.group..", "io.weir.cli..", "io.netty..")
                .check(weir);
    }

    @Test
    void handlersReachPartitionsOnlyThroughReplication() {
        noClasses().that().resideInAnyPackage("io.weir.broker..", "io.weir.group..")
                .and().resideOutsideOfPackage("io.weir.broker.node..")
                .should().dependOnClassesThat().resideInAPackage("io.weir.storage..")
                .because("a Produce or Fetch goes broker -> replication -> storage, never around replication;"
                        + " only node assembly (WeirNode) opens the log directory")
                .check(weir);
    }

    @Test
    void theMetadataQuorumKnowsNothingOfBrokersOrPartitionData() {
        noClasses().that().resideInAPackage("io.weir.metadata..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.weir.storage..", "io.weir.replication..", "io.weir.broker..", "io.weir.group..")
                .check(weir);
    }

    @Test
    void theZooKeeperBackendKnowsNothingOfBrokersPartitionDataOrRatis() {
        noClasses().that().resideInAPackage("io.weir.zk..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.weir.storage..", "io.weir.replication..", "io.weir.broker..", "io.weir.group..",
                        "io.weir.metadata..", "org.apache.ratis..")
                .because("zk-adapter is a Coordination backend beside metadata-quorum, not above it")
                .check(weir);
    }
}

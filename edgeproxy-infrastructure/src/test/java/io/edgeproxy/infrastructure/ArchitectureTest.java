package io.edgeproxy.infrastructure;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** Keeps the hexagon honest: infrastructure knows the domain's ports, never an adapter module. */
class ArchitectureTest {

    private final JavaClasses infrastructure = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.edgeproxy.infrastructure");

    @Test
    void infrastructureNeverDependsOnAnAdapterModule() {
        noClasses().that().resideInAPackage("io.edgeproxy.infrastructure..")
                .should().dependOnClassesThat().resideInAPackage("io.edgeproxy.adapters..")
                .check(infrastructure);
    }

    @Test
    void componentsDoNotReachIntoTheEngineInternals() {
        noClasses().that().resideInAPackage("io.edgeproxy.infrastructure..")
                .and().resideOutsideOfPackages("io.edgeproxy.infrastructure.proxy..", "io.edgeproxy.infrastructure")
                .should().dependOnClassesThat().resideInAPackage("io.edgeproxy.infrastructure.proxy.internal..")
                .check(infrastructure);
    }
}

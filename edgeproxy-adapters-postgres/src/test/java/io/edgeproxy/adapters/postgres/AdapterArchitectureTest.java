package io.edgeproxy.adapters.postgres;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** The adapter plugs into the domain's port; it never reaches into the proxy's infrastructure. */
class AdapterArchitectureTest {

    private final JavaClasses adapter = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.edgeproxy.adapters.postgres");

    @Test
    void dependsOnTheDomainNeverOnInfrastructure() {
        noClasses().should().dependOnClassesThat().resideInAPackage("io.edgeproxy.infrastructure..")
                .check(adapter);
    }

    @Test
    void theApiDoesNotExposeTheMachinery() {
        noClasses().that().resideInAPackage("io.edgeproxy.adapters.postgres.internal..")
                .should().dependOnClassesThat().resideInAPackage("io.edgeproxy.adapters.postgres")
                .check(adapter);
    }
}

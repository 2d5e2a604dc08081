package io.edgeproxy.adapters.prometheus;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** The adapter plugs into the engine through its public SPI only. */
class PrometheusAdapterArchitectureTest {

    private final JavaClasses adapter = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.edgeproxy.adapters.prometheus");

    @Test
    void usesNoInternalPackageOfTheInfrastructure() {
        noClasses().that().resideInAPackage("io.edgeproxy.adapters.prometheus..")
                .should().dependOnClassesThat().resideInAPackage("io.edgeproxy.infrastructure..internal..")
                .check(adapter);
    }
}

package io.edgeproxy.domain;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import io.edgeproxy.domain.routing.RoutingService;
import org.assertj.core.api.AbstractAssert;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static org.assertj.core.api.Assertions.assertThat;

/** The domain is the pure-JDK core of the hexagon: no library, no logger, no adapter. */
class DomainArchitectureTest {

    private static final ArchRule DOMAIN_DEPENDS_ONLY_ON_THE_JDK_AND_ITSELF = classes()
            .that().resideInAPackage("io.edgeproxy.domain..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "io.edgeproxy.domain..")
            .because("the domain module has no dependency at all (see ARCHITECTURE.md)");

    @Test
    void domainDependsOnlyOnTheJdkAndItself() {
        JavaClasses domain = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.edgeproxy.domain");

        assertThat(domain.contain(Backend.class)).isTrue();
        assertThat(domain.contain(RoutingService.class)).isTrue();
        assertThat(domain.contain(DomainArchitectureTest.class)).as("test classes are left out").isFalse();
        DOMAIN_DEPENDS_ONLY_ON_THE_JDK_AND_ITSELF.check(domain);
    }

    @Test
    void theRuleCatchesADomainClassUsingALibrary() {
        JavaClasses offender = new ClassFileImporter().importClasses(UsesALibrary.class);

        assertThat(DOMAIN_DEPENDS_ONLY_ON_THE_JDK_AND_ITSELF.evaluate(offender).hasViolation()).isTrue();
    }

    /** What the rule must refuse: a class in the domain's packages that reaches outside the JDK. */
    static final class UsesALibrary {
        AbstractAssert<?, ?> assertion;
    }
}

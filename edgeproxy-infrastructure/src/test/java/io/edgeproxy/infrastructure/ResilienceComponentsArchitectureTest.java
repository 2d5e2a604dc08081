package io.edgeproxy.infrastructure;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The resilience components (rate limiter, circuit breaker, health checks, connection pool) stand
 * alone: each uses only the JDK, SLF4J, the domain, itself, the engine's public seams (the event
 * loops, the hook interfaces of package {@code proxy}, never {@code proxy.internal}, address
 * helpers) and the shared validation helpers, and nobody reaches into another component's
 * {@code internal} package.
 */
class ResilienceComponentsArchitectureTest {

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.edgeproxy.infrastructure");

    @ParameterizedTest
    @ValueSource(strings = {"ratelimit", "circuit", "health", "pool"})
    void aComponentDependsOnlyOnTheJdkSlf4jTheDomainTheEngineSpiAndItself(String component) {
        classes().that().resideInAPackage("io.edgeproxy.infrastructure." + component + "..")
                .should().onlyDependOnClassesThat()
                .resideInAnyPackage("java..", "org.slf4j..", "io.edgeproxy.domain..",
                        "io.edgeproxy.infrastructure." + component + "..",
                        "io.edgeproxy.infrastructure.proxy", "io.edgeproxy.infrastructure.loop",
                        "io.edgeproxy.infrastructure.net", "io.edgeproxy.infrastructure.internal")
                .check(CLASSES);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ratelimit", "circuit", "health", "pool", "config"})
    void nothingOutsideAComponentUsesItsInternals(String component) {
        noClasses().that().resideOutsideOfPackage("io.edgeproxy.infrastructure." + component + "..")
                .should().dependOnClassesThat()
                .resideInAPackage("io.edgeproxy.infrastructure." + component + ".internal..")
                .check(CLASSES);
    }

    @Test
    void theComponentsWereImported() {
        org.assertj.core.api.Assertions.assertThat(CLASSES.contain("io.edgeproxy.infrastructure.ratelimit.RateLimiter"))
                .isTrue();
    }
}

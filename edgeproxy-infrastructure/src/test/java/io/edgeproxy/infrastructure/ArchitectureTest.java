package io.edgeproxy.infrastructure;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import io.edgeproxy.adapters.fake.FakeAdapter;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps the hexagon honest: infrastructure knows the domain's ports, never an adapter module; the
 * engine's machinery is wired by the composition root only; the module exports no internal package.
 * Each rule has a negative control, so a rule that silently matches nothing fails here.
 */
class ArchitectureTest {

    static final ArchRule NO_ADAPTER = noClasses().that().resideInAPackage("io.edgeproxy.infrastructure..")
            .should().dependOnClassesThat().resideInAPackage("io.edgeproxy.adapters..");

    static final ArchRule ENGINE_INTERNALS_ONLY_FOR_THE_ROOT = noClasses()
            .that().resideInAPackage("io.edgeproxy.infrastructure..")
            .and().resideOutsideOfPackages("io.edgeproxy.infrastructure.proxy..", "io.edgeproxy.infrastructure")
            .should().dependOnClassesThat().resideInAPackage("io.edgeproxy.infrastructure.proxy.internal..");

    private final JavaClasses infrastructure = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.edgeproxy.infrastructure");

    @Test
    void infrastructureNeverDependsOnAnAdapterModule() {
        assertThat(infrastructure.contain(EdgeProxy.class)).isTrue();
        NO_ADAPTER.check(infrastructure);
    }

    @Test
    void componentsDoNotReachIntoTheEngineInternals() {
        ENGINE_INTERNALS_ONLY_FOR_THE_ROOT.check(infrastructure);
    }

    @Test
    void theRulesCatchTheirOffenders() {
        JavaClasses offenders = new ClassFileImporter().importClasses(
                io.edgeproxy.infrastructure.ratelimit.ArchitectureOffenders.USES_THE_ENGINE_INTERNALS, UsesAnAdapter.class);

        assertThat(NO_ADAPTER.evaluate(offenders).hasViolation()).isTrue();
        assertThat(ENGINE_INTERNALS_ONLY_FOR_THE_ROOT.evaluate(offenders).hasViolation()).isTrue();
    }

    @Test
    void theModuleExportsEveryApiPackageAndNoInternalOne() throws Exception {
        Path classes = Path.of(EdgeProxy.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        ModuleDescriptor module;
        try (InputStream in = Files.newInputStream(classes.resolve("module-info.class"))) {
            module = ModuleDescriptor.read(in);
        }
        assertThat(module.name()).isEqualTo("io.edgeproxy.infrastructure");
        assertThat(module.exports()).extracting(ModuleDescriptor.Exports::source)
                .contains("io.edgeproxy.infrastructure", "io.edgeproxy.infrastructure.proxy",
                        "io.edgeproxy.infrastructure.loop", "io.edgeproxy.infrastructure.circuit")
                .noneMatch(p -> p.contains(".internal"));
    }

    /** What {@link #NO_ADAPTER} must refuse: infrastructure using an adapter module's class. */
    static final class UsesAnAdapter {
        FakeAdapter adapter;
    }
}

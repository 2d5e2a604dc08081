package io.edgeproxy.infrastructure.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

import static org.assertj.core.api.Assertions.assertThat;

class DescriptorsTest {

    @Test
    @EnabledOnOs(OS.LINUX)
    void readsFromProcTheSameLimitAndOpenCountAsTheJdksManagementBean() {
        assertThat(Descriptors.limit()).isEqualTo(Descriptors.ManagementDescriptors.limit()).isPresent();

        long open = Descriptors.open().orElseThrow();
        long byBean = Descriptors.ManagementDescriptors.open().orElseThrow();
        // Other threads of the test JVM (surefire's, loops of earlier tests still closing their sockets)
        // may open or close a descriptor between the two reads.
        assertThat(open).isBetween(byBean - 4, byBean + 4);
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void countsADescriptorOpenedMeanwhile() throws IOException {
        long before = Descriptors.open().orElseThrow();
        try (var ignored = Files.newInputStream(Path.of("/proc/self/limits"))) {
            assertThat(Descriptors.open().orElseThrow()).isGreaterThan(before);
        }
    }

    @Test
    void parsesTheSoftLimitOfAProcLimitsFile(@TempDir Path dir) throws IOException {
        assertThat(limitOf(dir, "Max open files            1024                 524288               files")).hasValue(1024);
        assertThat(limitOf(dir, "Max open files            unlimited            unlimited            files"))
                .hasValue(Long.MAX_VALUE);
    }

    @Test
    void aFileWithoutTheLineOrWithoutAPositiveNumberGivesNoLimit(@TempDir Path dir) throws IOException {
        assertThat(limitOf(dir, "Max processes             95238                95238                processes")).isEmpty();
        assertThat(limitOf(dir, "Max open files            lots                 lots                 files")).isEmpty();
        assertThat(limitOf(dir, "Max open files            0                    0                    files")).isEmpty();
        assertThat(limitOf(dir, "Max open files            -1                   -1                   files")).isEmpty();
        assertThat(limitOf(dir, "Max open files")).isEmpty();
        assertThat(Descriptors.limitFrom(new File(dir.toFile(), "missing"))).isEmpty();
    }

    private static OptionalLong limitOf(Path dir, String line) throws IOException {
        Path file = dir.resolve("limits");
        Files.writeString(file, "Limit                     Soft Limit           Hard Limit           Units\n"
                + "Max cpu time              unlimited            unlimited            seconds\n" + line + "\n");
        return Descriptors.limitFrom(file.toFile());
    }
}

package io.edgeproxy.infrastructure.internal;

import com.sun.management.UnixOperatingSystemMXBean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

import static org.assertj.core.api.Assertions.assertThat;

class DescriptorsTest {

    @Test
    @EnabledOnOs(OS.LINUX)
    void readsTheSameLimitAndOpenCountAsTheJdksManagementBean() {
        UnixOperatingSystemMXBean unix = (UnixOperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

        assertThat(Descriptors.limit()).hasValue(unix.getMaxFileDescriptorCount());
        long open = Descriptors.open().orElseThrow();
        assertThat(open).isBetween(unix.getOpenFileDescriptorCount() - 8, unix.getOpenFileDescriptorCount() + 8);
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
    void aFileWithoutTheLineOrWithGarbageGivesNoLimit(@TempDir Path dir) throws IOException {
        assertThat(limitOf(dir, "Max processes             95238                95238                processes")).isEmpty();
        assertThat(limitOf(dir, "Max open files            lots                 lots                 files")).isEmpty();
        assertThat(Descriptors.limitFrom(new File(dir.toFile(), "missing"))).isEmpty();
    }

    private static OptionalLong limitOf(Path dir, String line) throws IOException {
        Path file = dir.resolve("limits");
        Files.writeString(file, "Limit                     Soft Limit           Hard Limit           Units\n"
                + "Max cpu time              unlimited            unlimited            seconds\n" + line + "\n");
        return Descriptors.limitFrom(file.toFile());
    }
}

package io.edgeproxy.infrastructure.loop.internal;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SplicePipeTest {

    private static final int MIB = 1024 * 1024;

    @BeforeAll
    static void library() {
        Assumptions.assumeTrue(NativeLibrary.load(), NativeLibrary::unavailableReason);
    }

    @Test
    void capacityIsWhatTheKernelGranted() throws IOException {
        try (SplicePipe pipe = SplicePipe.open(MIB, 32 * 1024)) {
            assertThat(pipe.capacity()).isEqualTo(MIB);
        }
        try (SplicePipe pipe = SplicePipe.open(100_000, 1024)) {
            assertThat(pipe.capacity()).isEqualTo(128 * 1024); // a power of two pages
        }
    }

    @Test
    void aPipeSmallerThanTheMinimumIsRefusedAndClosed() throws IOException {
        long before = openDescriptors();
        for (int i = 0; i < 1000; i++) {
            assertThatThrownBy(() -> SplicePipe.open(4096, 128 * 1024))
                    .isInstanceOf(IOException.class)
                    .hasMessage("pipe: 65536 bytes granted, fewer than 131072");
        }
        // a refused pipe left open would leave 2,000 descriptors; other tests' sockets closing
        // meanwhile move the count by a few, so it is compared with a margin
        assertThat(openDescriptors()).isLessThan(before + 100);
    }

    /**
     * Above {@code fs.pipe-max-size} (1 MiB by default) an unprivileged user's {@code F_SETPIPE_SZ}
     * fails with EPERM: the pipe is then as large as the largest allowed half of the size asked, not
     * left at the 64 KiB it was made with. Root may exceed the limit, so a child JVM runs as nobody.
     */
    @Test
    void anUnprivilegedUserGetsTheLargestHalfTheKernelAllows() throws Exception {
        Path setpriv = Path.of("/usr/bin/setpriv");
        Assumptions.assumeTrue(Files.isExecutable(setpriv) && "root".equals(System.getProperty("user.name")),
                "needs root and setpriv to run a child as nobody");
        int max = Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/fs/pipe-max-size")).get(0).trim());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path main = Path.of(SplicePipe.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path test = Path.of(Unprivileged.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Assumptions.assumeTrue(readableByAll(main) && readableByAll(test),
                "the build's classes are not readable by other users (a clone in a private directory)");
        String classes = main + ":" + test;
        Process child = new ProcessBuilder(setpriv.toString(), "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                "--inh-caps=-all", java, "-Xshare:off", "-cp", classes, Unprivileged.class.getName(),
                Integer.toString(4 * max))
                .redirectErrorStream(true).start();
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(child.exitValue()).as(out).isZero();
        assertThat(out).isEqualTo("capacity " + max);
    }

    /** Opens one pipe of the size given and prints its capacity. */
    static final class Unprivileged {
        public static void main(String[] args) throws IOException {
            if (!NativeLibrary.load()) {
                throw new IllegalStateException(NativeLibrary.unavailableReason());
            }
            try (SplicePipe pipe = SplicePipe.open(Integer.parseInt(args[0]), 32 * 1024)) {
                System.out.println("capacity " + pipe.capacity());
            }
        }
    }

    /** @return whether any user may list and read {@code dir}: every directory above it lets others pass */
    private static boolean readableByAll(Path dir) throws IOException {
        if (!Files.getPosixFilePermissions(dir).contains(PosixFilePermission.OTHERS_READ)) {
            return false;
        }
        for (Path p = dir.toAbsolutePath(); p != null; p = p.getParent()) {
            if (!Files.getPosixFilePermissions(p).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                return false;
            }
        }
        return true;
    }

    private static long openDescriptors() throws IOException {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }
}

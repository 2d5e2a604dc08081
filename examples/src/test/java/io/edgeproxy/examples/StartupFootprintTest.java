package io.edgeproxy.examples;

import io.edgeproxy.infrastructure.loop.Transport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the standalone proxy loads up to listening is what it keeps resident while idle: classes
 * that only a side feature needs would each cost memory in every process (docs/benchmarks.md,
 * "Memory"). Checked on a fresh JVM with the JVM's own class-loading log. Linux only: elsewhere
 * the descriptor limit is read through the management API on purpose (no {@code /proc}).
 */
class StartupFootprintTest {

    @TempDir
    Path dir;

    @Test
    @EnabledOnOs(OS.LINUX)
    void startingFromAConfigFileLoadsNeitherTheManagementApiNorDateFormattingNorSecurityProvidersNorSpunConcatenations() throws Exception {
        Path config = dir.resolve("backends.toml");
        Files.writeString(config, String.join("\n", "[[backends]]", "id = \"b1\"", "app = \"test\"", "region = \"sa\"",
                "country = \"BR\"", "wg_ip = \"127.0.0.1\"", "port = 18080", ""));
        Path classLog = dir.resolve("classes.log");

        ChildLauncher.startupLog(List.of("-Xlog:class+load=info:file=" + classLog),
                Map.of("EDGEPROXY_CONFIG_PATH", config.toString()));

        List<String> loaded = Files.readAllLines(classLog);
        // The log runs up to listening: the acceptor is among the last classes loaded before it.
        assertThat(loaded).as("the log lists the classes loaded up to listening")
                .anyMatch(l -> l.contains(" io.edgeproxy.infrastructure.proxy.internal.Acceptor "));
        // The descriptor limit is read from /proc, not through the management API (about 150 classes).
        assertThat(loaded).noneMatch(l -> l.contains(" java.lang.management."));
        // Log lines carry the time since start: a date format would load the locale and calendar data
        // (so would String.format or any other locale-sensitive formatting at startup).
        assertThat(loaded).noneMatch(l -> l.contains(" java.text.DateFormatSymbols ") || l.contains(" sun.util.locale.provider."));
        // The epoll library is copied out of the jar under a name from the clock: Files.createTempFile
        // would draw a random one from SecureRandom and load the security providers (0.9 MiB).
        if (Transport.EPOLL.unavailableReason() == null) { // built with gcc: the launcher runs on epoll
            assertThat(loaded).as("the epoll transport loaded")
                    .anyMatch(l -> l.contains(" io.edgeproxy.infrastructure.loop.internal.EpollSelector "));
        }
        assertThat(loaded).noneMatch(l -> l.contains(" java.security.SecureRandom "));
        // String concatenation is compiled to StringBuilder chains (-XDstringConcat=inline, the parent
        // pom): through invokedynamic the JDK spins method-handle classes for every new shape at its
        // first use, 58 of them by the time the proxy stopped, and 2 MiB of idle memory.
        assertThat(loaded.stream().filter(l -> l.contains(" java.lang.invoke.LambdaForm$MH/")).count())
                .as("method-handle classes spun at run time").isLessThan(10);
    }
}

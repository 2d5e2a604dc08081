package io.edgeproxy.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The {@code ./edge-proxy} script at the repository root, run by bash from a copy in a temporary checkout. */
class EdgeProxyScriptTest {

    private static final Path SCRIPT = Path.of("..", "edge-proxy");

    @TempDir
    Path checkout;

    private record Result(int status, String out, String err) {
    }

    private Result runScript(Path script, Map<String, String> env, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("bash", script.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(checkout.toFile());
        pb.environment().remove("JAVA_OPTS");
        pb.environment().putAll(env);
        Process p = pb.start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    private Path copyScript() throws IOException {
        Path copy = checkout.resolve("edge-proxy");
        Files.copy(SCRIPT, copy);
        return copy;
    }

    @Test
    void theScriptIsExecutable() {
        assertThat(Files.isExecutable(SCRIPT)).isTrue();
    }

    @Test
    void saysHowToBuildWhenTheJarIsMissing() throws Exception {
        Result r = runScript(copyScript(), Map.of(), "--help");

        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).contains(checkout.toRealPath() + "/examples/target/edge-proxy.jar is not built yet",
                "mvn -q -DskipTests package");
    }

    @Test
    void runsJavaWithJavaOptsOnTheJarNextToTheScriptPassingTheArguments() throws Exception {
        Path script = copyScript();
        Path jar = checkout.resolve("examples/target/edge-proxy.jar");
        Files.createDirectories(jar.getParent());
        Files.writeString(jar, "not really a jar");
        Path fakeJava = checkout.resolve("jdk/bin/java");
        Files.createDirectories(fakeJava.getParent());
        Files.writeString(fakeJava, "#!/usr/bin/env bash\nprintf '%s\\n' \"$@\"\n");
        Files.setPosixFilePermissions(fakeJava, PosixFilePermissions.fromString("rwxr-xr-x"));
        // Run through a symlink from elsewhere: the jar is still found next to the real script.
        Path bin = Files.createDirectories(checkout.resolve("elsewhere/bin"));
        Path link = Files.createSymbolicLink(bin.resolve("edge-proxy"), script);

        Result r = runScript(link, Map.of("JAVA_HOME", checkout.resolve("jdk").toString(),
                "JAVA_OPTS", "-Xmx64m -XX:+UseSerialGC"), "--demo", "two words");

        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out().split("\n")).containsExactly("-Xmx64m", "-XX:+UseSerialGC", "-jar",
                checkout.toRealPath() + "/examples/target/edge-proxy.jar", "--demo", "two words");
    }
}

package io.edgeproxy.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

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

    /** A java that prints its arguments, one a line, in {@code checkout/jdk}. */
    private Path fakeJava() throws IOException {
        Path fakeJava = checkout.resolve("jdk/bin/java");
        Files.createDirectories(fakeJava.getParent());
        Files.writeString(fakeJava, "#!/usr/bin/env bash\nprintf '%s\\n' \"$@\"\n");
        Files.setPosixFilePermissions(fakeJava, PosixFilePermissions.fromString("rwxr-xr-x"));
        return fakeJava;
    }

    private Path fakeJar() throws IOException {
        Path jar = checkout.resolve("examples/target/edge-proxy.jar");
        Files.createDirectories(jar.getParent());
        Files.writeString(jar, "not really a jar");
        return jar;
    }

    @Test
    void runsJavaWithItsDefaultsThenJavaOptsOnTheJarNextToTheScriptPassingTheArguments() throws Exception {
        Path script = copyScript();
        fakeJar();
        fakeJava();
        // Run through a symlink from elsewhere: the jar is still found next to the real script.
        Path bin = Files.createDirectories(checkout.resolve("elsewhere/bin"));
        Path link = Files.createSymbolicLink(bin.resolve("edge-proxy"), script);

        Result r = runScript(link, Map.of("JAVA_HOME", checkout.resolve("jdk").toString(),
                "JAVA_OPTS", "-Xmx64m -Xss1m"), "--demo", "two words");

        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out().split("\n")).containsExactly(
                "-XX:+UseSerialGC", "-Xss256k", "-XX:TieredStopAtLevel=1", "-Xmn8m", "-Xmx64m", "-Xss1m", "-jar",
                checkout.toRealPath() + "/examples/target/edge-proxy.jar", "--demo", "two words");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void printsTheJavaCommandLineWhenAskedTo() throws Exception {
        fakeJar();
        Path java = fakeJava();

        Result r = runScript(copyScript(), Map.of("JAVA_HOME", checkout.resolve("jdk").toString(),
                "EDGEPROXY_LAUNCHER_DEBUG", "1"), "--help");

        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.err()).isEqualTo("edge-proxy: " + java + " -XX:+UseSerialGC -Xss256k -XX:TieredStopAtLevel=1 -Xms64m -Xmn8m -jar "
                + checkout.toRealPath() + "/examples/target/edge-proxy.jar --help\n");
    }

    @Test
    void printsNothingWhenTheDebugVariableSaysOff() throws Exception {
        fakeJar();
        fakeJava();
        Path script = copyScript();
        for (String off : new String[] {"0", "false", "no", "off"}) {
            Result r = runScript(script, Map.of("JAVA_HOME", checkout.resolve("jdk").toString(),
                    "EDGEPROXY_LAUNCHER_DEBUG", off), "--help");
            assertThat(r.status()).as(r.err()).isZero();
            assertThat(r.err()).as(off).isEmpty();
        }
        Result on = runScript(script, Map.of("JAVA_HOME", checkout.resolve("jdk").toString(),
                "EDGEPROXY_LAUNCHER_DEBUG", "TRUE"), "--help");
        assertThat(on.err()).startsWith("edge-proxy: ");
    }

    @Test
    void usesTheClassDataArchiveOnlyWithTheJvmBuildAndTheJarThatMadeItAndWhenNewerThanTheJar() throws Exception {
        Path jar = fakeJar();
        fakeJava();
        Path javaHome = checkout.resolve("jdk").toRealPath();
        Files.writeString(javaHome.resolve("release"), "JAVA_VERSION=\"17.0.15\"\nJAVA_RUNTIME_VERSION=\"17.0.15+6\"\n");
        Path archive = checkout.resolve("examples/target/edge-proxy.jsa");
        Files.writeString(archive, "an archive");
        Files.setLastModifiedTime(jar, FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        Path madeBy = checkout.resolve("examples/target/edge-proxy.jsa.made-by");
        String realJar = jar.toRealPath().toString();
        Map<String, String> env = Map.of("JAVA_HOME", javaHome.toString());
        String option = "-XX:SharedArchiveFile=" + checkout.toRealPath() + "/examples/target/edge-proxy.jsa";
        Path script = copyScript();

        assertThat(runScript(script, env).out()).as("made by an unknown JVM").doesNotContain(option);

        Files.writeString(madeBy, "/some/other/jdk\n17.0.15+6\n" + realJar + "\n");
        assertThat(runScript(script, env).out()).as("made by another JVM").doesNotContain(option);

        Files.writeString(madeBy, javaHome + "\n17.0.14+7\n" + realJar + "\n");
        assertThat(runScript(script, env).out()).as("made by another build of this JVM").doesNotContain(option);

        Files.writeString(madeBy, javaHome + "\n17.0.15+6\n/elsewhere/examples/target/edge-proxy.jar\n");
        assertThat(runScript(script, env).out()).as("made for a jar elsewhere").doesNotContain(option);

        Files.writeString(madeBy, javaHome + "\n17.0.15+6\n" + realJar + "\n");
        assertThat(runScript(script, env).out().split("\n")).contains(option);

        for (String opts : List.of("-XX:+UseZGC", "-Xmx32g", "-Xmx40000m", "-XX:-UseCompressedOops")) {
            assertThat(runScript(script, Map.of("JAVA_HOME", javaHome.toString(), "JAVA_OPTS", opts)).out())
                    .as("without compressed object pointers: %s", opts).doesNotContain(option);
        }
        assertThat(runScript(script, Map.of("JAVA_HOME", javaHome.toString(), "JAVA_OPTS", "-Xmx31g")).out().split("\n"))
                .contains(option);

        Files.setLastModifiedTime(jar, FileTime.fromMillis(System.currentTimeMillis() + 60_000));
        assertThat(runScript(script, env).out()).as("older than the jar").doesNotContain(option);
    }

    @Test
    void anotherCollectorInJavaOptsSizesItsYoungGenerationItself() throws Exception {
        fakeJar();
        fakeJava();

        Result r = runScript(copyScript(), Map.of("JAVA_HOME", checkout.resolve("jdk").toString(),
                "JAVA_OPTS", "-XX:+UseG1GC"), "--help");

        assertThat(r.out().split("\n")).containsExactly("-Xss256k", "-XX:TieredStopAtLevel=1", "-XX:+UseG1GC", "-jar",
                checkout.toRealPath() + "/examples/target/edge-proxy.jar", "--help");
    }

    /**
     * On a real JVM: with no JAVA_OPTS the defaults apply, and an option in JAVA_OPTS overrides the
     * default it contradicts (the collector, the thread stack size, the compiler, the heap sizes) and adds to them. A second
     * collector would stop the JVM ("Multiple garbage collectors selected"), so the script leaves
     * its own out.
     */
    @Test
    void javaOptsOverrideTheDefaultsOnARealJvm() throws Exception {
        writeJvmSettingsJar();
        Path script = copyScript();

        Result defaults = runOnThisJava(script, "", "--demo");
        Result overridden = runOnThisJava(script, "-XX:+UseParallelGC -Xss512k -XX:TieredStopAtLevel=4 -Xms32m -Xmn16m", "--demo");

        assertThat(defaults.status()).as("out: %s, err: %s", defaults.out(), defaults.err()).isZero();
        assertThat(defaults.out().split("\n")).contains("gc=Copy", "ThreadStackSize=256", "TieredStopAtLevel=1",
                "InitialHeapSize=" + 64 * 1024 * 1024, "MaxNewSize=" + 8 * 1024 * 1024, "UseSerialGC=true", "arg=--demo");
        assertThat(overridden.status()).as("out: %s, err: %s", overridden.out(), overridden.err()).isZero();
        assertThat(overridden.out().split("\n")).contains("gc=PS Scavenge", "ThreadStackSize=512",
                "TieredStopAtLevel=4", "InitialHeapSize=" + 32 * 1024 * 1024, "MaxNewSize=" + 16 * 1024 * 1024, "UseSerialGC=false", "arg=--demo");
    }

    /**
     * On a real JVM: a heap or young-generation size in JAVA_OPTS replaces the script's starting
     * size, so a cap below it (-Xmx32m) still starts, where "-Xms64m -Xmx32m" would stop the JVM
     * ("Initial heap size set to a larger value than the maximum heap size"), and -Xmn64m gets its
     * 64 MiB; the rest of the defaults stay.
     */
    @Test
    void aHeapSizeInJavaOptsReplacesTheStartingHeapOfTheDefaults() throws Exception {
        writeJvmSettingsJar();
        Path script = copyScript();

        Result capped = runOnThisJava(script, "-Xmx32m");
        Result started = runOnThisJava(script, "-Xms16m");
        Result young = runOnThisJava(script, "-Xmn64m");

        assertThat(capped.status()).as("out: %s, err: %s", capped.out(), capped.err()).isZero();
        assertThat(capped.out().split("\n")).contains("UseSerialGC=true", "MaxNewSize=" + 8 * 1024 * 1024)
                .noneMatch(line -> line.equals("InitialHeapSize=" + 64 * 1024 * 1024));
        assertThat(started.status()).as("out: %s, err: %s", started.out(), started.err()).isZero();
        assertThat(started.out().split("\n")).contains("UseSerialGC=true", "InitialHeapSize=" + 16 * 1024 * 1024);
        // A young generation as big as the script's 64 MiB starting heap would be squeezed, with a warning.
        assertThat(young.status()).as("out: %s, err: %s", young.out(), young.err()).isZero();
        assertThat(young.out().split("\n")).contains("UseSerialGC=true", "MaxNewSize=" + 64 * 1024 * 1024);
        assertThat(young.out() + young.err()).doesNotContain("NewSize was set larger");
    }

    /** Puts a jar where the script expects the launcher's whose main class prints the JVM's settings. */
    private void writeJvmSettingsJar() throws IOException {
        Path jar = checkout.resolve("examples/target/edge-proxy.jar");
        Files.createDirectories(jar.getParent());
        writeJar(jar, PrintJvmSettings.class);
    }

    /** Runs {@code script} on the JVM running this test, with {@code javaOpts} as JAVA_OPTS (none when empty). */
    private Result runOnThisJava(Path script, String javaOpts, String... args) throws Exception {
        Map<String, String> env = javaOpts.isEmpty() ? Map.of("JAVA_HOME", System.getProperty("java.home"))
                : Map.of("JAVA_HOME", System.getProperty("java.home"), "JAVA_OPTS", javaOpts);
        return runScript(script, env, args);
    }

    /** Writes a runnable jar holding one class of the test classpath as its main class. */
    private static void writeJar(Path jar, Class<?> mainClass) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, mainClass.getName());
        String entry = mainClass.getName().replace('.', '/') + ".class";
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest);
             var in = mainClass.getClassLoader().getResourceAsStream(entry)) {
            out.putNextEntry(new JarEntry(entry));
            in.transferTo(out);
            out.closeEntry();
        }
    }
}

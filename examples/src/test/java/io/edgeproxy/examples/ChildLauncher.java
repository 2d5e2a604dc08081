package io.edgeproxy.examples;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Starts {@link EdgeProxyMain} in a fresh JVM, as the launcher script does, for what only a new process shows. */
final class ChildLauncher {

    private ChildLauncher() {
    }

    /** @return the command line that runs the launcher on this JVM and class path, with {@code jvmOptions} and {@code args} */
    static List<String> command(List<String> jvmOptions, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), EdgeProxyMain.class.getName()));
        command.addAll(List.of(args));
        return command;
    }

    /** How long a child may take to say it listens before it is killed and the test fails. */
    private static final long START_LIMIT_SECONDS = 60;

    /**
     * Runs the launcher on 127.0.0.1:0 with one event loop, {@code env} on top of an environment
     * without EDGEPROXY_* variables and without the JVM's own option variables (an agent there would
     * load classes of its own), until it logs that it listens; then stops it with SIGTERM, so what
     * it writes (a JVM log file too) is complete.
     *
     * @return its log lines up to and including the one saying where it listens
     */
    static List<String> startupLog(List<String> jvmOptions, Map<String, String> env, String... args) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command(jvmOptions, args));
        pb.environment().keySet().removeIf(k -> k.startsWith("EDGEPROXY_") || k.equals("DEBUG")
                || k.equals("JAVA_TOOL_OPTIONS") || k.equals("JDK_JAVA_OPTIONS") || k.equals("_JAVA_OPTIONS"));
        pb.environment().put("EDGEPROXY_LISTEN_ADDR", "127.0.0.1:0");
        pb.environment().put("EDGEPROXY_EVENT_LOOPS", "1");
        pb.environment().putAll(env);
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        // A child that never gets to listening would block the read below for ever: kill it in time.
        CompletableFuture<Process> killedWhenLate = p.onExit().completeOnTimeout(p, START_LIMIT_SECONDS, TimeUnit.SECONDS)
                .thenApply(Process::destroyForcibly);
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                lines.add(line);
                if (line.contains("edgeproxy listening on")) {
                    break;
                }
            }
        } finally {
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            killedWhenLate.cancel(false);
        }
        assertThat(lines).as("the launcher started").anyMatch(l -> l.contains("edgeproxy listening on"));
        return lines;
    }
}

package io.edgeproxy.examples;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * DEBUG must take effect before the first logger is made, which only a fresh JVM can show: in
 * the test JVM slf4j-simple is configured long before.
 */
class DebugLoggingTest {

    private static List<String> startupLog(Map<String, String> env) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                EdgeProxyMain.class.getName(), "--demo");
        pb.environment().keySet().removeIf(k -> k.startsWith("EDGEPROXY_") || k.equals("DEBUG"));
        pb.environment().put("EDGEPROXY_LISTEN_ADDR", "127.0.0.1:0");
        pb.environment().put("EDGEPROXY_EVENT_LOOPS", "1");
        pb.environment().putAll(env);
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
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
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        assertThat(lines).as("the demo started").anyMatch(l -> l.contains("edgeproxy listening on"));
        return lines;
    }

    @Test
    void debugOneLogsAtDebugLevelFromTheStart() throws Exception {
        assertThat(startupLog(Map.of("DEBUG", "1")))
                .anyMatch(l -> l.contains("[DEBUG] EdgeProxyMain - edge-proxy: EdgeProxySettings["));
    }

    @Test
    void withoutDebugNothingIsLoggedAtDebugLevel() throws Exception {
        assertThat(startupLog(Map.of())).noneMatch(l -> l.contains("[DEBUG]"));
    }

    /** The ./edge-proxy script's own variable is known to the proxy: no "unknown variable" warning for it. */
    @Test
    void theLauncherScriptsDebugVariableIsNotReportedAsUnknown() throws Exception {
        List<String> log = startupLog(Map.of(EdgeProxyMain.LAUNCHER_DEBUG, "1", "EDGEPROXY_NOT_A_SETTING", "1"));
        assertThat(log).anyMatch(l -> l.contains("ignoring unknown environment variable EDGEPROXY_NOT_A_SETTING"))
                .noneMatch(l -> l.contains(EdgeProxyMain.LAUNCHER_DEBUG));
    }
}

package io.edgeproxy.examples;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * DEBUG must take effect before the first logger is made, which only a fresh JVM can show: in
 * the test JVM slf4j-simple is configured long before.
 */
class DebugLoggingTest {

    private static List<String> startupLog(Map<String, String> env) throws Exception {
        return ChildLauncher.startupLog(List.of(), env, "--demo");
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

package io.edgeproxy.infrastructure.config;

import io.edgeproxy.domain.RegionCode;
import io.edgeproxy.infrastructure.EdgeProxy;
import io.edgeproxy.infrastructure.loop.Transport;
import io.edgeproxy.infrastructure.proxy.ProxyConfig;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EdgeProxySettingsTest {

    /**
     * The default connection cap is read from the descriptors open at the moment, and other threads
     * of this JVM (loops of earlier tests still closing sockets and pipes, cleaners) may open or close
     * a few in between two reads: two defaults are compared without it, and it within this drift.
     */
    private static final String MAX_CONNECTIONS = "maxConnections";
    private static final int FD_DRIFT = 8;


    private static EdgeProxySettings settings(String... keyValues) {
        return EdgeProxySettings.fromEnvironment(env(keyValues), w -> { });
    }

    private static Map<String, String> env(String... keyValues) {
        Map<String, String> env = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            env.put(keyValues[i], keyValues[i + 1]);
        }
        return env;
    }

    private static void assertRejected(String expectedMessage, String... keyValues) {
        assertThatThrownBy(() -> settings(keyValues))
                .isInstanceOf(ConfigException.class)
                .hasMessage(expectedMessage);
    }

    @Test
    void anEmptyEnvironmentGivesTheDocumentedDefaults() {
        EdgeProxySettings s = settings();

        assertThat(s.listenAddress()).isEqualTo(new InetSocketAddress("0.0.0.0", 8080));
        assertThat(s.region()).isEqualTo(RegionCode.SA);
        assertThat(s.bindingTtl()).isEqualTo(Duration.ofSeconds(600));
        assertThat(s.bindingGcInterval()).isEqualTo(Duration.ofSeconds(60));
        assertThat(s.eventLoops()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(s.bindingMaxEntries()).isEqualTo(100_000);
        assertThat(s.engine()).usingRecursiveComparison().ignoringFields(MAX_CONNECTIONS).isEqualTo(ProxyConfig.ofDefaults());
        assertThat(s.engine().idleTimeout()).isEqualTo(Duration.ofSeconds(3600));
        assertThat(s.engine().backendResponseTimeout()).isZero();
        assertThat(s.engine().maxConnections()).isCloseTo(ProxyConfig.ofDefaults().maxConnections(), within(FD_DRIFT));
        assertThat(s.configWatch()).isEmpty();
        assertThat(s.shutdownTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.configPath()).isEmpty();
        assertThat(s.debug()).isFalse();
        assertThat(EdgeProxySettings.ofDefaults()).usingRecursiveComparison().ignoringFields("engine." + MAX_CONNECTIONS).isEqualTo(s);
        assertThat(EdgeProxySettings.DEFAULT_BINDING_GC_INTERVAL).isEqualTo(EdgeProxy.DEFAULT_BINDING_GC_INTERVAL);
    }

    @Test
    void blankVariablesCountAsUnset() {
        EdgeProxySettings s = settings("EDGEPROXY_REGION", "  ", "EDGEPROXY_BINDING_TTL_SECS", "",
                "EDGEPROXY_CONFIG_PATH", "");

        assertThat(s).usingRecursiveComparison().ignoringFields("engine." + MAX_CONNECTIONS).isEqualTo(EdgeProxySettings.ofDefaults());
        assertThat(s.engine().maxConnections()).isCloseTo(ProxyConfig.ofDefaults().maxConnections(), within(FD_DRIFT));
    }

    @Test
    void listenAddr() {
        assertThat(settings("EDGEPROXY_LISTEN_ADDR", "127.0.0.1:9000").listenAddress())
                .isEqualTo(new InetSocketAddress("127.0.0.1", 9000));
        assertThat(settings("EDGEPROXY_LISTEN_ADDR", " [::1]:0 ").listenAddress())
                .isEqualTo(new InetSocketAddress("::1", 0));
        assertThat(settings("EDGEPROXY_LISTEN_ADDR", ":7000").listenAddress().getPort()).isEqualTo(7000);

        assertRejected("EDGEPROXY_LISTEN_ADDR must be host:port such as 0.0.0.0:8080 or [::]:8080, but was \"8080\"",
                "EDGEPROXY_LISTEN_ADDR", "8080");
        assertRejected("EDGEPROXY_LISTEN_ADDR must be host:port such as 0.0.0.0:8080 or [::]:8080,"
                + " but was \"0.0.0.0:99999\" (port must be between 0 and 65535)", "EDGEPROXY_LISTEN_ADDR", "0.0.0.0:99999");
        assertRejected("EDGEPROXY_LISTEN_ADDR must be host:port such as 0.0.0.0:8080 or [::]:8080,"
                + " but was \"0.0.0.0:http\" (port must be a number)", "EDGEPROXY_LISTEN_ADDR", "0.0.0.0:http");
        assertRejected("EDGEPROXY_LISTEN_ADDR must be host:port such as 0.0.0.0:8080 or [::]:8080,"
                + " but was \"::1:8080\" (an IPv6 address must be in brackets, as [::1]:8080)",
                "EDGEPROXY_LISTEN_ADDR", "::1:8080");
    }

    @Test
    void region() {
        assertThat(settings("EDGEPROXY_REGION", "EU").region()).isEqualTo(RegionCode.EU);
        assertThat(settings("EDGEPROXY_REGION", "us-east-1").region()).isEqualTo(RegionCode.of("us-east-1"));

        assertRejected("EDGEPROXY_REGION must be a region code such as sa, us, eu or ap (letters, digits and '-',"
                + " at most 32), but was \"south america\"", "EDGEPROXY_REGION", "south america");
    }

    @Test
    void bindingTtlSecs() {
        assertThat(settings("EDGEPROXY_BINDING_TTL_SECS", "30").bindingTtl()).isEqualTo(Duration.ofSeconds(30));

        assertRejected("EDGEPROXY_BINDING_TTL_SECS must be a positive integer, but was \"ten\"",
                "EDGEPROXY_BINDING_TTL_SECS", "ten");
        assertRejected("EDGEPROXY_BINDING_TTL_SECS must be a positive integer, but was \"0\"",
                "EDGEPROXY_BINDING_TTL_SECS", "0");
        assertRejected("EDGEPROXY_BINDING_TTL_SECS must be a positive integer, but was \"-5\"",
                "EDGEPROXY_BINDING_TTL_SECS", "-5");
        assertRejected("EDGEPROXY_BINDING_TTL_SECS must be a positive integer, but was \"1.5\"",
                "EDGEPROXY_BINDING_TTL_SECS", "1.5");
        assertRejected("EDGEPROXY_BINDING_TTL_SECS must be at most 2147483647, but was \"99999999999999999999\"",
                "EDGEPROXY_BINDING_TTL_SECS", "99999999999999999999");
    }

    @Test
    void bindingGcIntervalSecs() {
        assertThat(settings("EDGEPROXY_BINDING_GC_INTERVAL_SECS", "5").bindingGcInterval())
                .isEqualTo(Duration.ofSeconds(5));

        assertRejected("EDGEPROXY_BINDING_GC_INTERVAL_SECS must be a positive integer, but was \"1m\"",
                "EDGEPROXY_BINDING_GC_INTERVAL_SECS", "1m");
    }

    @Test
    void eventLoops() {
        assertThat(settings("EDGEPROXY_EVENT_LOOPS", "3").eventLoops()).isEqualTo(3);
        assertThat(settings("EDGEPROXY_EVENT_LOOPS", "3").proxyConfig().eventLoops()).isEqualTo(3);

        assertRejected("EDGEPROXY_EVENT_LOOPS must be an integer from 1 to 1024, but was \"0\"", "EDGEPROXY_EVENT_LOOPS", "0");
        assertRejected("EDGEPROXY_EVENT_LOOPS must be an integer from 1 to 1024, but was \"auto\"",
                "EDGEPROXY_EVENT_LOOPS", "auto");
        assertRejected("EDGEPROXY_EVENT_LOOPS must be an integer from 1 to 1024, but was \"1025\"",
                "EDGEPROXY_EVENT_LOOPS", "1025");
    }

    @Test
    void transport() {
        assertThat(settings("EDGEPROXY_TRANSPORT", "nio").engine().transport()).isEqualTo(Transport.NIO);
        assertThat(settings("EDGEPROXY_TRANSPORT", "AUTO").engine().transport()).isEqualTo(Transport.AUTO);
        assertRejected("EDGEPROXY_TRANSPORT must be one of auto, epoll, nio, but was \"netty\"",
                "EDGEPROXY_TRANSPORT", "netty");
        if (Transport.EPOLL.unavailableReason() == null) {
            assertThat(settings("EDGEPROXY_TRANSPORT", "epoll").engine().transport()).isEqualTo(Transport.EPOLL);
        } else {
            // where epoll cannot load, asking for it stops startup with the reason instead of running on NIO
            assertRejected("EDGEPROXY_TRANSPORT \"epoll\" is refused: " + Transport.EPOLL.unavailableReason(),
                    "EDGEPROXY_TRANSPORT", "epoll");
        }
    }

    @Test
    void aWrongTransportPropertyIsAConfigurationErrorNamingIt() {
        String before = System.getProperty(Transport.PROPERTY);
        System.setProperty(Transport.PROPERTY, "netty");
        try {
            assertThatThrownBy(() -> settings("EDGEPROXY_TRANSPORT", "nio"))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("system property edgeproxy.transport: transport must be auto, epoll or nio,"
                            + " but was 'netty'");
        } finally {
            if (before == null) {
                System.clearProperty(Transport.PROPERTY);
            } else {
                System.setProperty(Transport.PROPERTY, before);
            }
        }
    }

    @Test
    void splice() {
        assertThat(settings().engine().splice()).isTrue();
        assertThat(settings("EDGEPROXY_SPLICE", "false").engine().splice()).isFalse();
        assertThat(settings("EDGEPROXY_SPLICE", "off").engine().splice()).isFalse();
        assertThat(settings("EDGEPROXY_SPLICE", "true").engine().splice()).isTrue();
        assertRejected("EDGEPROXY_SPLICE must be true or false, but was \"auto\"", "EDGEPROXY_SPLICE", "auto");
    }

    @Test
    void bufferSize() {
        assertThat(EdgeProxySettings.ofDefaults().engine().bufferSize()).isEqualTo(32 * 1024);
        assertThat(settings("EDGEPROXY_BUFFER_SIZE", "262144").engine().bufferSize()).isEqualTo(262144);

        assertRejected("EDGEPROXY_BUFFER_SIZE must be an integer from 1024 to 16777216, but was \"512\"",
                "EDGEPROXY_BUFFER_SIZE", "512");
        assertRejected("EDGEPROXY_BUFFER_SIZE must be an integer from 1024 to 16777216, but was \"64k\"",
                "EDGEPROXY_BUFFER_SIZE", "64k");
    }

    @Test
    void configPath() {
        assertThat(settings("EDGEPROXY_CONFIG_PATH", "/etc/edgeproxy/backends.toml").configPath())
                .contains(Path.of("/etc/edgeproxy/backends.toml"));

        assertThatThrownBy(() -> settings("EDGEPROXY_CONFIG_PATH", "a\0b"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("EDGEPROXY_CONFIG_PATH must be a file path, but was \"a\0b\"");
    }

    @Test
    void debugIsOnFor1TrueOrYesAndOffForAnythingElse() {
        for (String on : new String[] {"1", "true", "TRUE", "yes", "Yes"}) {
            assertThat(settings("DEBUG", on).debug()).as(on).isTrue();
            assertThat(EdgeProxySettings.debugRequested(Map.of("DEBUG", on))).as(on).isTrue();
        }
        for (String off : new String[] {"0", "false", "no", "", "express:*", "verbose"}) {
            assertThat(settings("DEBUG", off).debug()).as(off).isFalse();
            assertThat(EdgeProxySettings.debugRequested(Map.of("DEBUG", off))).as(off).isFalse();
        }
        assertThat(EdgeProxySettings.debugRequested(Map.of())).isFalse();
    }

    @Test
    void everyBadVariableIsReportedAtOnceOnePerLine() {
        assertRejected("EDGEPROXY_REGION must be a region code such as sa, us, eu or ap (letters, digits and '-',"
                        + " at most 32), but was \"a b\"\n"
                        + "EDGEPROXY_BINDING_TTL_SECS must be a positive integer, but was \"ten\"\n"
                        + "EDGEPROXY_EVENT_LOOPS must be an integer from 1 to 1024, but was \"many\"",
                "EDGEPROXY_EVENT_LOOPS", "many", "EDGEPROXY_BINDING_TTL_SECS", "ten", "EDGEPROXY_REGION", "a b");
    }

    @Test
    void unknownEdgeproxyVariablesAreWarnedAboutWithTheLikelyMeaning() {
        List<String> warnings = new ArrayList<>();
        EdgeProxySettings s = EdgeProxySettings.fromEnvironment(env(
                "EDGEPROXY_REGOIN", "eu",
                "EDGEPROXY_SOMETHING_ELSE", "1",
                "EDGEPROXY_REGION", "sa",
                "PATH", "/usr/bin",
                "DEBUGGER", "x"), warnings::add);

        assertThat(s.region()).isEqualTo(RegionCode.SA);
        assertThat(warnings).containsExactly(
                "ignoring unknown environment variable EDGEPROXY_REGOIN (did you mean EDGEPROXY_REGION?)",
                "ignoring unknown environment variable EDGEPROXY_SOMETHING_ELSE;"
                        + " the 43 known ones are listed in docs/configuration.md");
    }

    @Test
    void knownVariablesRaiseNoWarning() {
        List<String> warnings = new ArrayList<>();
        EdgeProxySettings.fromEnvironment(env(
                "EDGEPROXY_LISTEN_ADDR", "127.0.0.1:0", "EDGEPROXY_REGION", "eu", "EDGEPROXY_BINDING_TTL_SECS", "1",
                "EDGEPROXY_BINDING_GC_INTERVAL_SECS", "1", "EDGEPROXY_EVENT_LOOPS", "1",
                "EDGEPROXY_CONFIG_PATH", "x.toml", "DEBUG", "1"), warnings::add);

        assertThat(warnings).isEmpty();
    }

    @Test
    void appliesToTheProxyBuilder() {
        EdgeProxySettings s = settings("EDGEPROXY_LISTEN_ADDR", "127.0.0.1:0", "EDGEPROXY_REGION", "eu",
                "EDGEPROXY_BINDING_TTL_SECS", "42", "EDGEPROXY_EVENT_LOOPS", "1");

        try (EdgeProxy proxy = s.applyTo(EdgeProxy.builder()).backends(List.of()).build().start()) {
            assertThat(proxy.routing().localRegion()).isEqualTo(RegionCode.EU);
            assertThat(proxy.routing().bindingTtl()).isEqualTo(Duration.ofSeconds(42));
            assertThat(proxy.localAddress().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
            assertThat(proxy.localAddress().getPort()).isPositive();
        }
        // The default connection cap follows the descriptors open when it is computed, which the
        // proxy's start and stop in between may change by one or two.
        int expected = ProxyConfig.builder().eventLoops(1).build().maxConnections();
        assertThat(s.proxyConfig().maxConnections()).isBetween(expected - 4, expected + 4);
        assertThat(s.proxyConfig()).isEqualTo(ProxyConfig.builder().eventLoops(1).maxConnections(s.proxyConfig().maxConnections()).build());
    }

    @Test
    void theRecordValidatesItsComponents() {
        EdgeProxySettings d = EdgeProxySettings.ofDefaults();
        assertThatThrownBy(() -> new EdgeProxySettings(d.listenAddress(), RegionCode.SA, Duration.ZERO, Duration.ofSeconds(1),
                1, d.engine(), Optional.empty(), Optional.empty(), Duration.ofSeconds(1), false,
                ResilienceSettings.none())).hasMessage("bindingTtl must be positive, but was PT0S");
        assertThatThrownBy(() -> new EdgeProxySettings(d.listenAddress(), RegionCode.SA, Duration.ofSeconds(1),
                Duration.ofSeconds(1), 0, d.engine(), Optional.empty(), Optional.empty(), Duration.ofSeconds(1),
                false, ResilienceSettings.none())).hasMessage("bindingMaxEntries must be >= 1, but was 0");
    }
}

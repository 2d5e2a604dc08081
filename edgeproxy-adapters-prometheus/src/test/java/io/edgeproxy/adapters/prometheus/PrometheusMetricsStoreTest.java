package io.edgeproxy.adapters.prometheus;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.infrastructure.proxy.CloseReason;
import io.edgeproxy.infrastructure.proxy.RejectReason;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The store driven through the connection-listener SPI by hand, its exposition parsed back. */
class PrometheusMetricsStoreTest {

    private final PrometheusMetricsStore store = PrometheusMetricsStore.builder().jvmMetrics(false).build();
    private final Backend sa1 = backend("sa-1");
    private final Backend eu1 = backend("eu-1");

    static Backend backend(String id) {
        return Backend.builder(id).app("test").region("sa").country("BR").address("127.0.0.1").port(9).build();
    }

    private static Map<String, String> b(String id) {
        return Map.of("backend", id);
    }

    private PrometheusText scrape() {
        return PrometheusText.parse(store.scrape());
    }

    /** One connection's whole life, as the engine reports it. */
    private FakeConnection relay(Backend backend, long connectNanos, long up, long down) {
        FakeConnection c = new FakeConnection();
        store.onOpened(c);
        c.backend = backend;
        c.attempts = 1;
        store.onRouted(c, backend);
        store.onConnected(c, backend, connectNanos);
        c.up = up;
        c.down = down;
        store.onBytes(c, backend, up, down);
        store.onClosed(c, CloseReason.COMPLETED);
        return c;
    }

    @Test
    void exposesTheSeedMetricsUnderTheirNamesAndTypes() {
        relay(sa1, 300_000, 10, 20);
        PrometheusText text = scrape();
        assertThat(text.require("edgeproxy_connections_total").type()).isEqualTo("counter");
        assertThat(text.require("edgeproxy_connections_active").type()).isEqualTo("gauge");
        assertThat(text.require("edgeproxy_bytes_sent_total").type()).isEqualTo("counter");
        assertThat(text.require("edgeproxy_bytes_received_total").type()).isEqualTo("counter");
        assertThat(text.require("edgeproxy_backend_connections_total").type()).isEqualTo("counter");
        assertThat(text.require("edgeproxy_backend_connections_active").type()).isEqualTo("gauge");
        assertThat(text.require("edgeproxy_backend_errors_total").type()).isEqualTo("counter");
        assertThat(text.require("edgeproxy_backend_rtt_seconds").type()).isEqualTo("histogram");
        assertThat(text.require("edgeproxy_connections_rejected_total").type()).isEqualTo("counter");
        // the sample names are exactly the seed's (the client must not add or drop a _total)
        assertThat(text.require("edgeproxy_connections_total").samples()).extracting(PrometheusText.Sample::name)
                .containsOnly("edgeproxy_connections_total");
        assertThat(text.require("edgeproxy_bytes_sent_total").samples()).extracting(PrometheusText.Sample::name)
                .containsOnly("edgeproxy_bytes_sent_total");
    }

    @Test
    void countsConnectionsBytesAndConnectTimesPerBackend() {
        relay(sa1, 150_000, 100, 1_000);             // 150 us
        relay(sa1, 3_000_000, 200, 2_000);           // 3 ms
        relay(eu1, 40_000_000, 7, 70);               // 40 ms
        PrometheusText text = scrape();

        assertThat(text.require("edgeproxy_connections_total").value("edgeproxy_connections_total", Map.of())).isEqualTo(3);
        assertThat(text.require("edgeproxy_connections_active").value("edgeproxy_connections_active", Map.of())).isZero();
        var conns = text.require("edgeproxy_backend_connections_total");
        assertThat(conns.value("edgeproxy_backend_connections_total", b("sa-1"))).isEqualTo(2);
        assertThat(conns.value("edgeproxy_backend_connections_total", b("eu-1"))).isEqualTo(1);
        assertThat(text.require("edgeproxy_backend_connections_active").value("edgeproxy_backend_connections_active", b("sa-1")))
                .isZero();
        assertThat(text.require("edgeproxy_bytes_sent_total").value("edgeproxy_bytes_sent_total", b("sa-1"))).isEqualTo(300);
        assertThat(text.require("edgeproxy_bytes_received_total").value("edgeproxy_bytes_received_total", b("sa-1")))
                .isEqualTo(3_000);
        assertThat(text.require("edgeproxy_bytes_sent_total").value("edgeproxy_bytes_sent_total", b("eu-1"))).isEqualTo(7);

        var rtt = text.require("edgeproxy_backend_rtt_seconds");
        assertThat(rtt.value("edgeproxy_backend_rtt_seconds_count", b("sa-1"))).isEqualTo(2);
        assertThat(rtt.value("edgeproxy_backend_rtt_seconds_sum", b("sa-1"))).isCloseTo(0.00315, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(rtt.value("edgeproxy_backend_rtt_seconds_bucket", Map.of("backend", "sa-1", "le", "1.0E-4"))).isZero();
        assertThat(rtt.value("edgeproxy_backend_rtt_seconds_bucket", Map.of("backend", "sa-1", "le", "2.5E-4"))).isEqualTo(1);
        assertThat(rtt.value("edgeproxy_backend_rtt_seconds_bucket", Map.of("backend", "sa-1", "le", "0.005"))).isEqualTo(2);
        assertThat(rtt.value("edgeproxy_backend_rtt_seconds_bucket", Map.of("backend", "sa-1", "le", "+Inf"))).isEqualTo(2);
        // buckets from 100 us to 10 s, plus +Inf
        assertThat(rtt.find("edgeproxy_backend_rtt_seconds_bucket", b("eu-1")))
                .extracting(s -> s.labels().get("le"))
                .containsExactly("1.0E-4", "2.5E-4", "5.0E-4", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1",
                        "0.25", "0.5", "1.0", "2.5", "5.0", "10.0", "+Inf");
    }

    @Test
    void aWarmSpareIsAConnectionWithoutAConnectTime() {
        relay(sa1, -1, 1, 1);
        PrometheusText text = scrape();
        assertThat(text.require("edgeproxy_backend_connections_total").value("edgeproxy_backend_connections_total", b("sa-1")))
                .isEqualTo(1);
        assertThat(text.require("edgeproxy_backend_rtt_seconds").value("edgeproxy_backend_rtt_seconds_count", b("sa-1"))).isZero();
    }

    @Test
    void activeGaugesFollowOpenConnections() {
        FakeConnection c = new FakeConnection();
        store.onOpened(c);
        store.onRouted(c, sa1);
        store.onConnected(c, sa1, 1_000);
        PrometheusText during = scrape();
        assertThat(during.require("edgeproxy_connections_active").value("edgeproxy_connections_active", Map.of())).isEqualTo(1);
        assertThat(during.require("edgeproxy_backend_connections_active").value("edgeproxy_backend_connections_active", b("sa-1")))
                .isEqualTo(1);
        store.onClosed(c, CloseReason.CLIENT_ERROR);
        PrometheusText after = scrape();
        assertThat(after.require("edgeproxy_connections_active").value("edgeproxy_connections_active", Map.of())).isZero();
        assertThat(after.require("edgeproxy_backend_connections_active").value("edgeproxy_backend_connections_active", b("sa-1")))
                .isZero();
    }

    @Test
    void aFailedAttemptIsABackendErrorAndTheRetryCountsOnTheNextBackend() {
        FakeConnection c = new FakeConnection();
        store.onOpened(c);
        store.onRouted(c, sa1);
        store.onBackendFailed(c, sa1, new ConnectException("refused"));
        store.onRouted(c, eu1);
        store.onConnected(c, eu1, 2_000_000);
        store.onBytes(c, eu1, 5, 6);
        store.onClosed(c, CloseReason.COMPLETED);
        PrometheusText text = scrape();
        assertThat(text.require("edgeproxy_backend_errors_total").value("edgeproxy_backend_errors_total", b("sa-1"))).isEqualTo(1);
        assertThat(text.require("edgeproxy_backend_errors_total").value("edgeproxy_backend_errors_total", b("eu-1"))).isZero();
        assertThat(text.require("edgeproxy_backend_connections_total").value("edgeproxy_backend_connections_total", b("sa-1")))
                .isZero();
        assertThat(text.require("edgeproxy_backend_connections_total").value("edgeproxy_backend_connections_total", b("eu-1")))
                .isEqualTo(1);
        assertThat(text.require("edgeproxy_connections_total").value("edgeproxy_connections_total", Map.of())).isEqualTo(1);
    }

    @Test
    void aBackendThatFailsAfterTheConnectIsNoLongerActive() {
        FakeConnection c = new FakeConnection();
        store.onOpened(c);
        store.onRouted(c, sa1);
        store.onConnected(c, sa1, 1_000);
        store.onBackendFailed(c, sa1, new IOException("reset before the first byte"));
        store.onRouted(c, eu1);
        store.onConnected(c, eu1, 1_000);
        PrometheusText text = scrape();
        var active = text.require("edgeproxy_backend_connections_active");
        assertThat(active.value("edgeproxy_backend_connections_active", b("sa-1"))).isZero();
        assertThat(active.value("edgeproxy_backend_connections_active", b("eu-1"))).isEqualTo(1);
        store.onClosed(c, CloseReason.COMPLETED);
        assertThat(scrape().require("edgeproxy_backend_connections_active")
                .value("edgeproxy_backend_connections_active", b("eu-1"))).isZero();
    }

    @Test
    void refusedConnectionsAreCountedByReasonAndEveryReasonTheEngineReportsStartsAtZero() {
        store.onRejected(new java.net.InetSocketAddress("127.0.0.1", 1), null, RejectReason.RATE_LIMITED);
        store.onRejected(new java.net.InetSocketAddress("127.0.0.1", 1), null, RejectReason.RATE_LIMITED);
        FakeConnection c = new FakeConnection();
        store.onOpened(c);
        store.onRejected(c.client(), c, RejectReason.NO_BACKEND);
        store.onClosed(c, CloseReason.REJECTED);
        var rejected = scrape().require("edgeproxy_connections_rejected_total");
        assertThat(rejected.value("edgeproxy_connections_rejected_total", Map.of("reason", "rate_limited"))).isEqualTo(2);
        assertThat(rejected.value("edgeproxy_connections_rejected_total", Map.of("reason", "no_backend"))).isEqualTo(1);
        for (RejectReason r : RejectReason.values()) {
            assertThat(rejected.find("edgeproxy_connections_rejected_total", Map.of("reason", r.label())))
                    .as(r.label()).hasSize(r == RejectReason.DRAINING || r == RejectReason.MAX_CONNECTIONS ? 0 : 1);
        }
        assertThat(rejected.value("edgeproxy_connections_rejected_total", Map.of("reason", "circuit_open"))).isZero();
    }

    /** A draining proxy's listeners are closed: the kernel refuses, the engine never reports it; no fake zero. */
    @Test
    void drainingRefusalsHaveASeriesOnlyOnceSomethingReportsOne() {
        assertThat(scrape().require("edgeproxy_connections_rejected_total")
                .find("edgeproxy_connections_rejected_total", Map.of("reason", "draining"))).isEmpty();
        store.onRejected(new java.net.InetSocketAddress("127.0.0.1", 1), null, RejectReason.DRAINING);   // an embedder's admission
        store.onRejected(new java.net.InetSocketAddress("127.0.0.1", 1), null, RejectReason.DRAINING);
        store.recordRejected("draining");
        assertThat(scrape().require("edgeproxy_connections_rejected_total")
                .value("edgeproxy_connections_rejected_total", Map.of("reason", "draining"))).isEqualTo(3);
    }

    @Test
    void drainingIsZeroWithoutAProxy() {
        PrometheusText text = scrape();
        assertThat(text.require("edgeproxy_draining").type()).isEqualTo("gauge");
        assertThat(text.require("edgeproxy_draining").value("edgeproxy_draining", Map.of())).isZero();
    }

    @Test
    void configReloadsAreReadFromTheCountsHandedOverAndAbsentBefore() {
        assertThat(scrape().family("edgeproxy_config_reloads_total")).isEmpty();
        java.util.concurrent.atomic.AtomicLong ok = new java.util.concurrent.atomic.AtomicLong(3);
        java.util.concurrent.atomic.AtomicLong failed = new java.util.concurrent.atomic.AtomicLong();
        store.countReloads(ok::get, failed::get);
        PrometheusText text = scrape();
        var reloads = text.require("edgeproxy_config_reloads_total");
        assertThat(reloads.type()).isEqualTo("counter");
        assertThat(reloads.value("edgeproxy_config_reloads_total", Map.of("result", "ok"))).isEqualTo(3);
        assertThat(reloads.value("edgeproxy_config_reloads_total", Map.of("result", "failed"))).isZero();
        failed.incrementAndGet();
        store.countReloads(() -> 7, failed::get);   // replaces the counts read, no second family
        reloads = scrape().require("edgeproxy_config_reloads_total");
        assertThat(reloads.value("edgeproxy_config_reloads_total", Map.of("result", "ok"))).isEqualTo(7);
        assertThat(reloads.value("edgeproxy_config_reloads_total", Map.of("result", "failed"))).isEqualTo(1);
    }

    @Test
    void aRemovedBackendLosesItsSeries() {
        relay(sa1, 1_000, 1, 1);
        relay(eu1, 1_000, 1, 1);
        store.backendsChanged(List.of(sa1));
        PrometheusText text = scrape();
        for (String name : List.of("edgeproxy_bytes_sent_total", "edgeproxy_bytes_received_total",
                "edgeproxy_backend_connections_total", "edgeproxy_backend_connections_active", "edgeproxy_backend_errors_total")) {
            assertThat(text.require(name).find(name, b("eu-1"))).as(name).isEmpty();
            assertThat(text.require(name).find(name, b("sa-1"))).as(name).hasSize(1);
        }
        assertThat(text.require("edgeproxy_backend_rtt_seconds").find("edgeproxy_backend_rtt_seconds_count", b("eu-1"))).isEmpty();
        assertThat(store.backendsWithSeries()).containsExactly("sa-1");
    }

    @Test
    void everyLiveBackendHasItsSeriesFromTheStartAtZero() {
        store.backendsChanged(List.of(sa1, eu1));
        PrometheusText text = scrape();
        assertThat(text.require("edgeproxy_backend_errors_total").value("edgeproxy_backend_errors_total", b("eu-1"))).isZero();
        assertThat(text.require("edgeproxy_bytes_sent_total").value("edgeproxy_bytes_sent_total", b("sa-1"))).isZero();
        assertThat(text.require("edgeproxy_backend_rtt_seconds").value("edgeproxy_backend_rtt_seconds_count", b("sa-1"))).isZero();
    }

    @Test
    void bytesOfARemovedBackendDoNotBringItsSeriesBack() {
        FakeConnection c = new FakeConnection();
        store.onOpened(c);
        store.onRouted(c, eu1);
        store.onConnected(c, eu1, 1_000);
        store.backendsChanged(List.of(sa1));
        store.onBytes(c, eu1, 10, 10);
        store.onClosed(c, CloseReason.COMPLETED);
        assertThat(store.backendsWithSeries()).doesNotContain("eu-1");
        assertThat(scrape().family("edgeproxy_bytes_sent_total")
                .map(f -> f.find("edgeproxy_bytes_sent_total", b("eu-1"))).orElse(List.of())).isEmpty();
    }

    @Test
    void aConnectionStartedOnALeavingBackendDropsItsSeriesWhenItEnds() {
        store.backendsChanged(List.of(sa1));
        FakeConnection c = new FakeConnection();
        store.onOpened(c);
        store.onRouted(c, eu1);   // routed from a snapshot older than the repository
        store.onConnected(c, eu1, 1_000);
        assertThat(store.backendsWithSeries()).contains("eu-1");
        store.onClosed(c, CloseReason.COMPLETED);
        assertThat(store.backendsWithSeries()).containsExactly("sa-1");
    }

    @Test
    void thePortFeedsTheSameSeries() {
        store.recordConnection("sa-1");
        store.recordConnectRtt("sa-1", 2_000_000);
        store.recordBytesSent("sa-1", 11);
        store.recordBytesReceived("sa-1", 22);
        store.recordError("sa-1");
        store.recordRejected("rate_limited");
        store.recordRejected("custom_check");
        PrometheusText during = scrape();
        assertThat(during.require("edgeproxy_connections_active").value("edgeproxy_connections_active", Map.of())).isEqualTo(1);
        store.recordDisconnection("sa-1", Duration.ofMillis(5));
        PrometheusText text = scrape();
        assertThat(text.require("edgeproxy_connections_total").value("edgeproxy_connections_total", Map.of())).isEqualTo(1);
        assertThat(text.require("edgeproxy_connections_active").value("edgeproxy_connections_active", Map.of())).isZero();
        assertThat(text.require("edgeproxy_backend_connections_active").value("edgeproxy_backend_connections_active", b("sa-1")))
                .isZero();
        assertThat(text.require("edgeproxy_bytes_sent_total").value("edgeproxy_bytes_sent_total", b("sa-1"))).isEqualTo(11);
        assertThat(text.require("edgeproxy_bytes_received_total").value("edgeproxy_bytes_received_total", b("sa-1"))).isEqualTo(22);
        assertThat(text.require("edgeproxy_backend_errors_total").value("edgeproxy_backend_errors_total", b("sa-1"))).isEqualTo(1);
        assertThat(text.require("edgeproxy_backend_rtt_seconds").value("edgeproxy_backend_rtt_seconds_count", b("sa-1"))).isEqualTo(1);
        var rejected = text.require("edgeproxy_connections_rejected_total");
        assertThat(rejected.value("edgeproxy_connections_rejected_total", Map.of("reason", "rate_limited"))).isEqualTo(1);
        assertThat(rejected.value("edgeproxy_connections_rejected_total", Map.of("reason", "custom_check"))).isEqualTo(1);
    }

    @Test
    void countsExactlyUnderConcurrentEventLoops() throws Exception {
        int threads = 4;
        int perThread = 20_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                Backend backend = t % 2 == 0 ? sa1 : eu1;
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        relay(backend, 1_000, 3, 5);
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);   // carries a failure back to this thread
            }
        } finally {
            pool.shutdownNow();
        }
        PrometheusText text = scrape();
        long total = (long) threads * perThread;
        assertThat(text.require("edgeproxy_connections_total").value("edgeproxy_connections_total", Map.of())).isEqualTo(total);
        assertThat(text.require("edgeproxy_connections_active").value("edgeproxy_connections_active", Map.of())).isZero();
        var sent = text.require("edgeproxy_bytes_sent_total");
        assertThat(sent.value("edgeproxy_bytes_sent_total", b("sa-1")) + sent.value("edgeproxy_bytes_sent_total", b("eu-1")))
                .isEqualTo(3.0 * total);
        var rtt = text.require("edgeproxy_backend_rtt_seconds");
        assertThat(rtt.value("edgeproxy_backend_rtt_seconds_count", b("sa-1")) + rtt.value("edgeproxy_backend_rtt_seconds_count", b("eu-1")))
                .isEqualTo(total);
    }

    @Test
    void jvmAndProcessMetricsComeFromTheClientsInstrumentation() {
        PrometheusMetricsStore withJvm = PrometheusMetricsStore.create();
        PrometheusText text = PrometheusText.parse(withJvm.scrape());
        assertThat(text.families().keySet()).anyMatch(n -> n.startsWith("jvm_memory"));
        assertThat(text.families().keySet()).anyMatch(n -> n.startsWith("jvm_threads"));
        assertThat(text.families().keySet()).contains("process_cpu_seconds_total");
    }

    @Test
    void endpointConfigIsValidatedWithTheValueInTheMessage() {
        assertThatThrownBy(() -> PrometheusMetricsConfig.enabled("127.0.0.1:0", "metrics"))
                .hasMessage("path must start with '/' and hold no spaces, '?' or '#', such as /metrics, but was \"metrics\"");
        assertThatThrownBy(() -> PrometheusMetricsConfig.enabled("127.0.0.1:0", "/a b"))
                .hasMessageContaining("but was \"/a b\"");
        PrometheusMetricsConfig defaults = PrometheusMetricsConfig.ofDefaults();
        assertThat(defaults.enabled()).isFalse();
        assertThat(defaults.listenAddress().getPort()).isEqualTo(9090);
        assertThat(defaults.path()).isEqualTo("/metrics");
    }
}

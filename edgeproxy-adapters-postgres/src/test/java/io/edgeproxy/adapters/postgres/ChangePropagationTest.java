package io.edgeproxy.adapters.postgres;

import io.edgeproxy.adapters.postgres.testing.NamedBackend;
import io.edgeproxy.adapters.postgres.testing.TestPostgres;
import io.edgeproxy.infrastructure.EdgeProxy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.edgeproxy.domain.testing.Eventually.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A running proxy routes by what a third party writes into the table: pushed by NOTIFY well
 * within a second (with a reload interval far longer than the test), or by the periodic reload
 * alone with notifications off.
 */
class ChangePropagationTest {

    private static final Duration NOTIFY_DEADLINE = Duration.ofSeconds(1);

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    @Test
    void insertUpdateUnhealthyAndDeleteReachARunningProxyByNotifyWithinASecond() throws IOException {
        PostgresConfig.Builder config = PostgresConfig.builder(TestPostgres.newDatabase())
                .reloadInterval(Duration.ofHours(1));
        everyKindOfChangeReachesTheProxy(config.build(), NOTIFY_DEADLINE);
    }

    @Test
    void withNotificationsOffThePeriodicReloadCarriesEveryChange() throws IOException {
        PostgresConfig.Builder config = PostgresConfig.builder(TestPostgres.newDatabase())
                .reloadInterval(Duration.ofMillis(200)).changeNotifications(false);
        everyKindOfChangeReachesTheProxy(config.build(), Duration.ofSeconds(3));
    }

    @Test
    void withNotificationsOffAndALongIntervalAChangeWaitsForTheReload() throws IOException {
        String url = TestPostgres.newDatabase();
        PostgresBackendRepository repo = startRepository(PostgresConfig.builder(url)
                .reloadInterval(Duration.ofHours(1)).changeNotifications(false).build());
        NamedBackend a = backend("a");
        InetSocketAddress proxy = startProxy(repo);

        TestPostgres.execute(url, a.insertSql());
        long deadline = System.nanoTime() + NOTIFY_DEADLINE.toNanos();
        while (System.nanoTime() < deadline) {
            assertThat(NamedBackend.via(proxy)).as("no push without notifications").isEmpty();
        }
        repo.reload();
        assertThat(NamedBackend.via(proxy)).isEqualTo("a");
    }

    private void everyKindOfChangeReachesTheProxy(PostgresConfig config, Duration deadline) throws IOException {
        String url = config.url();
        PostgresBackendRepository repo = startRepository(config);
        NamedBackend a = backend("a");
        NamedBackend b = backend("b");
        InetSocketAddress proxy = startProxy(repo);
        assertThat(NamedBackend.via(proxy)).as("no backend yet").isEmpty();

        TestPostgres.execute(url, a.insertSql());
        awaitRoute(proxy, "a", deadline, "after INSERT");

        TestPostgres.execute(url, "UPDATE backends SET port = " + b.port() + ", updated_at = now() WHERE id = 'a'");
        awaitRoute(proxy, "b", deadline, "after UPDATE of the port");

        TestPostgres.execute(url, "UPDATE backends SET port = " + a.port() + " WHERE id = 'a'", b.insertSql());
        awaitRoute(proxy, "a", deadline, "after moving a back (the client stays bound to a)");
        TestPostgres.execute(url, "UPDATE backends SET healthy = 0 WHERE id = 'a'");
        awaitRoute(proxy, "b", deadline, "after marking a unhealthy");
        for (int i = 0; i < 20; i++) {
            assertThat(NamedBackend.via(proxy)).isEqualTo("b");
        }

        TestPostgres.execute(url, "UPDATE backends SET deleted = 1 WHERE id = 'b'");
        awaitRoute(proxy, "", deadline, "after deleting b (a is unhealthy)");
    }

    private void awaitRoute(InetSocketAddress proxy, String expected, Duration within, String what) {
        String[] last = {null};
        await(within, "the proxy routes to \"" + expected + "\" " + what,
                () -> expected.equals(last[0] = NamedBackend.via(proxy)), () -> "(last: \"" + last[0] + "\")");
    }

    private PostgresBackendRepository startRepository(PostgresConfig config) {
        PostgresBackendRepository repo = new PostgresBackendRepository(config);
        toClose.add(repo);
        repo.initialize();
        repo.startSync();
        return repo;
    }

    private NamedBackend backend(String name) throws IOException {
        NamedBackend b = NamedBackend.start(name);
        toClose.add(b);
        return b;
    }

    private InetSocketAddress startProxy(PostgresBackendRepository repo) {
        EdgeProxy proxy = EdgeProxy.builder().listenAddress("127.0.0.1:0").region("sa").backendRepository(repo)
                .build().start();
        toClose.add(proxy);
        return proxy.localAddress();
    }
}

package io.edgeproxy.adapters.postgres;

import io.edgeproxy.adapters.postgres.testing.NamedBackend;
import io.edgeproxy.adapters.postgres.testing.TestPostgres;
import io.edgeproxy.infrastructure.EdgeProxy;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.edgeproxy.domain.testing.Eventually.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/** Several proxies route from one database, and keep routing while it is away. */
class SharedRegistryTest {

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    @Test
    void twoProxiesOnOneDatabaseBothRouteToABackendAThirdPartyInserted() throws IOException {
        String url = TestPostgres.newDatabase();
        InetSocketAddress first = startProxy(startRepository(PostgresConfig.of(url)));
        InetSocketAddress second = startProxy(startRepository(PostgresConfig.of(url)));
        NamedBackend a = backend("a");

        TestPostgres.execute(url, a.insertSql());

        awaitRoute(first, "a", Duration.ofSeconds(1));
        awaitRoute(second, "a", Duration.ofSeconds(1));
    }

    @Test
    void whileTheDatabaseIsDownBothProxiesKeepRoutingAndCatchUpWhenItReturns(@TempDir Path data) throws Exception {
        assumeThat(TestPostgres.embedded()).as("stops and restarts its own embedded server").isTrue();
        EmbeddedPostgres server = TestPostgres.startOwn(data, 0);
        int port = server.getPort();
        String url = TestPostgres.urlOf(server);
        PostgresConfig config = PostgresConfig.builder(url).reloadInterval(Duration.ofMillis(300))
                .connectTimeout(Duration.ofSeconds(1)).build();
        NamedBackend a = backend("a");
        NamedBackend b = backend("b");

        PrintStream originalErr = System.err;
        ByteArrayOutputStream logs = new ByteArrayOutputStream();
        System.setErr(new PrintStream(logs, true, StandardCharsets.UTF_8));
        try {
            InetSocketAddress first = startProxy(startRepository(config));
            InetSocketAddress second = startProxy(startRepository(config));
            TestPostgres.execute(url, a.insertSql());
            awaitRoute(first, "a", Duration.ofSeconds(1));
            awaitRoute(second, "a", Duration.ofSeconds(1));

            server.close();
            await(Duration.ofSeconds(10), "both proxies notice the outage",
                    () -> count(logs, "unavailable: ") == 2, () -> logs.toString(StandardCharsets.UTF_8));
            long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            while (System.nanoTime() < until) {
                assertThat(NamedBackend.via(first)).isEqualTo("a");
                assertThat(NamedBackend.via(second)).isEqualTo("a");
            }

            server = TestPostgres.startOwn(data, port);
            TestPostgres.execute(url, b.insertSql(), "UPDATE backends SET healthy = 0 WHERE id = 'a'");
            awaitRoute(first, "b", Duration.ofSeconds(10));
            awaitRoute(second, "b", Duration.ofSeconds(10));
            await(Duration.ofSeconds(5), "both proxies log the end of the outage",
                    () -> count(logs, " is back after ") == 2, () -> logs.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(originalErr);
            closeAll();
            toClose.clear();
            server.close();
        }
        assertThat(count(logs, "unavailable: ")).as("the outage is logged once per proxy:\n" + logs).isEqualTo(2);
    }

    private static int count(ByteArrayOutputStream logs, String text) {
        Matcher m = Pattern.compile(Pattern.quote(text)).matcher(logs.toString(StandardCharsets.UTF_8));
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    private void awaitRoute(InetSocketAddress proxy, String expected, Duration within) {
        String[] last = {null};
        await(within, "the proxy at " + proxy + " routes to \"" + expected + "\"",
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

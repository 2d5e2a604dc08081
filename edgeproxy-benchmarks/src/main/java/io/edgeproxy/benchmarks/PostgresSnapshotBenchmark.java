package io.edgeproxy.benchmarks;

import io.edgeproxy.adapters.postgres.PostgresBackendRepository;
import io.edgeproxy.adapters.postgres.PostgresConfig;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One reload of the PostgreSQL repository's snapshot with 10,000 live backends in an embedded
 * PostgreSQL 14 on this machine: the query, the rows turned into {@code Backend}s, and either the
 * comparison that finds nothing changed ({@code unchanged}: the periodic safety-net reload) or a
 * new snapshot after one row changed ({@code oneRowChanged}: what a NOTIFY triggers).
 * Run with {@code -prof gc} for the allocation per reload.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PostgresSnapshotBenchmark {

    @Param({"10000"})
    public int backends;

    private EmbeddedPostgres server;
    private PostgresBackendRepository repository;
    private int weight = 1;

    @Setup(Level.Trial)
    public void start() throws IOException, SQLException {
        server = EmbeddedPostgres.start();
        repository = new PostgresBackendRepository(PostgresConfig.builder(
                "postgres://postgres@localhost:" + server.getPort() + "/postgres").reloadInterval(Duration.ofHours(1)).build());
        repository.initialize();
        try (Connection c = server.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            st.execute("INSERT INTO backends (id, app, region, country, wg_ip, port) SELECT 'b-' || i, 'api', "
                    + "(ARRAY['sa','us','eu','ap'])[1 + i % 4], (ARRAY['BR','US','DE','JP'])[1 + i % 4], "
                    + "'10.' || (i / 65536) || '.' || (i / 256 % 256) || '.' || (i % 256), 8080 "
                    + "FROM generate_series(1, " + backends + ") AS i");
        }
        repository.reload();
        if (repository.all().size() != backends) {
            throw new IllegalStateException("loaded " + repository.all().size() + " of " + backends + " backends");
        }
    }

    @TearDown(Level.Trial)
    public void stop() throws IOException {
        repository.close();
        server.close();
    }

    @Benchmark
    public boolean unchanged() {
        return repository.reload();
    }

    @Benchmark
    public boolean oneRowChanged() {
        weight = weight == 1 ? 2 : 1;
        repository.updateWeight("b-1", weight);
        return repository.reload();
    }
}

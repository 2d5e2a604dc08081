/** The PostgreSQL backend registry: {@code PostgresBackendRepository} and {@code PostgresConfig}. */
module io.edgeproxy.adapters.postgres {
    requires transitive io.edgeproxy.domain;
    requires java.sql;
    requires org.slf4j;
    requires com.zaxxer.hikari;
    requires org.postgresql.jdbc;

    exports io.edgeproxy.adapters.postgres;
}

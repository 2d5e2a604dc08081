package io.edgeproxy.adapters.postgres.internal;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConnectionUrlTest {

    @Test
    void splitsTheLibpqFormIntoAJdbcUrlAndCredentials() {
        ConnectionUrl url = ConnectionUrl.parse("postgres://edgeproxy:secret@postgres:5432/edgeproxy");

        assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://postgres:5432/edgeproxy");
        assertThat(url.user()).isEqualTo("edgeproxy");
        assertThat(url.password()).isEqualTo("secret");
        assertThat(url.masked()).isEqualTo("postgres://edgeproxy:***@postgres:5432/edgeproxy");
        assertThat(url).hasToString("postgres://edgeproxy:***@postgres:5432/edgeproxy");
    }

    @Test
    void decodesPercentEncodedCredentialsAndKeepsOtherParameters() {
        ConnectionUrl url = ConnectionUrl.parse("postgresql://app%40eu:p%40ss%2Fw+rd@db1:5432,db2:5433/registry?sslmode=require");

        assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://db1:5432,db2:5433/registry?sslmode=require");
        assertThat(url.user()).isEqualTo("app@eu");
        assertThat(url.password()).isEqualTo("p@ss/w+rd");
        assertThat(url.masked()).isEqualTo("postgresql://app%40eu:***@db1:5432,db2:5433/registry?sslmode=require");
    }

    @Test
    void takesCredentialsOutOfAJdbcUrl() {
        ConnectionUrl url = ConnectionUrl.parse("jdbc:postgresql://db:5432/registry?user=u&password=s3cr3t&ssl=true");

        assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://db:5432/registry?ssl=true");
        assertThat(url.user()).isEqualTo("u");
        assertThat(url.password()).isEqualTo("s3cr3t");
        assertThat(url.masked()).isEqualTo("jdbc:postgresql://db:5432/registry?user=u&password=***&ssl=true");
    }

    @Test
    void aUrlWithoutCredentialsLeavesThemToTheDriver() {
        ConnectionUrl url = ConnectionUrl.parse("postgres://localhost/edgeproxy");

        assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://localhost/edgeproxy");
        assertThat(url.user()).isNull();
        assertThat(url.password()).isNull();
    }

    @Test
    void refusesOtherSchemesWithThePasswordMasked() {
        assertThatThrownBy(() -> ConnectionUrl.parse("mysql://root:hunter2@db/x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("url must be postgres://user:password@host:5432/database or jdbc:postgresql://host:5432/database,"
                        + " but was \"mysql://root:***@db/x\" (unknown scheme)");
        assertThatThrownBy(() -> ConnectionUrl.parse("postgres://u:hunter2@/x"))
                .hasMessageEndingWith("but was \"postgres://u:***@/x\" (no host)");
        assertThatThrownBy(() -> ConnectionUrl.parse(" ")).hasMessage("url must not be blank, but was \" \"");
    }

    @Test
    void masksPasswordsInAnyText() {
        assertThat(ConnectionUrl.maskPasswords("cannot reach postgres://a:b@c@h:5432/d now"))
                .isEqualTo("cannot reach postgres://a:***@h:5432/d now");
        assertThat(ConnectionUrl.maskPasswords("jdbc:postgresql://h/d?PASSWORD=x;y")).isEqualTo("jdbc:postgresql://h/d?PASSWORD=***;y");
        assertThat(ConnectionUrl.maskPasswords("host:5432 refused")).isEqualTo("host:5432 refused");
    }

    @Test
    void redactsTheLiteralPasswordFromDriverMessages() {
        ConnectionUrl url = ConnectionUrl.parse("postgres://u:Sup3r@h/d");

        assertThat(url.redact("server said Sup3r is wrong")).isEqualTo("server said *** is wrong");
    }
}

package io.edgeproxy.infrastructure.config;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.domain.RegionCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigFileTest {

    private static final String SA_1 = String.join("\n",
            "[[backends]]",
            "id = \"sa-1\"",
            "app = \"api\"",
            "region = \"sa\"",
            "country = \"BR\"",
            "wg_ip = \"10.50.1.1\"",
            "port = 8080",
            "");

    private static List<Backend> backends(String... lines) {
        return ConfigFile.parse("backends.toml", String.join("\n", lines)).backends();
    }

    private static void assertError(String expected, String... lines) {
        assertThatThrownBy(() -> backends(lines)).isInstanceOf(ConfigException.class).hasMessage(expected);
    }

    /** One backend with {@code extra} lines appended to its table. */
    private static String[] sa1With(String... extra) {
        String[] lines = new String[extra.length + 1];
        lines[0] = SA_1;
        System.arraycopy(extra, 0, lines, 1, extra.length);
        return lines;
    }

    @Test
    void readsEveryColumnOfABackend() {
        List<Backend> list = backends(
                "# two backends",
                "[[backends]]",
                "id = \"sa-1\"",
                "app = \"api\"",
                "region = \"SA\"",
                "country = \"br\"",
                "wg_ip = \"10.50.1.1\"",
                "port = 8080",
                "healthy = false",
                "weight = 3",
                "soft_limit = 10",
                "hard_limit = 20",
                "",
                "[[backends]]",
                "id = 'eu-1'",
                "app = 'api'",
                "region = 'eu'",
                "country = 'DE'",
                "wg_ip = 'fd00::1'",
                "port = 9_000");

        assertThat(list).hasSize(2);
        Backend sa = list.get(0);
        assertThat(sa.id()).isEqualTo("sa-1");
        assertThat(sa.app()).isEqualTo("api");
        assertThat(sa.region()).isEqualTo(RegionCode.SA);
        assertThat(sa.country()).isEqualTo("BR");
        assertThat(sa.address()).isEqualTo("10.50.1.1");
        assertThat(sa.port()).isEqualTo(8080);
        assertThat(sa.healthy()).isFalse();
        assertThat(sa.weight()).isEqualTo(3);
        assertThat(sa.softLimit()).isEqualTo(10);
        assertThat(sa.hardLimit()).isEqualTo(20);
        assertThat(sa.socketAddress()).isEqualTo(new InetSocketAddress("10.50.1.1", 8080));
        Backend eu = list.get(1);
        assertThat(eu.id()).isEqualTo("eu-1");
        assertThat(eu.region()).isEqualTo(RegionCode.EU);
        assertThat(eu.port()).isEqualTo(9000);
        assertThat(eu.socketAddress().getAddress().getHostAddress()).isEqualTo("fd00:0:0:0:0:0:0:1");
    }

    @Test
    void optionalColumnsTakeTheDocumentedDefaults() {
        Backend b = backends(SA_1).get(0);

        assertThat(b.healthy()).isTrue();
        assertThat(b.weight()).isEqualTo(1);
        assertThat(b.softLimit()).isEqualTo(100);
        assertThat(b.hardLimit()).isEqualTo(150);
    }

    @Test
    void healthyAcceptsOneAndZeroLikeTheSqlColumn() {
        assertThat(backends(sa1With("healthy = 0")).get(0).healthy()).isFalse();
        assertThat(backends(sa1With("healthy = 1")).get(0).healthy()).isTrue();
        assertThat(backends(sa1With("healthy = true")).get(0).healthy()).isTrue();
        assertError("backends.toml:9: [[backends]] #1 (id \"sa-1\"): healthy must be true, false, 1 or 0, but was 2",
                sa1With("healthy = 2"));
        assertError("backends.toml:9: [[backends]] #1 (id \"sa-1\"): healthy must be true, false, 1 or 0,"
                + " but was \"yes\" (a string)", sa1With("healthy = \"yes\""));
    }

    @Test
    void weightZeroDrainsAndSoftLimitZeroIsAllowed() {
        Backend b = backends(sa1With("weight = 0", "soft_limit = 0")).get(0);

        assertThat(b.weight()).isZero();
        assertThat(b.softLimit()).isZero();
    }

    @Test
    void aFileWithoutBackendsHasNone() {
        assertThat(backends("# nothing yet")).isEmpty();
        assertThat(backends("")).isEmpty();
    }

    @Test
    void missingRequiredKeysAreNamedAllAtOnce() {
        assertError("backends.toml:1: [[backends]] #1 (id \"x\"): missing required keys \"app\", \"wg_ip\", \"port\"",
                "[[backends]]", "id = 'x'", "region = 'sa'", "country = 'BR'");
        assertError("backends.toml:1: [[backends]] #1: missing required key \"id\"",
                "[[backends]]", "app = 'api'", "region = 'sa'", "country = 'BR'", "wg_ip = '10.0.0.1'", "port = 80");
    }

    @Test
    void unknownKeysAreRefusedListingTheKnownOnes() {
        assertError("backends.toml:9: [[backends]] #1 (id \"sa-1\"): unknown key \"wieght\"; known keys: id, app,"
                + " region, country, wg_ip, port, healthy, weight, soft_limit, hard_limit", sa1With("wieght = 2"));
        assertError("backends.toml:9: [[backends]] #1 (id \"sa-1\"): unknown key \"address\"; known keys: id, app,"
                + " region, country, wg_ip, port, healthy, weight, soft_limit, hard_limit", sa1With("address = 'x'"));
    }

    @Test
    void badValuesNameTheBackendTheKeyAndTheLine() {
        assertError("backends.toml:9: [[backends]] #1 (id \"sa-1\"): weight must be an integer >= 0, but was -1",
                sa1With("weight = -1"));
        assertError("backends.toml:9: [[backends]] #1 (id \"sa-1\"): weight must be an integer >= 0,"
                + " but was 1.5 (a float)", sa1With("weight = 1.5"));
        assertError("backends.toml:9: [[backends]] #1 (id \"sa-1\"): hard_limit must be an integer >= 1, but was 0",
                sa1With("hard_limit = 0"));
        assertError("backends.toml:9: [[backends]] #1 (id \"sa-1\"): soft_limit must be an integer >= 0,"
                + " but was 3000000000", sa1With("soft_limit = 3_000_000_000"));
        assertError("backends.toml:9: [[backends]] #1 (id \"sa-1\"): soft_limit (200) must be <= hard_limit (150);"
                + " the default is soft_limit 100, hard_limit 150", sa1With("soft_limit = 200"));
        assertError("backends.toml:9: [[backends]] #1 (id \"sa-1\"): soft_limit (50) must be <= hard_limit (40)",
                sa1With("soft_limit = 50", "hard_limit = 40"));
        assertError("backends.toml:9: [[backends]] #1 (id \"sa-1\"): soft_limit (100) must be <= hard_limit (40);"
                + " the default is soft_limit 100, hard_limit 150", sa1With("hard_limit = 40"));
    }

    @Test
    void badRequiredValuesNameTheBackendTheKeyAndTheLine() {
        String[] lines = {
                "[[backends]]",
                "id = 'sa-2'",
                "app = 'api'",
                "region = 'sa'",
                "country = 'BR'",
                "wg_ip = '10.0.0.2'",
                "port = 8080"};
        assertError("backends.toml:7: [[backends]] #1 (id \"sa-2\"): port must be an integer from 1 to 65535,"
                + " but was 70000", replace(lines, 6, "port = 70000"));
        assertError("backends.toml:7: [[backends]] #1 (id \"sa-2\"): port must be an integer from 1 to 65535,"
                + " but was \"8080\" (a string)", replace(lines, 6, "port = '8080'"));
        assertError("backends.toml:6: [[backends]] #1 (id \"sa-2\"): wg_ip must be an IPv4 or IPv6 address (host"
                + " names are not resolved), but was \"backend.internal\"", replace(lines, 5, "wg_ip = 'backend.internal'"));
        assertError("backends.toml:5: [[backends]] #1 (id \"sa-2\"): country must be an ISO 3166-1 alpha-2 code such"
                + " as \"BR\", but was \"Brazil\"", replace(lines, 4, "country = 'Brazil'"));
        assertError("backends.toml:4: [[backends]] #1 (id \"sa-2\"): region must hold only letters, digits and '-',"
                + " but was \"south america\"", replace(lines, 3, "region = 'south america'"));
        assertError("backends.toml:3: [[backends]] #1 (id \"sa-2\"): app must not be blank", replace(lines, 2, "app = ' '"));
        assertError("backends.toml:2: [[backends]] #1: id must be a string, but was 7 (an integer)",
                replace(lines, 1, "id = 7"));
    }

    @Test
    void theBackendIsNamedByItsPositionAmongSeveral() {
        assertError("backends.toml:15: [[backends]] #2 (id \"sa-2\"): port must be an integer from 1 to 65535,"
                        + " but was 0",
                SA_1, "[[backends]]", "id = \"sa-2\"", "app = \"api\"", "region = \"sa\"", "country = \"BR\"",
                "wg_ip = \"10.50.1.2\"", "port = 0");
    }

    @Test
    void duplicateIdsAreRefused() {
        assertError("backends.toml:10: [[backends]] #2 (id \"sa-1\"): duplicate id \"sa-1\", already used by"
                + " [[backends]] #1 (line 1)", SA_1, SA_1);
    }

    @Test
    void backendsMustBeAnArrayOfTables() {
        assertError("backends.toml:1: backends must be one [[backends]] table per backend, but was a table ([backends])",
                "[backends]", "id = 'x'");
        assertError("backends.toml:1: backends must be one [[backends]] table per backend, but was an array",
                "backends = ['a', 'b']");
    }

    @Test
    void unknownSectionsAreRefused() {
        assertError("backends.toml:1: unknown section \"backend\"; known sections: backends, geo, rate_limit,"
                + " circuit_breaker, health_check (one [[backends]] table per backend, one [[geo]] table per address block)", "[[backend]]", "id = 'x'");
        assertError("backends.toml:1: unknown top-level key \"region\"; known sections: backends, geo, rate_limit,"
                + " circuit_breaker, health_check (one [[backends]] table per backend, one [[geo]] table per address block)", "region = 'sa'");
    }

    @Test
    void geoTablesMapClientBlocksToCountriesLongestPrefixFirst() throws Exception {
        ConfigFile file = ConfigFile.parse("edgeproxy.toml", String.join("\n",
                "[[geo]]", "cidr = '10.0.0.0/8'", "country = 'br'",
                "[[geo]]", "cidr = '10.9.0.0/16'", "country = 'DE'"));

        var geo = file.geoResolver().orElseThrow();
        assertThat(geo.resolve(java.net.InetAddress.getByName("10.1.2.3")))
                .contains(io.edgeproxy.domain.GeoInfo.of("BR", "sa"));
        assertThat(geo.resolve(java.net.InetAddress.getByName("10.9.2.3")))
                .contains(io.edgeproxy.domain.GeoInfo.of("DE", "eu"));
        assertThat(geo.resolve(java.net.InetAddress.getByName("192.0.2.1"))).isEmpty();
        assertThat(ConfigFile.parse("edgeproxy.toml", SA_1).geoResolver()).isEmpty();
    }

    @Test
    void badGeoTablesNameTheTableAndTheKey() {
        assertError("backends.toml:2: [[geo]] #1: CIDR 10.0.0.1/8 has host bits set (bits beyond the prefix must be zero);"
                        + " did you mean 10.0.0.0/8?",
                "[[geo]]", "cidr = '10.0.0.1/8'", "country = 'BR'");
        assertError("backends.toml:3: [[geo]] #1: country \"ZZ\" is not an ISO 3166-1 alpha-2 code with a region"
                + " (see docs/geo-routing.md)", "[[geo]]", "cidr = '10.0.0.0/8'", "country = 'ZZ'");
        assertThatThrownBy(() -> backends("[[geo]]", "cidr = '10.0.0.0/8'"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("country");
        assertThatThrownBy(() -> backends("[[geo]]", "cidr = '10.0.0.0/8'", "country = 'BR'", "region = 'eu'"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("region");
    }

    @Test
    void tomlSyntaxErrorsPassThroughWithTheirLine() {
        assertError("backends.toml:7: expected '=' after key \"port\", found '8'",
                "[[backends]]", "id = 'x'", "app = 'api'", "region = 'sa'", "country = 'BR'", "wg_ip = '10.0.0.1'",
                "port 8080");
    }

    @Test
    void loadsAFileNamingItInErrors(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("backends.toml");
        Files.writeString(file, SA_1);
        ConfigFile config = ConfigFile.load(file);

        assertThat(config.backends()).extracting(Backend::id).containsExactly("sa-1");
        assertThat(config.source()).isEqualTo(file.toString());

        Files.writeString(file, SA_1 + "port = 1\n");
        assertThatThrownBy(() -> ConfigFile.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessage(file + ":8: duplicate key \"port\" (first set on line 7)");
    }

    private static String[] replace(String[] lines, int index, String line) {
        String[] copy = lines.clone();
        copy[index] = line;
        return copy;
    }
}

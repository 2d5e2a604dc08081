package io.edgeproxy.infrastructure.geo;

import io.edgeproxy.domain.CountryRegions;
import io.edgeproxy.domain.GeoInfo;
import io.edgeproxy.domain.RegionCode;
import org.junit.jupiter.api.Test;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CidrGeoResolverTest {

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    @Test
    void resolvesCountryAndRegionOfTheBlockHoldingTheAddress() throws Exception {
        CidrGeoResolver geo = CidrGeoResolver.builder()
                .add("10.0.0.0/8", "BR")
                .add("192.168.0.0/16", "de")
                .build();

        assertThat(geo.resolve(ip("10.200.3.4"))).contains(GeoInfo.of("BR", "sa"));
        assertThat(geo.resolve(ip("192.168.255.255"))).contains(GeoInfo.of("DE", "eu"));
        assertThat(geo.resolve(ip("11.0.0.0"))).isEmpty();
        assertThat(geo.resolve(ip("9.255.255.255"))).isEmpty();
        assertThat(geo.resolve(ip("192.169.0.0"))).isEmpty();
        assertThat(geo.size()).isEqualTo(2);
    }

    @Test
    void longestPrefixWinsWhicheverOrderBlocksWereAdded() throws Exception {
        CidrGeoResolver broadFirst = CidrGeoResolver.builder()
                .add("127.0.0.0/8", "BR").add("127.0.0.0/24", "US").add("127.0.0.2/32", "DE").build();
        CidrGeoResolver narrowFirst = CidrGeoResolver.builder()
                .add("127.0.0.2/32", "DE").add("127.0.0.0/24", "US").add("127.0.0.0/8", "BR").build();

        for (CidrGeoResolver geo : new CidrGeoResolver[] {broadFirst, narrowFirst}) {
            assertThat(geo.resolve(ip("127.0.0.2")).map(GeoInfo::country)).contains("DE");
            assertThat(geo.resolve(ip("127.0.0.1")).map(GeoInfo::country)).contains("US");
            assertThat(geo.resolve(ip("127.0.0.3")).map(GeoInfo::country)).contains("US");
            assertThat(geo.resolve(ip("127.0.1.1")).map(GeoInfo::country)).contains("BR");
        }
    }

    @Test
    void aBareAddressIsASingleHost() throws Exception {
        CidrGeoResolver geo = CidrGeoResolver.builder().add("203.0.113.7", "JP").add("2001:db8::7", "DE").build();

        assertThat(geo.resolve(ip("203.0.113.7")).map(GeoInfo::country)).contains("JP");
        assertThat(geo.resolve(ip("203.0.113.6"))).isEmpty();
        assertThat(geo.resolve(ip("2001:db8::7")).map(GeoInfo::country)).contains("DE");
        assertThat(geo.resolve(ip("2001:db8::8"))).isEmpty();
    }

    @Test
    void zeroPrefixIsTheDefaultRouteAndLosesToAnyLongerBlock() throws Exception {
        CidrGeoResolver geo = CidrGeoResolver.builder()
                .add("0.0.0.0/0", "US").add("10.0.0.0/8", "BR").add("::/0", "JP").build();

        assertThat(geo.resolve(ip("8.8.8.8")).map(GeoInfo::country)).contains("US");
        assertThat(geo.resolve(ip("255.255.255.255")).map(GeoInfo::country)).contains("US");
        assertThat(geo.resolve(ip("10.1.1.1")).map(GeoInfo::country)).contains("BR");
        assertThat(geo.resolve(ip("2001:db8::1")).map(GeoInfo::country)).contains("JP");
    }

    @Test
    void highAddressesCompareAsUnsignedNumbers() throws Exception {
        // 200.x and 10.x sit on both sides of the signed int boundary; so do ff00:: and 2001::.
        CidrGeoResolver geo = CidrGeoResolver.builder()
                .add("10.0.0.0/8", "BR").add("128.0.0.0/8", "US").add("200.0.0.0/8", "DE").add("127.0.0.0/8", "JP")
                .add("2001::/16", "BR").add("ff00::/16", "DE").add("8000::/16", "US")
                .build();

        assertThat(geo.resolve(ip("200.1.2.3")).map(GeoInfo::country)).contains("DE");
        assertThat(geo.resolve(ip("128.1.2.3")).map(GeoInfo::country)).contains("US");
        assertThat(geo.resolve(ip("127.255.255.255")).map(GeoInfo::country)).contains("JP");
        assertThat(geo.resolve(ip("10.0.0.0")).map(GeoInfo::country)).contains("BR");
        assertThat(geo.resolve(ip("ff00::1")).map(GeoInfo::country)).contains("DE");
        assertThat(geo.resolve(ip("8000::1")).map(GeoInfo::country)).contains("US");
        assertThat(geo.resolve(ip("2001:ffff::1")).map(GeoInfo::country)).contains("BR");
    }

    @Test
    void ipv6BlocksMatchOnEitherSideOfThe64BitBoundary() throws Exception {
        CidrGeoResolver geo = CidrGeoResolver.builder()
                .add("2001:db8::/32", "BR")
                .add("2001:db8:0:1::/64", "US")
                .add("2001:db8:0:1:8000::/65", "DE")
                .add("2001:db8:0:1:8000::1/128", "JP")
                .build();

        assertThat(geo.resolve(ip("2001:db8:ffff::1")).map(GeoInfo::country)).contains("BR");
        assertThat(geo.resolve(ip("2001:db8:0:1:7fff::1")).map(GeoInfo::country)).contains("US");
        assertThat(geo.resolve(ip("2001:db8:0:1:8000::2")).map(GeoInfo::country)).contains("DE");
        assertThat(geo.resolve(ip("2001:db8:0:1:8000::1")).map(GeoInfo::country)).contains("JP");
        assertThat(geo.resolve(ip("2001:db9::1"))).isEmpty();
    }

    @Test
    void ipv4AndIpv6TablesAreSeparate() throws Exception {
        CidrGeoResolver geo = CidrGeoResolver.builder().add("0.0.0.0/0", "BR").build();

        assertThat(geo.resolve(ip("::1"))).isEmpty();
        assertThat(geo.resolve(ip("::"))).isEmpty();
    }

    @Test
    void anIpv4MappedIpv6ClientIsLookedUpAsIpv4() throws Exception {
        CidrGeoResolver geo = CidrGeoResolver.builder().add("10.0.0.0/8", "BR").build();
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 10, 1, 2, 3};
        InetAddress client = Inet6Address.getByAddress(null, mapped, -1);

        assertThat(client).isInstanceOf(Inet6Address.class);
        assertThat(geo.resolve(client).map(GeoInfo::country)).contains("BR");
    }

    @Test
    void anIpv4MappedBlockIsTheSameAsItsIpv4Block() throws Exception {
        CidrGeoResolver geo = CidrGeoResolver.builder().add("::ffff:10.0.0.0/104", "BR").build();

        assertThat(geo.resolve(ip("10.9.9.9")).map(GeoInfo::country)).contains("BR");
        assertThatThrownBy(() -> CidrGeoResolver.builder().add("::ffff:10.0.0.0/104", "BR").add("10.0.0.0/8", "DE"))
                .hasMessageContaining("10.0.0.0/8 is given twice");
    }

    @Test
    void regionsComeFromTheCountryRegionsTable() throws Exception {
        CidrGeoResolver geo = CidrGeoResolver.builder()
                .add("10.0.0.0/8", "MX")
                .countryRegions(CountryRegions.defaults().with("MX", RegionCode.SA))
                .build();

        assertThat(geo.resolve(ip("10.0.0.1"))).contains(GeoInfo.of("MX", "sa"));
    }

    @Test
    void anExplicitGeoInfoBypassesTheTable() throws Exception {
        CidrGeoResolver geo = CidrGeoResolver.builder()
                .countryRegions(CountryRegions.of(Map.of()))
                .add("10.0.0.0/8", GeoInfo.of("BR", "lab"))
                .build();

        assertThat(geo.resolve(ip("10.0.0.1"))).contains(GeoInfo.of("BR", "lab"));
    }

    @Test
    void aCountryWithoutARegionFailsTheBuildNamingBlockAndCountry() {
        CidrGeoResolver.Builder b = CidrGeoResolver.builder()
                .countryRegions(CountryRegions.of(Map.of("BR", RegionCode.SA)))
                .add("10.0.0.0/8", "BR")
                .add("172.16.0.0/12", "DE");

        assertThatThrownBy(b::build)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("CIDR 172.16.0.0/12: country DE has no region in the country-to-region table");
    }

    @Test
    void malformedBlocksAreRefusedNamingTheBlock() {
        assertThatThrownBy(() -> CidrGeoResolver.builder().add("10.0.0.0/33", "BR"))
                .hasMessage("CIDR 10.0.0.0/33: the prefix length must be a number from 0 to 32, but was \"33\"");
        assertThatThrownBy(() -> CidrGeoResolver.builder().add("2001:db8::/129", "BR"))
                .hasMessage("CIDR 2001:db8::/129: the prefix length must be a number from 0 to 128, but was \"129\"");
        assertThatThrownBy(() -> CidrGeoResolver.builder().add("10.0.0.0/", "BR"))
                .hasMessageStartingWith("CIDR 10.0.0.0/: the prefix length must be");
        assertThatThrownBy(() -> CidrGeoResolver.builder().add("10.0.0.0/-1", "BR"))
                .hasMessageStartingWith("CIDR 10.0.0.0/-1: the prefix length must be");
        assertThatThrownBy(() -> CidrGeoResolver.builder().add("10.0.0/8", "BR"))
                .hasMessage("CIDR 10.0.0/8: the address must be an IPv4 or IPv6 literal, but was \"10.0.0\"");
        assertThatThrownBy(() -> CidrGeoResolver.builder().add("example.com/8", "BR"))
                .hasMessageStartingWith("CIDR example.com/8: the address must be an IPv4 or IPv6 literal");
        assertThatThrownBy(() -> CidrGeoResolver.builder().add("fe80::1%eth0/128", "BR"))
                .hasMessageStartingWith("CIDR fe80::1%eth0/128: an IPv6 scope");
        assertThatThrownBy(() -> CidrGeoResolver.builder().add(" ", "BR"))
                .hasMessageContaining("was blank");
    }

    @Test
    void hostBitsBeyondThePrefixAreRefusedWithTheLikelyMeaning() {
        assertThatThrownBy(() -> CidrGeoResolver.builder().add("10.1.2.3/8", "BR"))
                .hasMessage("CIDR 10.1.2.3/8 has host bits set (bits beyond the prefix must be zero);"
                        + " did you mean 10.0.0.0/8?");
        assertThatThrownBy(() -> CidrGeoResolver.builder().add("2001:db8::1/32", "BR"))
                .hasMessageEndingWith("did you mean 2001:db8::/32?");
        assertThatThrownBy(() -> CidrGeoResolver.builder().add("2001:db8:0:1:8000::1/65", "BR"))
                .hasMessageEndingWith("did you mean 2001:db8:0:1:8000::/65?");
    }

    @Test
    void aBlockGivenTwiceIsRefused() {
        assertThatThrownBy(() -> CidrGeoResolver.builder().add("10.0.0.0/8", "BR").add("10.0.0.0/8", "DE"))
                .hasMessage("CIDR 10.0.0.0/8 is given twice (as \"10.0.0.0/8\" for BR, then for DE)");
        assertThatThrownBy(() -> CidrGeoResolver.builder().add("2001:db8::/32", "BR").add("2001:DB8:0::/32", "BR"))
                .hasMessageStartingWith("CIDR 2001:DB8:0::/32 is given twice");
    }

    @Test
    void aBadCountryIsRefusedNamingTheBlock() {
        assertThatThrownBy(() -> CidrGeoResolver.builder().add("10.0.0.0/8", "Brazil"))
                .hasMessage("CIDR 10.0.0.0/8: country must be an ISO 3166-1 alpha-2 code such as \"BR\", but was \"Brazil\"");
        assertThatThrownBy(() -> CidrGeoResolver.builder().add("10.0.0.0/8", (String) null))
                .hasMessageContaining("but was \"null\"");
    }

    @Test
    void theBuiltResolverDoesNotChangeWhenTheBuilderDoes() throws Exception {
        CidrGeoResolver.Builder b = CidrGeoResolver.builder().add("10.0.0.0/8", "BR");
        CidrGeoResolver first = b.build();
        b.add("10.0.0.0/16", "DE");

        assertThat(first.resolve(ip("10.0.0.1")).map(GeoInfo::country)).contains("BR");
        assertThat(b.build().resolve(ip("10.0.0.1")).map(GeoInfo::country)).contains("DE");
    }

    @Test
    void agreesWithALinearScanOverManyRandomBlocks() throws Exception {
        Random random = new Random(42);
        String[] countries = {"BR", "DE", "US", "JP"};
        CidrGeoResolver.Builder b = CidrGeoResolver.builder();
        int n = 2000;
        int[] nets = new int[n];
        int[] lengths = new int[n];
        String[] owners = new String[n];
        java.util.Set<Long> seen = new java.util.HashSet<>();
        for (int i = 0; i < n; ) {
            int length = 8 + random.nextInt(25);
            int net = random.nextInt() & (-1 << (32 - length));
            if (!seen.add(((long) net << 8) | length)) {
                continue;
            }
            nets[i] = net;
            lengths[i] = length;
            owners[i] = countries[random.nextInt(countries.length)];
            b.add(toText(net) + "/" + length, owners[i]);
            i++;
        }
        CidrGeoResolver geo = b.build();

        for (int probe = 0; probe < 20_000; probe++) {
            // Half the probes inside a known block, so matches are common.
            int address = probe % 2 == 0 ? random.nextInt()
                    : nets[random.nextInt(n)] | (random.nextInt() >>> lengths[random.nextInt(n)] >>> 1);
            String expected = null;
            int best = -1;
            for (int i = 0; i < n; i++) {
                int mask = -1 << (32 - lengths[i]);
                if ((address & mask) == nets[i] && lengths[i] > best) {
                    best = lengths[i];
                    expected = owners[i];
                }
            }
            Optional<String> actual = geo.resolve(ip(toText(address))).map(GeoInfo::country);
            assertThat(actual).as("lookup of %s", toText(address)).isEqualTo(Optional.ofNullable(expected));
        }
    }

    private static String toText(int v) {
        return (v >>> 24) + "." + (v >>> 16 & 0xff) + "." + (v >>> 8 & 0xff) + "." + (v & 0xff);
    }
}

package io.edgeproxy.infrastructure.geo;

import io.edgeproxy.domain.CountryRegions;
import io.edgeproxy.domain.GeoInfo;
import io.edgeproxy.domain.IpLiteral;
import io.edgeproxy.domain.RegionCode;
import io.edgeproxy.domain.port.GeoResolver;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A {@link GeoResolver} over a static table of CIDR blocks, each mapped to an ISO 3166-1 alpha-2
 * country; the country's region comes from a {@link CountryRegions} table (by default
 * {@link CountryRegions#defaults()}). IPv4 and IPv6 blocks may be mixed. The most specific block
 * wins (longest-prefix match), so a {@code /32} inside a {@code /8} overrides it for that address.
 * An address in no block resolves to empty: the proxy then routes by its own region.
 *
 * <pre>{@code
 * GeoResolver geo = CidrGeoResolver.builder()
 *         .add("127.0.0.0/8", "BR")
 *         .add("127.0.0.2/32", "DE")
 *         .add("2001:db8::/32", "JP")
 *         .build();
 * geo.resolve(InetAddress.getByName("127.0.0.2"));   // Optional[GeoInfo[country=DE, region=eu]]
 * }</pre>
 *
 * <p>A block is written {@code address/prefix}; a bare address means a single host ({@code /32} or
 * {@code /128}). A block with host bits set ({@code 10.0.0.1/8}) is refused rather than silently
 * truncated, and so is the same block given twice. Every error names the block.
 *
 * <p>How lookup works: blocks are grouped by prefix length; each group is a sorted array of network
 * addresses (an {@code int} per IPv4 block, two {@code long}s per IPv6 block). A lookup masks the
 * address to each length present, longest first, and binary-searches that group: at most 33 (IPv4)
 * or 129 (IPv6) searches of {@code log2(n)} steps, in practice a handful, with no allocation beyond
 * the copy of the address bytes {@link InetAddress#getAddress()} makes. The answers are
 * pre-built {@code Optional}s.
 *
 * <p>Immutable and thread-safe.
 */
public final class CidrGeoResolver implements GeoResolver {

    /** Flipping the sign bit lets signed {@code int} order sort IPv4 addresses as unsigned numbers. */
    private static final int SIGN = 0x8000_0000;

    private final int[] v4Lengths;          // distinct prefix lengths, longest first
    private final int[][] v4Networks;       // per length: network ^ SIGN, sorted
    private final Optional<GeoInfo>[][] v4Answers;

    private final int[] v6Lengths;
    private final long[][] v6High;          // per length: upper 64 bits, sorted together with v6Low
    private final long[][] v6Low;
    private final Optional<GeoInfo>[][] v6Answers;

    private final int size;

    private CidrGeoResolver(List<Entry> entries) {
        TreeMap<Integer, List<Entry>> v4 = new TreeMap<>((a, b) -> Integer.compare(b, a));
        TreeMap<Integer, List<Entry>> v6 = new TreeMap<>((a, b) -> Integer.compare(b, a));
        for (Entry e : entries) {
            (e.block.v6 ? v6 : v4).computeIfAbsent(e.block.prefix, k -> new ArrayList<>()).add(e);
        }
        this.size = entries.size();

        this.v4Lengths = new int[v4.size()];
        this.v4Networks = new int[v4.size()][];
        this.v4Answers = newAnswerTable(v4.size());
        int i = 0;
        for (Map.Entry<Integer, List<Entry>> group : v4.entrySet()) {
            List<Entry> list = group.getValue();
            list.sort((a, b) -> Integer.compareUnsigned((int) a.block.low, (int) b.block.low));
            v4Lengths[i] = group.getKey();
            v4Networks[i] = new int[list.size()];
            v4Answers[i] = newAnswers(list.size());
            for (int j = 0; j < list.size(); j++) {
                v4Networks[i][j] = (int) list.get(j).block.low ^ SIGN;
                v4Answers[i][j] = Optional.of(list.get(j).geo);
            }
            i++;
        }

        this.v6Lengths = new int[v6.size()];
        this.v6High = new long[v6.size()][];
        this.v6Low = new long[v6.size()][];
        this.v6Answers = newAnswerTable(v6.size());
        i = 0;
        for (Map.Entry<Integer, List<Entry>> group : v6.entrySet()) {
            List<Entry> list = group.getValue();
            list.sort((a, b) -> compare128(a.block.high, a.block.low, b.block.high, b.block.low));
            v6Lengths[i] = group.getKey();
            v6High[i] = new long[list.size()];
            v6Low[i] = new long[list.size()];
            v6Answers[i] = newAnswers(list.size());
            for (int j = 0; j < list.size(); j++) {
                v6High[i][j] = list.get(j).block.high;
                v6Low[i][j] = list.get(j).block.low;
                v6Answers[i][j] = Optional.of(list.get(j).geo);
            }
            i++;
        }
    }

    /** Starts an empty table that takes regions from {@link CountryRegions#defaults()}. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Optional<GeoInfo> resolve(InetAddress client) {
        byte[] a = client.getAddress();
        if (a.length == 4) {
            return resolve4(toInt(a, 0));
        }
        // An IPv4 client seen through a dual-stack socket may still arrive as ::ffff:a.b.c.d.
        if (isV4Mapped(a)) {
            Optional<GeoInfo> v4 = resolve4(toInt(a, 12));
            if (v4.isPresent()) {
                return v4;
            }
        }
        return resolve6(toLong(a, 0), toLong(a, 8));
    }

    private Optional<GeoInfo> resolve4(int address) {
        for (int i = 0; i < v4Lengths.length; i++) {
            int key = (address & mask32(v4Lengths[i])) ^ SIGN;
            int at = Arrays.binarySearch(v4Networks[i], key);
            if (at >= 0) {
                return v4Answers[i][at];
            }
        }
        return Optional.empty();
    }

    private Optional<GeoInfo> resolve6(long high, long low) {
        for (int i = 0; i < v6Lengths.length; i++) {
            int length = v6Lengths[i];
            long h = high & highMask(length);
            long l = low & lowMask(length);
            long[] highs = v6High[i];
            long[] lows = v6Low[i];
            int from = 0;
            int to = highs.length - 1;
            while (from <= to) {
                int mid = (from + to) >>> 1;
                int c = compare128(highs[mid], lows[mid], h, l);
                if (c < 0) {
                    from = mid + 1;
                } else if (c > 0) {
                    to = mid - 1;
                } else {
                    return v6Answers[i][mid];
                }
            }
        }
        return Optional.empty();
    }

    /** @return how many blocks the table holds */
    public int size() {
        return size;
    }

    @Override
    public String toString() {
        return "CidrGeoResolver[" + size + " blocks]";
    }

    private static int compare128(long h1, long l1, long h2, long l2) {
        int c = Long.compareUnsigned(h1, h2);
        return c != 0 ? c : Long.compareUnsigned(l1, l2);
    }

    private static int mask32(int length) {
        return length == 0 ? 0 : -1 << (32 - length);
    }

    private static long highMask(int length) {
        return length == 0 ? 0L : length >= 64 ? -1L : -1L << (64 - length);
    }

    private static long lowMask(int length) {
        return length <= 64 ? 0L : -1L << (128 - length);
    }

    private static int toInt(byte[] a, int from) {
        return (a[from] & 0xff) << 24 | (a[from + 1] & 0xff) << 16 | (a[from + 2] & 0xff) << 8 | (a[from + 3] & 0xff);
    }

    private static long toLong(byte[] a, int from) {
        long v = 0;
        for (int i = from; i < from + 8; i++) {
            v = v << 8 | (a[i] & 0xff);
        }
        return v;
    }

    private static boolean isV4Mapped(byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
    }

    @SuppressWarnings("unchecked")
    private static Optional<GeoInfo>[][] newAnswerTable(int n) {
        return (Optional<GeoInfo>[][]) new Optional<?>[n][];
    }

    @SuppressWarnings("unchecked")
    private static Optional<GeoInfo>[] newAnswers(int n) {
        return (Optional<GeoInfo>[]) new Optional<?>[n];
    }

    /**
     * Collects blocks; {@link #build()} freezes them into a {@link CidrGeoResolver}. Each
     * {@code add} validates its block at once; regions are looked up when building, so
     * {@link #countryRegions(CountryRegions)} may come before or after the blocks. Not thread-safe.
     */
    public static final class Builder {
        private final Map<Block, Pending> blocks = new LinkedHashMap<>();
        private CountryRegions countryRegions = CountryRegions.defaults();

        private Builder() {
        }

        /**
         * Maps a block to a country whose region comes from the country-to-region table.
         *
         * @param cidr    {@code 10.0.0.0/8}, {@code 2001:db8::/32}, or a single address
         * @param country ISO 3166-1 alpha-2, case-insensitive, such as {@code "BR"}
         * @throws IllegalArgumentException naming the block when it is malformed, has host bits set
         *                                  or was added before, or when the country is not a code
         */
        public Builder add(String cidr, String country) {
            Block block = Block.parse(cidr);
            put(block, new Pending(cidr.trim(), normalizeCountry(cidr, country), null));
            return this;
        }

        /** Maps a block to an explicit country and region, bypassing the country-to-region table. */
        public Builder add(String cidr, GeoInfo geo) {
            Objects.requireNonNull(geo, "geo");
            Block block = Block.parse(cidr);
            put(block, new Pending(cidr.trim(), geo.country(), geo));
            return this;
        }

        /** Where regions of countries come from. Defaults to {@link CountryRegions#defaults()}. */
        public Builder countryRegions(CountryRegions value) {
            this.countryRegions = Objects.requireNonNull(value, "countryRegions");
            return this;
        }

        /**
         * @throws IllegalArgumentException naming the block and the country when a country has no
         *                                  region in the country-to-region table
         */
        public CidrGeoResolver build() {
            List<Entry> entries = new ArrayList<>(blocks.size());
            for (Map.Entry<Block, Pending> e : blocks.entrySet()) {
                Pending p = e.getValue();
                GeoInfo geo = p.geo;
                if (geo == null) {
                    RegionCode region = countryRegions.regionOf(p.country).orElseThrow(() -> new IllegalArgumentException(
                            "CIDR " + p.cidr + ": country " + p.country + " has no region in the country-to-region"
                                    + " table; map it with CountryRegions.defaults().with(\"" + p.country
                                    + "\", region) or add the block with an explicit GeoInfo"));
                    geo = new GeoInfo(p.country, region);
                }
                entries.add(new Entry(e.getKey(), geo));
            }
            return new CidrGeoResolver(entries);
        }

        private void put(Block block, Pending pending) {
            Pending previous = blocks.putIfAbsent(block, pending);
            if (previous != null) {
                throw new IllegalArgumentException("CIDR " + pending.cidr + " is given twice (as \"" + previous.cidr
                        + "\" for " + previous.country + ", then for " + pending.country + ")");
            }
        }

        private static String normalizeCountry(String cidr, String country) {
            String c = country == null ? "" : country.trim().toUpperCase(Locale.ROOT);
            if (c.length() != 2 || c.charAt(0) < 'A' || c.charAt(0) > 'Z' || c.charAt(1) < 'A' || c.charAt(1) > 'Z') {
                throw new IllegalArgumentException("CIDR " + cidr.trim() + ": country must be an ISO 3166-1 alpha-2"
                        + " code such as \"BR\", but was \"" + country + "\"");
            }
            return c;
        }
    }

    private record Pending(String cidr, String country, GeoInfo geo) {
    }

    private record Entry(Block block, GeoInfo geo) {
    }

    /**
     * A parsed, validated block: an IPv4 network in the low 32 bits of {@code low}, or an IPv6
     * network in {@code high:low}.
     */
    record Block(boolean v6, long high, long low, int prefix) {

        static Block parse(String cidr) {
            if (cidr == null || cidr.isBlank()) {
                throw new IllegalArgumentException("CIDR must be address/prefix such as 10.0.0.0/8, but was blank");
            }
            String text = cidr.trim();
            int slash = text.indexOf('/');
            String addressText = slash < 0 ? text : text.substring(0, slash);
            if (addressText.indexOf('%') >= 0) {
                throw new IllegalArgumentException("CIDR " + text + ": an IPv6 scope (%...) is not allowed");
            }
            InetAddress address;
            try {
                address = IpLiteral.parse(addressText);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("CIDR " + text + ": the address must be an IPv4 or IPv6 literal,"
                        + " but was \"" + addressText + "\"", e);
            }
            byte[] bytes = address.getAddress();
            // Java turns ::ffff:a.b.c.d into an IPv4 address: count its prefix in IPv6 bits.
            boolean mappedV4 = address instanceof Inet4Address && addressText.indexOf(':') >= 0;
            int max = bytes.length == 4 && !mappedV4 ? 32 : 128;
            int prefix = max;
            if (slash >= 0) {
                String p = text.substring(slash + 1);
                prefix = -1;
                if (!p.isEmpty() && p.length() <= 3 && p.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    prefix = Integer.parseInt(p);
                }
                if (prefix < 0 || prefix > max) {
                    throw new IllegalArgumentException("CIDR " + text + ": the prefix length must be a number from 0 to "
                            + max + ", but was \"" + p + "\"");
                }
            }
            if (mappedV4) {
                if (prefix < 96) {
                    throw new IllegalArgumentException("CIDR " + text + ": an IPv4-mapped block needs a prefix of at"
                            + " least 96, but was " + prefix);
                }
                prefix -= 96;
            }
            if (bytes.length == 4) {
                int network = toInt(bytes, 0);
                int masked = network & mask32(prefix);
                if (masked != network) {
                    throw hostBitsSet(text, mappedV4
                            ? "::ffff:" + formatV4(masked) + "/" + (prefix + 96)
                            : formatV4(masked) + "/" + prefix);
                }
                return new Block(false, 0L, masked & 0xffff_ffffL, prefix);
            }
            long high = toLong(bytes, 0);
            long low = toLong(bytes, 8);
            long mh = high & highMask(prefix);
            long ml = low & lowMask(prefix);
            if (mh != high || ml != low) {
                throw hostBitsSet(text, formatV6(mh, ml) + "/" + prefix);
            }
            return new Block(true, mh, ml, prefix);
        }

        private static IllegalArgumentException hostBitsSet(String text, String suggestion) {
            return new IllegalArgumentException("CIDR " + text + " has host bits set (bits beyond the prefix must be"
                    + " zero); did you mean " + suggestion + "?");
        }

        private static String formatV4(int v) {
            return (v >>> 24) + "." + (v >>> 16 & 0xff) + "." + (v >>> 8 & 0xff) + "." + (v & 0xff);
        }

        /** RFC 5952 text: lower case, no leading zeros, the longest run of two or more zero groups as "::". */
        static String formatV6(long high, long low) {
            int[] groups = new int[8];
            for (int i = 0; i < 4; i++) {
                groups[i] = (int) (high >>> (48 - 16 * i)) & 0xffff;
                groups[4 + i] = (int) (low >>> (48 - 16 * i)) & 0xffff;
            }
            int bestStart = -1;
            int bestLength = 1;
            for (int i = 0; i < 8; ) {
                int j = i;
                while (j < 8 && groups[j] == 0) {
                    j++;
                }
                if (j - i > bestLength) {
                    bestStart = i;
                    bestLength = j - i;
                }
                i = j == i ? i + 1 : j;
            }
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 8; i++) {
                if (i == bestStart) {
                    sb.append("::");
                    i += bestLength - 1;
                    continue;
                }
                if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                    sb.append(':');
                }
                sb.append(Integer.toHexString(groups[i]));
            }
            return sb.toString();
        }
    }
}

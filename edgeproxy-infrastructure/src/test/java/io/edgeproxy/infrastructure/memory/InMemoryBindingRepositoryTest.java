package io.edgeproxy.infrastructure.memory;

import io.edgeproxy.domain.Binding;
import io.edgeproxy.domain.ClientKey;
import io.edgeproxy.domain.testing.Concurrently;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InMemoryBindingRepositoryTest {

    private static Binding binding(int client, String backend, long lastSeen) {
        return new Binding(new ClientKey("10.0.0." + client), backend, 0, lastSeen);
    }

    @Test
    void theDefaultCapFillsATenthOfTheHeapBetweenTenThousandAndAMillion() {
        long mib = 1024 * 1024;
        assertThat(InMemoryBindingRepository.defaultMaxBindings(64 * mib)).isEqualTo(67_108);
        assertThat(InMemoryBindingRepository.defaultMaxBindings(256 * mib)).isEqualTo(268_435);
        assertThat(InMemoryBindingRepository.defaultMaxBindings(8 * mib)).isEqualTo(10_000);
        assertThat(InMemoryBindingRepository.defaultMaxBindings(4096 * mib)).isEqualTo(1_000_000);
        assertThat(InMemoryBindingRepository.defaultMaxBindings(Long.MAX_VALUE)).isEqualTo(1_000_000);
        assertThat(new InMemoryBindingRepository().maxBindings())
                .isEqualTo(InMemoryBindingRepository.defaultMaxBindings(Runtime.getRuntime().maxMemory()));
    }

    @Test
    void neverHoldsMoreThanItsCapWhateverTheNumberOfClients() {
        InMemoryBindingRepository repo = new InMemoryBindingRepository(100);
        for (int i = 0; i < 100_000; i++) {
            repo.save(new Binding(new ClientKey("c" + i), "b", 0, 0));
            assertThat(repo.size()).isLessThanOrEqualTo(100);
        }
        // The newest binding is always kept.
        assertThat(repo.find(new ClientKey("c99999"))).isPresent();
    }

    @Test
    void replacingABindingAtTheCapEvictsNobody() {
        InMemoryBindingRepository repo = new InMemoryBindingRepository(2);
        repo.save(binding(1, "a", 0));
        repo.save(binding(2, "a", 0));
        repo.save(binding(1, "b", 5));

        assertThat(repo.size()).isEqualTo(2);
        assertThat(repo.find(new ClientKey("10.0.0.2"))).isPresent();
        assertThat(repo.find(new ClientKey("10.0.0.1")).orElseThrow().backendId()).isEqualTo("b");
    }

    @Test
    void removesOnlyExpiredBindings() {
        InMemoryBindingRepository repo = new InMemoryBindingRepository();
        repo.save(binding(1, "a", 0));
        repo.save(binding(2, "a", 50));

        assertThat(repo.removeExpired(70, Duration.ofNanos(30))).isEqualTo(1);
        assertThat(repo.find(new ClientKey("10.0.0.1"))).isEmpty();
        assertThat(repo.find(new ClientKey("10.0.0.2"))).isPresent();
    }

    @Test
    void removeIfBoundToLeavesABindingToAnotherBackend() {
        InMemoryBindingRepository repo = new InMemoryBindingRepository();
        repo.save(binding(1, "b", 0));

        repo.removeIfBoundTo(new ClientKey("10.0.0.1"), "a");
        assertThat(repo.find(new ClientKey("10.0.0.1"))).isPresent();
        repo.removeIfBoundTo(new ClientKey("10.0.0.1"), "b");
        assertThat(repo.find(new ClientKey("10.0.0.1"))).isEmpty();
    }

    private static ClientKey ipv4(int bits) {
        return new ClientKey((bits >>> 24) + "." + (bits >>> 16 & 0xFF) + "." + (bits >>> 8 & 0xFF) + "." + (bits & 0xFF));
    }

    @Test
    void aSaveAtTheCapDoesTheSameSmallWorkWhateverTheCap() {
        for (int cap : new int[] {1_000, 200_000}) {
            InMemoryBindingRepository repo = new InMemoryBindingRepository(cap);
            for (int i = 0; i < 2 * cap; i++) {
                repo.save(new Binding(ipv4(0x0A00_0000 + i), "a", i, i));
            }
            assertThat(repo.size()).isEqualTo(cap);

            int saves = 50_000;
            long mostPerSave = 0;
            long evictionsBefore = repo.evictions();
            long before = repo.bindingsVisited();
            for (int i = 2 * cap; i < 2 * cap + saves; i++) {
                long start = repo.bindingsVisited();
                repo.save(new Binding(ipv4(0x0A00_0000 + i), "a", i, i));
                mostPerSave = Math.max(mostPerSave, repo.bindingsVisited() - start);
            }
            double perSave = (repo.bindingsVisited() - before) / (double) saves;

            assertThat(repo.evictions() - evictionsBefore).as("cap %d", cap).isEqualTo(saves);
            assertThat(repo.size()).as("cap %d", cap).isEqualTo(cap);
            // 5 samples, plus a hash lookup and two chain walks that average about one binding each
            assertThat(perSave).as("bindings looked at per save, cap %d", cap).isBetween(5.0, 12.0);
            assertThat(mostPerSave).as("most bindings looked at by one save, cap %d", cap).isLessThanOrEqualTo(40);
        }
    }

    @Test
    void evictsWithoutFavouringAnyKeys() {
        int cap = 1000;
        InMemoryBindingRepository repo = new InMemoryBindingRepository(cap);
        int clients = 20 * cap;
        for (int i = 0; i < clients; i++) {
            // all equally recent: the choice of whom to evict has only the keys to go by
            repo.save(new Binding(ipv4(0x0A00_0000 + i), "a", 0, 0));
        }

        // Survivors per eighth of the buckets of a ConcurrentHashMap table sized for the cap: a table
        // emptied from its first bucket on (the old eviction) keeps only keys of its last buckets.
        int[] survivorsPerGroup = new int[8];
        int survivors = 0;
        for (int i = 0; i < clients; i++) {
            ClientKey key = ipv4(0x0A00_0000 + i);
            if (repo.find(key).isPresent()) {
                int h = key.hashCode() ^ (key.hashCode() >>> 16);
                survivorsPerGroup[(h & 2047) >>> 8]++;
                survivors++;
            }
        }

        assertThat(survivors).isEqualTo(cap);
        // 125 in each if evenly spread; the newest keys survive most and their hashes are alike, so
        // the spread is looser than a coin's, but no group is starved and neither half dominates
        assertThat(Arrays.stream(survivorsPerGroup).boxed().toList()).as("survivors per group of buckets")
                .allSatisfy(n -> assertThat(n).isGreaterThanOrEqualTo(31));
        assertThat(survivorsPerGroup[0] + survivorsPerGroup[1] + survivorsPerGroup[2] + survivorsPerGroup[3])
                .as("survivors in the first half of the buckets").isBetween(300, 700);
    }

    @Test
    void keepsAClientInUseWhileAFloodOfNewClientsPasses() {
        InMemoryBindingRepository repo = new InMemoryBindingRepository(1000);
        ClientKey regular = new ClientKey("192.0.2.1");
        repo.save(new Binding(regular, "a", 0, 0));

        for (int i = 1; i <= 100_000; i++) {
            repo.save(new Binding(ipv4(0x0A00_0000 + i), "a", i, i));
            if (i % 10 == 0) {
                // the regular client comes back every 10 new clients: never the least recently used
                assertThat(repo.find(regular)).as("after %d new clients", i).isPresent();
                repo.save(new Binding(regular, "a", 0, i));
            }
        }

        assertThat(repo.evictions()).isEqualTo(100_000 - 999);
    }

    @Test
    void storesOneSharedInstanceOfEachBackendId() {
        InMemoryBindingRepository repo = new InMemoryBindingRepository();
        repo.save(binding(1, new String("backend-a"), 0));
        repo.save(binding(2, new String("backend-a"), 0));

        String first = repo.find(new ClientKey("10.0.0.1")).orElseThrow().backendId();
        String second = repo.find(new ClientKey("10.0.0.2")).orElseThrow().backendId();
        assertThat(first).isEqualTo("backend-a").isSameAs(second);
    }

    @Test
    void findsWhatWasSavedAndFollowsEveryChange() {
        InMemoryBindingRepository repo = new InMemoryBindingRepository(50_000);
        for (int i = 0; i < 40_000; i++) {
            repo.save(new Binding(ipv4(0x0A00_0000 + i), "b" + (i % 7), i, i + 1));
        }
        for (int i = 0; i < 40_000; i += 2) {
            repo.remove(ipv4(0x0A00_0000 + i));
        }
        for (int i = 1; i < 40_000; i += 4) {
            repo.save(new Binding(ipv4(0x0A00_0000 + i), "moved", i, i + 2));
        }

        assertThat(repo.size()).isEqualTo(20_000);
        for (int i = 0; i < 40_000; i++) {
            ClientKey key = ipv4(0x0A00_0000 + i);
            if (i % 2 == 0) {
                assertThat(repo.find(key)).as("client %d", i).isEmpty();
            } else if (i % 4 == 1) {
                assertThat(repo.find(key)).as("client %d", i).contains(new Binding(key, "moved", i, i + 2));
            } else {
                assertThat(repo.find(key)).as("client %d", i).contains(new Binding(key, "b" + (i % 7), i, i + 1));
            }
        }
        assertThat(repo.removeExpired(40_002, Duration.ofNanos(0))).isEqualTo(20_000);
        assertThat(repo.size()).isZero();
    }

    @Test
    void aNewClientOverTheCapInAnEmptySegmentEvictsFromAnother() {
        int cap = 8192; // two segments
        InMemoryBindingRepository repo = new InMemoryBindingRepository(cap);
        int saved = 0;
        int next = 0;
        ClientKey other = null;
        while (saved < cap || other == null) {
            ClientKey key = ipv4(0x0A00_0000 + next++);
            boolean firstSegment = (InMemoryBindingRepository.hash(key.value()) >>> 26 & 1) == 0;
            if (firstSegment && saved < cap) {
                repo.save(new Binding(key, "a", 0, 0));
                saved++;
            } else if (!firstSegment && other == null) {
                other = key;
            }
        }
        assertThat(repo.size()).isEqualTo(cap);

        repo.save(new Binding(other, "b", 0, 1));

        assertThat(repo.size()).isEqualTo(cap);
        assertThat(repo.evictions()).isEqualTo(1);
        assertThat(repo.find(other)).map(Binding::backendId).contains("b");
    }

    @Test
    void staysConsistentAndWithinItsCapWhileFourThreadsSaveAndRemove() throws Exception {
        int cap = 10_000;
        int clients = 40_000;
        InMemoryBindingRepository repo = new InMemoryBindingRepository(cap);

        Concurrently.start(4, thread -> {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            for (int i = 0; i < 200_000; i++) {
                ClientKey key = ipv4(0x0A00_0000 + random.nextInt(clients));
                switch (random.nextInt(4)) {
                    case 0 -> repo.remove(key);
                    case 1 -> repo.removeIfBoundTo(key, "a");
                    default -> repo.save(new Binding(key, random.nextBoolean() ? "a" : "b", i, i));
                }
                if (i % 10_000 == 0) {
                    repo.removeExpired(i, Duration.ofNanos(150_000));
                    assertThat(repo.size()).isLessThanOrEqualTo(cap);
                }
            }
        }).join(60);

        int found = 0;
        for (int c = 0; c < clients; c++) {
            Optional<Binding> b = repo.find(ipv4(0x0A00_0000 + c));
            if (b.isPresent()) {
                found++;
                assertThat(b.get().backendId()).isIn("a", "b");
            }
        }
        assertThat(found).isEqualTo(repo.size()).isGreaterThan(cap / 2).isLessThanOrEqualTo(cap);
        assertThat(repo.removeExpired(Long.MAX_VALUE / 2, Duration.ofNanos(1))).isEqualTo(found);
        assertThat(repo.size()).isZero();
    }

    @Test
    void refusesACapBelowOne() {
        assertThatThrownBy(() -> new InMemoryBindingRepository(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxBindings must be >= 1, but was 0");
    }
}

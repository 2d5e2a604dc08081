package io.edgeproxy.infrastructure.memory;

import io.edgeproxy.domain.Binding;
import io.edgeproxy.domain.ClientKey;
import org.junit.jupiter.api.Test;

import java.lang.ref.Reference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a binding costs on the heap, measured as the growth of the live heap (after full GCs) while
 * the table holds 500,000 IPv4 clients, key strings included. About 90 bytes a binding; the
 * {@code ConcurrentHashMap} of {@code Binding} records it replaced took 187 here (140 of them without
 * its copy of each backend id).
 */
class InMemoryBindingRepositoryMemoryTest {

    private static final int BINDINGS = 500_000;

    @Test
    void aBindingTakesUnderOneHundredAndTwentyBytes() {
        String[] backends = {"sa-1", "sa-2", "eu-1", "us-1"};
        long before = liveHeap();
        InMemoryBindingRepository repo = new InMemoryBindingRepository(BINDINGS);
        for (int i = 0; i < BINDINGS; i++) {
            ClientKey client = new ClientKey("10." + (i >>> 16) + "." + (i >>> 8 & 0xFF) + "." + (i & 0xFF));
            // a fresh copy of the id each time, as a reloaded repository would hand out
            repo.save(new Binding(client, new String(backends[i % backends.length]), i, i));
        }
        long after = liveHeap();
        Reference.reachabilityFence(repo);

        double perBinding = (after - before) / (double) BINDINGS;
        System.out.printf("InMemoryBindingRepository: %.1f bytes per binding (%d bindings)%n", perBinding, BINDINGS);
        assertThat(repo.size()).isEqualTo(BINDINGS);
        assertThat(perBinding).isLessThan(120.0);
    }

    private static long liveHeap() {
        Runtime rt = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            used = Math.min(used, rt.totalMemory() - rt.freeMemory());
        }
        return used;
    }
}

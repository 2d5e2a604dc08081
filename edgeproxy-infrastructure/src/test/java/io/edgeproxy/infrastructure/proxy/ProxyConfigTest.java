package io.edgeproxy.infrastructure.proxy;

import io.edgeproxy.infrastructure.loop.Transport;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ProxyConfigTest {

    @Test
    void splicePipesTakeThirtyTwoPairsOfDescriptorsPerLoop() {
        assertThat(ProxyConfig.lessPipeDescriptors(100_000, 2)).isEqualTo(100_000 - 64);
    }

    @Test
    void splicePipesNeverTakeMoreThanAQuarterOfTheConnections() {
        // 1024 loops on 65,536 descriptors: 32 per loop would leave no connection at all
        assertThat(ProxyConfig.lessPipeDescriptors(32_704, 1024)).isEqualTo(32_704 - 8_176);
        assertThat(ProxyConfig.lessPipeDescriptors(3, 1)).isEqualTo(3);
        assertThat(ProxyConfig.lessPipeDescriptors(1, 1)).isEqualTo(1);
    }

    @Test
    void bulkIsSplicedOnlyOnEpollWithBuffersNoLargerThanAPipe() {
        ProxyConfig defaults = ProxyConfig.builder().transport(Transport.NIO).maxConnections(10).build();
        assertThat(defaults.splicesOn(Transport.EPOLL)).isTrue();
        assertThat(defaults.splicesOn(Transport.NIO)).isFalse();
        assertThat(defaults.toBuilder().splice(false).build().splicesOn(Transport.EPOLL)).isFalse();
        assertThat(defaults.toBuilder().bufferSize(ProxyConfig.SPLICE_PIPE_SIZE).build().splicesOn(Transport.EPOLL))
                .isTrue();
        assertThat(defaults.toBuilder().bufferSize(ProxyConfig.SPLICE_PIPE_SIZE + 1).build()
                .splicesOn(Transport.EPOLL)).isFalse();
    }

    @Test
    void theDefaultCapKeepsNoDescriptorsForPipesWhereNothingIsSpliced() {
        // the descriptors open may change between two reads of the limit: compare with a margin far below
        // what 64 loops would reserve for pipes (2,048)
        int plain = ProxyConfig.defaultMaxConnections();
        assertThat(ProxyConfig.builder().transport(Transport.NIO).eventLoops(64).build().maxConnections())
                .isBetween(plain - 64, plain + 64);
        assertThat(ProxyConfig.builder().transport(Transport.EPOLL).eventLoops(64).splice(false).build()
                .maxConnections()).isBetween(plain - 64, plain + 64);
        assertThat(ProxyConfig.builder().transport(Transport.EPOLL).eventLoops(64).bufferSize(2 << 20).build()
                .maxConnections()).isBetween(plain - 64, plain + 64);
    }
}

package io.edgeproxy.infrastructure.loop.internal;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Review: a fill of a 1 MiB pipe is bounded by the pipe's slots (one per skb fragment), not its
 * bytes. A fill can come back far short of capacity while the source still holds plenty, so
 * ProxyConnection's "n < capacity: the source is drained for now" is wrong for small segments.
 */
class SplicePipeSlotsReviewTest {

    @BeforeAll
    static void library() {
        Assumptions.assumeTrue(NativeLibrary.load(), NativeLibrary::unavailableReason);
    }

    @Test
    void aShortFillDoesNotMeanTheSourceIsDrained() throws Exception {
        int[] r = fillOnce(1448, 700, true);
        assertThat(r[0]).isLessThan(r[1]);
        assertThat(r[2]).as("bytes still in the source after a 'short' fill").isPositive();
        assertThat(r[3]).as("bytes still queued in the source socket right after the fill").isPositive();
    }

    @Test
    void largeWritesForComparison() throws Exception {
        fillOnce(64 * 1024, 24, false);
    }

    /** rx_queue of the socket local:port -> remote:port from /proc/net/tcp (bytes received, not yet read) */
    private static long rxQueue(int localPort, int remotePort) throws java.io.IOException {
        String lp = String.format(":%04X", localPort);
        String rp = String.format(":%04X", remotePort);
        for (String file : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of(file))) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 4 && f[1].endsWith(lp) && f[2].endsWith(rp)) {
                    return Long.parseLong(f[4].split(":")[1], 16);
                }
            }
        }
        return -1;
    }

    /** @return fill, capacity, left in source */
    private static int[] fillOnce(int segment, int count, boolean pace) throws Exception {
        EpollProvider p = EpollProvider.instance();
        try (ServerSocketChannel server = p.openServerSocketChannel()) {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            try (Socket writer = new Socket()) {
                writer.setTcpNoDelay(true);
                writer.connect(server.getLocalAddress());
                try (SocketChannel src = server.accept()) {
                    src.configureBlocking(false);
                    OutputStream out = writer.getOutputStream();
                    byte[] chunk = new byte[segment];
                    for (int i = 0; i < count; i++) {
                        out.write(chunk);
                        if (pace && i % 4 == 0) {
                            Thread.sleep(0, 200_000); // let each write leave as its own segment (no autocork)
                        }
                    }
                    out.flush();
                    Thread.sleep(300);
                    try (SplicePipe pipe = SplicePipe.open(1024 * 1024, 32 * 1024)) {
                        long queuedBefore = rxQueue(((InetSocketAddress) server.getLocalAddress()).getPort(), writer.getLocalPort());
                        int n = pipe.fill(src);
                        long queuedAfter = rxQueue(((InetSocketAddress) server.getLocalAddress()).getPort(), writer.getLocalPort());
                        // what is left in the source after that fill
                        ByteBuffer b = ByteBuffer.allocateDirect(1 << 20);
                        long left = 0;
                        int r;
                        while ((r = src.read(b)) > 0) {
                            left += r;
                            b.clear();
                        }
                        System.out.println("REVIEW segment=" + segment + " queuedBefore=" + queuedBefore + " queuedAfter=" + queuedAfter + " fill=" + n + " capacity=" + pipe.capacity() + " leftInSource=" + left
                                + " sent=" + (long) segment * count);
                        return new int[] {n, pipe.capacity(), (int) left, (int) queuedAfter};
                    }
                }
            }
        }
    }
}

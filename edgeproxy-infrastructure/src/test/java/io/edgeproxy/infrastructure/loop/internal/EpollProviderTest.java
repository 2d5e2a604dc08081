package io.edgeproxy.infrastructure.loop.internal;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.IllegalSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The epoll transport against the {@link java.nio.channels} contract the engine relies on, on
 * 127.0.0.1: accept, connect, read, write, half-close, errors, the selector's readiness, wakeup and
 * cancellation, and a descriptor number reused while an old event is on its way.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS) // a blocked call fails the test instead of hanging the build
class EpollProviderTest {

    private static final InetSocketAddress ANY_LOOPBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    private EpollProvider provider;
    private Selector selector;
    private final List<java.io.Closeable> open = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        assumeTrue(NativeLibrary.load(), () -> "epoll transport unavailable: " + NativeLibrary.unavailableReason());
        provider = EpollProvider.instance();
        selector = track(provider.openSelector());
    }

    @AfterEach
    void tearDown() {
        for (java.io.Closeable c : open) {
            try {
                c.close();
            } catch (IOException ignored) {
                // best effort
            }
        }
    }

    private <T extends java.io.Closeable> T track(T c) {
        open.add(c);
        return c;
    }

    private ServerSocketChannel listen() throws IOException {
        ServerSocketChannel server = track(provider.openServerSocketChannel());
        assertThat(server.isBlocking()).as("new channels start blocking, as the API says").isTrue();
        server.configureBlocking(false);
        server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        server.bind(ANY_LOOPBACK, 16);
        return server;
    }

    /** A connected pair: [0] the client side, [1] the accepted side, both non-blocking. */
    private SocketChannel[] pair(ServerSocketChannel server) throws IOException {
        SocketChannel client = track(provider.openSocketChannel(StandardProtocolFamily.INET));
        client.configureBlocking(false);
        if (!client.connect(server.getLocalAddress())) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!client.finishConnect()) {
                assertThat(System.nanoTime()).isLessThan(deadline);
                Thread.onSpinWait();
            }
        }
        SocketChannel accepted = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (accepted == null) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            accepted = server.accept();
        }
        assertThat(accepted.isBlocking()).as("an accepted channel starts blocking, as the API says").isTrue();
        accepted.configureBlocking(false);
        return new SocketChannel[] {client, track(accepted)};
    }

    private static ByteBuffer direct(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
    }

    private static String readAll(SocketChannel ch, int expected) throws IOException {
        ByteBuffer b = ByteBuffer.allocateDirect(expected);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (b.hasRemaining()) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            assertThat(ch.read(b)).isNotNegative();
        }
        b.flip();
        return StandardCharsets.US_ASCII.decode(b).toString();
    }

    @Test
    void acceptedSocketKnowsItsPeerAndRelaysBothWays() throws IOException {
        ServerSocketChannel server = listen();
        SocketChannel[] p = pair(server);
        assertThat(p[1].getRemoteAddress()).isEqualTo(p[0].getLocalAddress());
        assertThat(p[0].getRemoteAddress()).isEqualTo(server.getLocalAddress());
        assertThat(p[0].isConnected()).isTrue();
        assertThat(p[1].isBlocking()).isFalse();

        assertThat(p[0].write(direct("hello"))).isEqualTo(5);
        assertThat(readAll(p[1], 5)).isEqualTo("hello");
        ByteBuffer heap = ByteBuffer.wrap("world!".getBytes(StandardCharsets.US_ASCII));
        assertThat(p[1].write(heap)).isEqualTo(6);
        ByteBuffer into = ByteBuffer.allocate(16);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (into.position() < 6) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            p[0].read(into);
        }
        assertThat(new String(into.array(), 0, 6, StandardCharsets.US_ASCII)).isEqualTo("world!");
    }

    @Test
    void nothingToReadIsZeroAndAHalfCloseIsEndOfStream() throws IOException {
        SocketChannel[] p = pair(listen());
        assertThat(p[1].read(ByteBuffer.allocateDirect(8))).isZero();
        p[0].shutdownOutput();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        int n;
        while ((n = p[1].read(ByteBuffer.allocateDirect(8))) == 0) {
            assertThat(System.nanoTime()).isLessThan(deadline);
        }
        assertThat(n).isEqualTo(-1);
        // the other direction still works after the half-close
        assertThat(p[1].write(direct("late"))).isEqualTo(4);
        assertThat(readAll(p[0], 4)).isEqualTo("late");
        assertThatThrownBy(() -> p[0].write(direct("x"))).isInstanceOf(ClosedChannelException.class);
    }

    @Test
    void refusedConnectFailsAndClosesTheChannel() throws IOException {
        ServerSocketChannel server = listen();
        InetSocketAddress closedPort = (InetSocketAddress) server.getLocalAddress();
        server.close();
        SocketChannel client = track(provider.openSocketChannel(StandardProtocolFamily.INET));
        client.configureBlocking(false);
        assertThatThrownBy(() -> {
            if (!client.connect(closedPort)) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (!client.finishConnect()) {
                    assertThat(System.nanoTime()).isLessThan(deadline);
                }
            }
        }).isInstanceOf(ConnectException.class);
        assertThat(client.isOpen()).isFalse();
        assertThatThrownBy(() -> client.read(ByteBuffer.allocate(1))).isInstanceOf(ClosedChannelException.class);
    }

    @Test
    void selectorReportsConnectAcceptReadAndWrite() throws IOException {
        ServerSocketChannel server = listen();
        SelectionKey acceptKey = server.register(selector, SelectionKey.OP_ACCEPT, "server");
        SocketChannel client = track(provider.openSocketChannel(StandardProtocolFamily.INET));
        client.configureBlocking(false);
        boolean connected = client.connect(server.getLocalAddress());
        SelectionKey clientKey = client.register(selector, connected ? SelectionKey.OP_WRITE : SelectionKey.OP_CONNECT, "client");

        List<String> seen = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!(seen.contains("server accept") && client.isConnected())) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            selector.select(k -> {
                if (k.isAcceptable()) {
                    seen.add(k.attachment() + " accept");
                }
                if (k.isConnectable()) {
                    seen.add(k.attachment() + " connect");
                    try {
                        assertThat(((SocketChannel) k.channel()).finishConnect()).isTrue();
                    } catch (IOException e) {
                        throw new AssertionError(e);
                    }
                }
            }, 1000);
        }
        assertThat(acceptKey.readyOps()).isEqualTo(SelectionKey.OP_ACCEPT);
        SocketChannel accepted = track(server.accept());
        assertThat(accepted).isNotNull();
        accepted.configureBlocking(false);
        SelectionKey readKey = accepted.register(selector, SelectionKey.OP_READ, "accepted");
        clientKey.interestOps(SelectionKey.OP_WRITE);

        // a connected socket with room is writable; nothing to read yet
        assertThat(selector.selectNow()).isEqualTo(1);
        assertThat(selector.selectedKeys()).containsExactly(clientKey);
        assertThat(clientKey.readyOps()).isEqualTo(SelectionKey.OP_WRITE);
        selector.selectedKeys().clear();

        clientKey.interestOps(0);
        client.write(direct("ping"));
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (selector.select(1000) == 0) {
            assertThat(System.nanoTime()).isLessThan(deadline);
        }
        assertThat(selector.selectedKeys()).containsExactly(readKey);
        assertThat(readKey.isReadable()).isTrue();
        assertThat(readAll(accepted, 4)).isEqualTo("ping");
    }

    @Test
    void noInterestMeansNoEventsEvenAfterAHangUp() throws IOException {
        SocketChannel[] p = pair(listen());
        SelectionKey key = p[1].register(selector, 0, null);
        p[0].close(); // a hang-up epoll would report for ever if the socket stayed in the set
        long start = System.nanoTime();
        assertThat(selector.select(100)).isZero();
        assertThat(System.nanoTime() - start).as("waited, not woken by the hang-up").isGreaterThanOrEqualTo(90_000_000L);
        key.interestOps(SelectionKey.OP_READ);
        assertThat(selector.select(1000)).isEqualTo(1);
        assertThat(p[1].read(ByteBuffer.allocateDirect(4))).isEqualTo(-1);
    }

    @Test
    void wakeupBeforeOrDuringSelectReturnsAtOnceAndOnlyOnce() throws Exception {
        selector.wakeup();
        long start = System.nanoTime();
        assertThat(selector.select(10_000)).isZero();
        assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(5));
        // drained: the next select waits its timeout
        start = System.nanoTime();
        selector.select(50);
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(40));

        CompletableFuture<Long> took = CompletableFuture.supplyAsync(() -> {
            long t = System.nanoTime();
            try {
                selector.select(10_000);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            return System.nanoTime() - t;
        });
        Thread.sleep(100);
        selector.wakeup();
        assertThat(took.get(5, TimeUnit.SECONDS)).isLessThan(TimeUnit.SECONDS.toNanos(5));
    }

    @Test
    void cancelledKeyLeavesAtTheNextSelectAndTheChannelMayRegisterAgain() throws IOException {
        SocketChannel[] p = pair(listen());
        SelectionKey key = p[1].register(selector, SelectionKey.OP_READ, "first");
        key.cancel();
        assertThat(key.isValid()).isFalse();
        assertThatThrownBy(() -> key.interestOps(SelectionKey.OP_READ)).isInstanceOf(CancelledKeyException.class);
        p[0].write(direct("x"));
        assertThat(selector.select(100)).isZero();
        assertThat(selector.keys()).isEmpty();
        assertThat(p[1].isRegistered()).isFalse();
        SelectionKey again = p[1].register(selector, SelectionKey.OP_READ, "second");
        assertThat(selector.select(1000)).isEqualTo(1);
        assertThat(selector.selectedKeys()).containsExactly(again);
    }

    @Test
    void anEventOfAClosedSocketNeverReachesTheNextSocketWithItsNumber() throws IOException {
        ServerSocketChannel server = listen();
        SocketChannel[] p = pair(server);
        EpollSocketChannel old = (EpollSocketChannel) p[1];
        EpollKey oldKey = (EpollKey) old.register(selector, SelectionKey.OP_READ, "old");
        int oldFd = old.descriptor().fd;
        // the next client is queued before the old socket closes, so the accept takes the freed number
        SocketChannel client = track(provider.openSocketChannel(StandardProtocolFamily.INET));
        client.configureBlocking(false);
        client.connect(server.getLocalAddress());
        old.close();
        SocketChannel accepted = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (accepted == null) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            accepted = server.accept();
        }
        track(accepted).configureBlocking(false);
        EpollSocketChannel reused = (EpollSocketChannel) accepted;
        assumeTrue(reused.descriptor().fd == oldFd, "the kernel gave the freed number to the new socket");
        EpollKey newKey = (EpollKey) reused.register(selector, SelectionKey.OP_READ, "new");
        EpollSelector epoll = (EpollSelector) selector;
        synchronized (epoll) {
            // an event already fetched for the old socket carries its data: it resolves to nothing
            assertThat(epoll.keyFor(oldKey.token)).isNull();
            assertThat(epoll.keyFor(newKey.token)).isSameAs(newKey);
        }
        assertThat(newKey.token).isNotEqualTo(oldKey.token);
        assertThat((int) newKey.token).isEqualTo((int) oldKey.token).as("same descriptor, another sequence");
        while (!client.finishConnect()) {
            assertThat(System.nanoTime()).isLessThan(deadline);
        }
        client.write(direct("y"));
        List<Object> ready = new ArrayList<>();
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (ready.isEmpty()) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            selector.select(k -> ready.add(k.attachment()), 1000);
        }
        assertThat(ready).containsExactly("new");
        assertThat(oldKey.isValid()).isFalse();
    }

    @Test
    void aPendingInterruptStopsABlockingConnectBeforeItConnects() throws Exception {
        ServerSocketChannel server = listen();
        SocketChannel client = track(provider.openSocketChannel(StandardProtocolFamily.INET));
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> client.connect(server.getLocalAddress())).isInstanceOf(ClosedByInterruptException.class);
        } finally {
            Thread.interrupted();
        }
        assertThat(client.isOpen()).isFalse();
        Thread.sleep(100);
        assertThat(server.accept()).as("no connection was made").isNull();
    }

    @Test
    void aScatteringReadReturnsWhatIsThereInsteadOfWaitingForMore() throws Exception {
        SocketChannel[] p = pair(listen());
        p[0].write(direct("four"));
        Thread.sleep(50);
        p[1].configureBlocking(true);
        CompletableFuture<Long> read = CompletableFuture.supplyAsync(() -> {
            try {
                return p[1].read(new ByteBuffer[] {ByteBuffer.allocate(4), ByteBuffer.allocate(100)});
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        assertThat(read.get(5, TimeUnit.SECONDS)).isEqualTo(4);
    }

    @Test
    void closingTheSelectorDeregistersButKeepsChannelsOpen() throws IOException {
        SocketChannel[] p = pair(listen());
        SelectionKey key = p[1].register(selector, SelectionKey.OP_READ, null);
        selector.close();
        assertThat(key.isValid()).isFalse();
        assertThat(p[1].isOpen()).isTrue();
        assertThat(p[1].isRegistered()).isFalse();
    }

    @Test
    void channelsRegisterOnlyWithSelectorsOfTheirProvider() throws IOException {
        try (Selector jdk = Selector.open(); SocketChannel jdkChannel = SocketChannel.open()) {
            jdkChannel.configureBlocking(false);
            SocketChannel ours = track(provider.openSocketChannel());
            ours.configureBlocking(false);
            assertThatThrownBy(() -> ours.register(jdk, SelectionKey.OP_READ)).isInstanceOf(IllegalSelectorException.class);
            assertThatThrownBy(() -> jdkChannel.register(selector, SelectionKey.OP_READ))
                    .isInstanceOf(IllegalSelectorException.class);
        }
    }

    @Test
    void blockingModeWaitsForData() throws Exception {
        SocketChannel[] p = pair(listen());
        p[1].configureBlocking(true);
        CompletableFuture<String> read = CompletableFuture.supplyAsync(() -> {
            try {
                ByteBuffer b = ByteBuffer.allocate(5);
                int n = p[1].read(b);
                return new String(b.array(), 0, n, StandardCharsets.US_ASCII);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        Thread.sleep(100);
        assertThat(read).isNotDone();
        p[0].write(direct("later"));
        assertThat(read.get(5, TimeUnit.SECONDS)).isEqualTo("later");
    }

    @Test
    void closingFromAnotherThreadWakesABlockedRead() throws Exception {
        SocketChannel[] p = pair(listen());
        p[1].configureBlocking(true);
        CompletableFuture<Object> read = CompletableFuture.supplyAsync(() -> {
            try {
                return p[1].read(ByteBuffer.allocate(5));
            } catch (IOException e) {
                return e;
            }
        });
        Thread.sleep(100);
        assertThat(read).isNotDone();
        p[1].close();
        // woken, not left blocked, and not mistaken for the peer's end of stream
        assertThat(read.get(5, TimeUnit.SECONDS)).isInstanceOf(AsynchronousCloseException.class);
        assertThatThrownBy(() -> p[1].read(ByteBuffer.allocate(1))).isInstanceOf(ClosedChannelException.class);
    }

    @Test
    void interruptingABlockedReadClosesTheChannel() throws Exception {
        SocketChannel[] p = pair(listen());
        p[1].configureBlocking(true);
        CompletableFuture<Object> outcome = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try {
                outcome.complete(p[1].read(ByteBuffer.allocateDirect(5)));
            } catch (IOException e) {
                outcome.complete(e);
            }
        });
        reader.start();
        Thread.sleep(100);
        assertThat(outcome).isNotDone();
        reader.interrupt();
        assertThat(outcome.get(5, TimeUnit.SECONDS)).isInstanceOf(ClosedByInterruptException.class);
        reader.join(5000);
        assertThat(p[1].isOpen()).isFalse();
    }

    @Test
    void closingTheSelectorFromAnotherThreadEndsABlockedSelect() throws Exception {
        CompletableFuture<Object> outcome = new CompletableFuture<>();
        Thread selecting = new Thread(() -> {
            try {
                outcome.complete(selector.select(20_000));
            } catch (Exception e) {
                outcome.complete(e);
            }
        });
        selecting.start();
        Thread.sleep(100);
        assertThat(outcome).isNotDone();
        long start = System.nanoTime();
        selector.close();
        assertThat(outcome.get(5, TimeUnit.SECONDS)).isEqualTo(0);
        assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(5));
        selecting.join(5000);
        assertThatThrownBy(() -> selector.selectNow()).isInstanceOf(java.nio.channels.ClosedSelectorException.class);
        selector.wakeup(); // harmless once closed: the eventfd's number is not written to
    }

    @Test
    void blockingConnectWithATimeout() throws IOException {
        ServerSocketChannel server = listen();
        SocketChannel client = track(provider.openSocketChannel());
        client.configureBlocking(true);
        EpollProvider.connect(client, (InetSocketAddress) server.getLocalAddress(), 2000);
        assertThat(client.isConnected()).isTrue();
        assertThat(client.isBlocking()).isTrue();
        SocketChannel accepted = track(server.accept());
        assertThat(accepted.getRemoteAddress()).isEqualTo(client.getLocalAddress());
    }

    @Test
    void optionsRoundTripAndUnknownOnesAreRefused() throws IOException {
        SocketChannel ch = track(provider.openSocketChannel(StandardProtocolFamily.INET));
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        assertThat(ch.getOption(StandardSocketOptions.TCP_NODELAY)).isTrue();
        ch.setOption(StandardSocketOptions.SO_LINGER, 0);
        assertThat(ch.getOption(StandardSocketOptions.SO_LINGER)).isZero();
        ch.setOption(StandardSocketOptions.SO_LINGER, -1);
        assertThat(ch.getOption(StandardSocketOptions.SO_LINGER)).isEqualTo(-1);
        assertThatThrownBy(() -> ch.setOption(StandardSocketOptions.IP_TOS, 0))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(ch::socket).isInstanceOf(UnsupportedOperationException.class);
    }
}

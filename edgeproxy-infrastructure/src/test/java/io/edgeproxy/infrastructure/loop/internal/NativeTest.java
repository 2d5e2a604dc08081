package io.edgeproxy.infrastructure.loop.internal;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The JNI half of the epoll transport, call by call, on 127.0.0.1. Skipped where the library is not
 * built (not Linux, no gcc at build time).
 */
@Timeout(20)
class NativeTest {

    private static final byte[] LOOPBACK = {127, 0, 0, 1};
    private static final long WAIT_NANOS = 5_000_000_000L;

    @BeforeEach
    void loadTheLibrary() {
        Assumptions.assumeTrue(NativeLibrary.load(), NativeLibrary::unavailableReason);
    }

    // ------------------------------------------------------------------ helpers

    /** A listening socket on 127.0.0.1 and an ephemeral port: {fd, port}. */
    private static int[] listen(boolean ipv6) throws IOException {
        return listen(ipv6, 16);
    }

    private static int[] listen(boolean ipv6, int backlog) throws IOException {
        int fd = Native.socket(ipv6);
        try {
            Native.bindListen(fd, ipv6, LOOPBACK, 0, backlog);
            byte[] local = new byte[19];
            Native.localAddress(fd, local);
            assertThat(local[0]).as("127.0.0.1 is reported as 4 bytes, mapped or not").isEqualTo((byte) 4);
            assertThat(Arrays.copyOfRange(local, 3, 7)).isEqualTo(LOOPBACK);
            int port = port(local);
            assertThat(port).isBetween(1, 65535);
            return new int[] {fd, port};
        } catch (IOException | RuntimeException | Error e) {
            closeQuietly(fd);
            throw e;
        }
    }

    private static int port(byte[] address) {
        return (address[1] & 0xff) << 8 | address[2] & 0xff;
    }

    /** A client socket connected to 127.0.0.1:port, the connect finished by polling finishConnect. */
    private static int connect(boolean ipv6, int port) throws IOException {
        int fd = Native.socket(ipv6);
        try {
            int result = Native.connect(fd, ipv6, LOOPBACK, port);
            long deadline = System.nanoTime() + WAIT_NANOS;
            while (result == Native.IN_PROGRESS && System.nanoTime() < deadline) {
                result = Native.finishConnect(fd, false);
            }
            assertThat(result).isEqualTo(Native.CONNECTED);
            return fd;
        } catch (IOException | RuntimeException | Error e) {
            closeQuietly(fd);
            throw e;
        }
    }

    /** Accepts from a non-blocking listener, waiting for the connection to be queued. */
    private static int accept(int listener, byte[] peer) throws IOException {
        long deadline = System.nanoTime() + WAIT_NANOS;
        int fd;
        while ((fd = Native.accept(listener, peer)) < 0) {
            assertThat(System.nanoTime()).as("a connection to accept").isLessThan(deadline);
            Thread.onSpinWait();
        }
        return fd;
    }

    /** Reads exactly into[0 .. n) with readArray, looping over AGAIN. */
    private static void readFully(int fd, byte[] into, int n) throws IOException {
        long deadline = System.nanoTime() + WAIT_NANOS;
        int got = 0;
        while (got < n) {
            int r = Native.readArray(fd, into, got, n - got);
            assertThat(r).as("no EOF before all the bytes").isNotEqualTo(Native.EOF);
            assertThat(r).as("bounce buffer of 16 KiB").isLessThanOrEqualTo(16 * 1024);
            got += r;
            assertThat(System.nanoTime()).as("all the bytes in time").isLessThan(deadline);
        }
    }

    private static void closeQuietly(int... fds) {
        for (int fd : fds) {
            if (fd >= 0) {
                try {
                    Native.close(fd);
                } catch (IOException ignored) {
                    // the test's failure, if any, is the interesting one
                }
            }
        }
    }

    /** A call on the descriptors from another thread. */
    private interface Action {
        void run() throws IOException;
    }

    /**
     * Runs an action on another thread after a delay, unless cancelled first. Join it before the
     * descriptors it uses: a late write must not hit a number the kernel has given to someone else.
     */
    private static final class Later {
        private final Thread thread;
        private volatile boolean cancelled;

        Later(long delayMillis, Action action) {
            thread = new Thread(() -> {
                try {
                    Thread.sleep(delayMillis);
                    if (!cancelled) {
                        action.run();
                    }
                } catch (InterruptedException | IOException e) {
                    // cancelled, or the test fails on what it does not see
                }
            }, "native-test-later");
            thread.start();
        }

        /** Cancels the action if it has not started, and waits for the thread. */
        void cancelAndJoin() {
            cancelled = true;
            thread.interrupt();
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    private static long millisSince(long nanoTime) {
        return (System.nanoTime() - nanoTime) / 1_000_000;
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    // ------------------------------------------------------------------ tests

    @Test
    void acceptReportsTheClientsAddressAndPort() throws IOException {
        int[] server = listen(false);
        int client = -1;
        int accepted = -1;
        try {
            byte[] nothing = new byte[19];
            assertThat(Native.accept(server[0], nothing)).as("nothing waiting: -1").isEqualTo(-1);

            client = connect(false, server[1]);
            byte[] clientLocal = new byte[19];
            Native.localAddress(client, clientLocal);
            byte[] peer = new byte[19];
            accepted = accept(server[0], peer);

            assertThat(accepted).isGreaterThan(2).isNotIn(server[0], client);
            assertThat(peer[0]).isEqualTo((byte) 4);
            assertThat(Arrays.copyOfRange(peer, 3, 7)).isEqualTo(LOOPBACK);
            assertThat(port(peer)).isEqualTo(port(clientLocal)).isNotEqualTo(server[1]);
            byte[] acceptedLocal = new byte[19];
            Native.localAddress(accepted, acceptedLocal);
            assertThat(port(acceptedLocal)).isEqualTo(server[1]);
        } finally {
            closeQuietly(accepted, client, server[0]);
        }
    }

    @Test
    void ipv4AddressesAreMappedOnIpv6Sockets() throws IOException {
        int probe;
        try {
            probe = Native.socket(true);
        } catch (IOException e) {
            Assumptions.abort("no IPv6 here: " + e.getMessage());
            return;
        }
        closeQuietly(probe);
        int[] server = listen(true); // bound to ::ffff:127.0.0.1, reported as 127.0.0.1
        int client = -1;
        int accepted = -1;
        try {
            client = connect(true, server[1]);
            byte[] clientLocal = new byte[19];
            Native.localAddress(client, clientLocal);
            byte[] peer = new byte[19];
            accepted = accept(server[0], peer);

            assertThat(peer[0]).isEqualTo((byte) 4);
            assertThat(Arrays.copyOfRange(peer, 3, 7)).isEqualTo(LOOPBACK);
            assertThat(port(peer)).isEqualTo(port(clientLocal));
        } finally {
            closeQuietly(accepted, client, server[0]);
        }
    }

    @Test
    void theIpv4WildcardOnAnIpv6SocketIsTheIpv6Wildcard() throws IOException {
        int fd;
        try {
            fd = Native.socket(true);
        } catch (IOException e) {
            Assumptions.abort("no IPv6 here: " + e.getMessage());
            return;
        }
        try {
            // bound, never listening: nothing reachable; dual stack as the JDK (::, not ::ffff:0.0.0.0)
            Native.bind(fd, true, new byte[4], 0);
            byte[] local = new byte[19];
            Native.localAddress(fd, local);
            assertThat(local[0]).isEqualTo((byte) 16);
            assertThat(Arrays.copyOfRange(local, 3, 19)).isEqualTo(new byte[16]);
            assertThat(port(local)).isPositive();
        } finally {
            closeQuietly(fd);
        }
    }

    @Test
    void directBuffersRoundTripAtTheirPositions() throws IOException {
        int[] server = listen(false);
        int client = -1;
        int accepted = -1;
        try {
            client = connect(false, server[1]);
            accepted = accept(server[0], new byte[19]);
            byte[] data = random(1000, 1);
            ByteBuffer out = ByteBuffer.allocateDirect(1100);
            out.position(7);
            out.put(data);

            assertThat(Native.write(client, out, 7, 0)).as("zero length").isZero();
            int written = 0;
            while (written < data.length) {
                written += Native.write(client, out, 7 + written, data.length - written);
            }

            ByteBuffer in = ByteBuffer.allocateDirect(1100);
            long deadline = System.nanoTime() + WAIT_NANOS;
            int got = 0;
            while (got < data.length) {
                int r = Native.read(accepted, in, 50 + got, data.length - got);
                assertThat(r).isNotEqualTo(Native.EOF);
                got += r;
                assertThat(System.nanoTime()).isLessThan(deadline);
            }
            byte[] received = new byte[data.length];
            in.get(50, received);
            assertThat(received).isEqualTo(data);
            assertThat(in.get(49)).as("nothing before pos").isZero();
            assertThat(in.get(50 + data.length)).as("nothing after pos + len").isZero();
        } finally {
            closeQuietly(accepted, client, server[0]);
        }
    }

    @Test
    void arraysRoundTripInBounceSizedChunks() throws IOException {
        int[] server = listen(false);
        int client = -1;
        int accepted = -1;
        try {
            client = connect(false, server[1]);
            accepted = accept(server[0], new byte[19]);
            byte[] data = random(40_000, 2);
            byte[] out = new byte[data.length + 3];
            System.arraycopy(data, 0, out, 3, data.length);

            assertThat(Native.writeArray(client, out, 3, 0)).as("zero length").isZero();
            int first = Native.writeArray(client, out, 3, data.length);
            assertThat(first).as("one 16 KiB bounce buffer a call").isEqualTo(16 * 1024);
            int written = first;
            while (written < data.length) {
                written += Native.writeArray(client, out, 3 + written, data.length - written);
            }

            byte[] received = new byte[data.length];
            readFully(accepted, received, data.length);
            assertThat(received).isEqualTo(data);

            // off is honoured on the read side too, and a range outside the array is refused
            Native.writeArray(client, new byte[] {1, 2, 3}, 0, 3);
            byte[] in = new byte[10];
            int reader = accepted;
            long deadline = System.nanoTime() + WAIT_NANOS;
            int got = 0;
            while (got < 3) {
                got += Native.readArray(reader, in, 5 + got, 3 - got);
                assertThat(System.nanoTime()).isLessThan(deadline);
            }
            assertThat(in).containsExactly(0, 0, 0, 0, 0, 1, 2, 3, 0, 0);
            assertThatThrownBy(() -> Native.readArray(reader, in, in.length - 1, 2))
                    .isInstanceOf(IOException.class).hasMessage("read: range outside the buffer");
            assertThatThrownBy(() -> Native.writeArray(reader, null, 0, 1)).isInstanceOf(IOException.class);
            assertThatThrownBy(() -> Native.read(reader, ByteBuffer.allocate(8), 0, 8))
                    .isInstanceOf(IOException.class).hasMessage("read: not a direct buffer");
            assertThatThrownBy(() -> Native.write(reader, ByteBuffer.allocateDirect(8), 4, 5))
                    .isInstanceOf(IOException.class).hasMessage("write: range outside the buffer");
        } finally {
            closeQuietly(accepted, client, server[0]);
        }
    }

    @Test
    void readGivesAgainWhenEmptyAndEofAfterThePeersShutdown() throws IOException {
        int[] server = listen(false);
        int client = -1;
        int accepted = -1;
        try {
            client = connect(false, server[1]);
            accepted = accept(server[0], new byte[19]);
            byte[] buf = new byte[64];
            ByteBuffer direct = ByteBuffer.allocateDirect(64);

            assertThat(Native.readArray(accepted, buf, 0, 64)).isEqualTo(Native.AGAIN);
            assertThat(Native.read(accepted, direct, 0, 64)).isEqualTo(Native.AGAIN);

            Native.writeArray(client, new byte[] {42}, 0, 1);
            Native.shutdown(client, false, true);
            byte[] one = new byte[1];
            readFully(accepted, one, 1);
            assertThat(one[0]).isEqualTo((byte) 42);

            assertThat(Native.read(accepted, direct, 0, 64)).isEqualTo(Native.EOF);
            assertThat(Native.readArray(accepted, buf, 0, 64)).isEqualTo(Native.EOF);
            assertThat(Native.readArray(accepted, buf, 0, 0)).as("zero length, no syscall").isZero();
            // the client can still read: only its write side was shut
            assertThat(Native.readArray(client, buf, 0, 64)).isEqualTo(Native.AGAIN);
        } finally {
            closeQuietly(accepted, client, server[0]);
        }
    }

    @Test
    void connectingToAClosedPortThrowsConnectException() throws IOException {
        int[] server = listen(false);
        Native.close(server[0]); // the port is free again, nobody listens
        int client = Native.socket(false);
        try {
            assertThatThrownBy(() -> {
                if (Native.connect(client, false, LOOPBACK, server[1]) == Native.IN_PROGRESS) {
                    Native.awaitConnect(client, 5_000);
                }
            }).isInstanceOf(ConnectException.class).hasMessage("Connection refused"); // the JDK's message
        } finally {
            closeQuietly(client);
        }
    }

    @Test
    void aConnectStaysInProgressUntilTheServerHasRoom() throws IOException {
        // backlog 1: the kernel queues two connections, then drops SYNs until one is accepted
        int[] server = listen(false, 1);
        List<Integer> fds = new ArrayList<>();
        try {
            int pending = -1;
            for (int i = 0; i < 16 && pending < 0; i++) {
                int fd = Native.socket(false);
                fds.add(fd);
                if (Native.connect(fd, false, LOOPBACK, server[1]) == Native.IN_PROGRESS
                        && Native.awaitConnect(fd, 300) == Native.IN_PROGRESS) {
                    pending = fd;
                }
            }
            assertThat(pending).as("a connect kept waiting by the full accept queue").isNotNegative();
            assertThat(Native.finishConnect(pending, false)).as("not writable yet").isEqualTo(Native.IN_PROGRESS);
            long start = System.nanoTime();
            assertThat(Native.awaitConnect(pending, 200)).isEqualTo(Native.IN_PROGRESS);
            assertThat(millisSince(start)).as("waited the timeout").isGreaterThanOrEqualTo(150L);

            byte[] peer = new byte[19];
            int accepted;
            while ((accepted = Native.accept(server[0], peer)) >= 0) {
                fds.add(accepted);
            }
            // the client's next SYN (1 s, 3 s... after the first) now gets in
            assertThat(Native.awaitConnect(pending, 15_000)).isEqualTo(Native.CONNECTED);
        } finally {
            fds.forEach(NativeTest::closeQuietly);
            closeQuietly(server[0]);
        }
    }

    @Test
    void bindingATakenPortThrowsBindException() throws IOException {
        int[] server = listen(false);
        int second = Native.socket(false);
        try {
            assertThatThrownBy(() -> Native.bindListen(second, false, LOOPBACK, server[1], 16))
                    .isInstanceOf(BindException.class).hasMessage("Address already in use");
            assertThatThrownBy(() -> Native.connect(second, false, new byte[3], server[1]))
                    .isInstanceOf(IOException.class);
        } finally {
            closeQuietly(second, server[0]);
        }
    }

    @Test
    void epollReportsReadinessWithTheRegisteredData() throws IOException {
        int[] server = listen(false);
        int client = -1;
        int accepted = -1;
        int epfd = -1;
        try {
            client = connect(false, server[1]);
            accepted = accept(server[0], new byte[19]);
            epfd = Native.epollCreate();
            long data = 0x1234_0000_0005L;
            Native.epollCtl(epfd, Native.EPOLL_CTL_ADD, accepted, Native.EPOLLIN, data);
            long[] events = new long[8];

            assertThat(Native.epollWait(epfd, events, 0)).as("nothing to read yet").isZero();

            Native.writeArray(client, new byte[] {1}, 0, 1);
            assertThat(Native.epollWait(epfd, events, 5_000)).isEqualTo(1);
            assertThat(events[0] & Native.EPOLLIN).isEqualTo(Native.EPOLLIN);
            assertThat(events[0] & Native.EPOLLOUT).as("not asked for").isZero();
            assertThat(events[1]).isEqualTo(data);

            Native.epollCtl(epfd, Native.EPOLL_CTL_MOD, accepted, Native.EPOLLOUT, 77L);
            assertThat(Native.epollWait(epfd, events, 5_000)).isEqualTo(1);
            assertThat(events[0]).isEqualTo(Native.EPOLLOUT);
            assertThat(events[1]).isEqualTo(77L);

            Native.epollCtl(epfd, Native.EPOLL_CTL_DEL, accepted, 0, 0L);
            assertThat(Native.epollWait(epfd, events, 0)).as("deregistered").isZero();
            assertThatThrownBy(() -> Native.epollCtl(-1, Native.EPOLL_CTL_ADD, 0, Native.EPOLLIN, 0L))
                    .isInstanceOf(IOException.class).hasMessage("epoll_ctl: Bad file descriptor");
        } finally {
            closeQuietly(epfd, accepted, client, server[0]);
        }
    }

    @Test
    void epollWaitFillsAtMostHalfTheArray() throws IOException {
        int epfd = Native.epollCreate();
        int a = Native.eventFd();
        int b = Native.eventFd();
        try {
            Native.epollCtl(epfd, Native.EPOLL_CTL_ADD, a, Native.EPOLLIN, 1L);
            Native.epollCtl(epfd, Native.EPOLL_CTL_ADD, b, Native.EPOLLIN, 2L);
            Native.eventFdWrite(a);
            Native.eventFdWrite(b);
            long[] one = {-5, -5, -5};
            assertThat(Native.epollWait(epfd, one, 0)).isEqualTo(1);
            assertThat(one[0]).isEqualTo(Native.EPOLLIN);
            assertThat(one[1]).isIn(1L, 2L);
            assertThat(one[2]).as("past 2 * max").isEqualTo(-5);
            long[] four = new long[4];
            assertThat(Native.epollWait(epfd, four, 0)).isEqualTo(2);
            assertThat(new long[] {four[1], four[3]}).containsExactlyInAnyOrder(1L, 2L);
        } finally {
            closeQuietly(a, b, epfd);
        }
    }

    @Test
    void anEventFdWriteWakesEpollWait() throws IOException {
        int epfd = Native.epollCreate();
        int efd = Native.eventFd();
        try {
            Native.epollCtl(epfd, Native.EPOLL_CTL_ADD, efd, Native.EPOLLIN, 9L);
            long[] events = new long[2];
            assertThat(Native.epollWait(epfd, events, 0)).isZero();

            long start = System.nanoTime();
            Later waker = new Later(100, () -> Native.eventFdWrite(efd));
            try {
                assertThat(Native.epollWait(epfd, events, 10_000)).isEqualTo(1);
            } finally {
                waker.cancelAndJoin();
            }
            assertThat(millisSince(start)).as("woken, not timed out").isBetween(50L, 5_000L);
            assertThat(events).containsExactly(Native.EPOLLIN, 9L);

            // several writes, one drain: quiet again; draining an empty eventfd is fine
            Native.eventFdWrite(efd);
            Native.eventFdWrite(efd);
            Native.eventFdDrain(efd);
            assertThat(Native.epollWait(epfd, events, 0)).isZero();
            Native.eventFdDrain(efd);

            long before = System.nanoTime();
            assertThat(Native.epollWait(epfd, events, 200)).as("timed out").isZero();
            assertThat(millisSince(before)).isGreaterThanOrEqualTo(150L);
        } finally {
            closeQuietly(efd, epfd);
        }
    }

    @Test
    void socketOptionsRoundTrip() throws IOException {
        int fd = Native.socket(false);
        try {
            Native.setIntOption(fd, Native.OPT_TCP_NODELAY, 1);
            assertThat(Native.getIntOption(fd, Native.OPT_TCP_NODELAY)).isEqualTo(1);
            Native.setIntOption(fd, Native.OPT_TCP_NODELAY, 0);
            assertThat(Native.getIntOption(fd, Native.OPT_TCP_NODELAY)).isZero();

            assertThat(Native.getIntOption(fd, Native.OPT_SO_LINGER)).as("off by default").isEqualTo(-1);
            Native.setIntOption(fd, Native.OPT_SO_LINGER, 5);
            assertThat(Native.getIntOption(fd, Native.OPT_SO_LINGER)).isEqualTo(5);
            Native.setIntOption(fd, Native.OPT_SO_LINGER, 0);
            assertThat(Native.getIntOption(fd, Native.OPT_SO_LINGER)).as("on, 0 s (reset on close)").isZero();
            Native.setIntOption(fd, Native.OPT_SO_LINGER, -1);
            assertThat(Native.getIntOption(fd, Native.OPT_SO_LINGER)).isEqualTo(-1);

            Native.setIntOption(fd, Native.OPT_SO_REUSEADDR, 1);
            assertThat(Native.getIntOption(fd, Native.OPT_SO_REUSEADDR)).isEqualTo(1);
            Native.setIntOption(fd, Native.OPT_SO_KEEPALIVE, 1);
            assertThat(Native.getIntOption(fd, Native.OPT_SO_KEEPALIVE)).isEqualTo(1);
            assertThat(Native.getIntOption(fd, Native.OPT_SO_REUSEPORT)).isZero();

            assertThatThrownBy(() -> Native.setIntOption(fd, 99, 1)).isInstanceOf(IOException.class);
            assertThatThrownBy(() -> Native.getIntOption(fd, 99)).isInstanceOf(IOException.class);
        } finally {
            closeQuietly(fd);
        }
    }

    @Test
    void closeReleasesTheSocketAndReportsErrors() throws IOException {
        int[] server = listen(false);
        int client = -1;
        int accepted = -1;
        try {
            client = connect(false, server[1]);
            accepted = accept(server[0], new byte[19]);
            Native.close(client);
            client = -1;
            byte[] buf = new byte[8];
            long deadline = System.nanoTime() + WAIT_NANOS;
            int r;
            while ((r = Native.readArray(accepted, buf, 0, 8)) == Native.AGAIN) {
                assertThat(System.nanoTime()).isLessThan(deadline);
            }
            assertThat(r).as("the peer sees the close").isEqualTo(Native.EOF);
            // -1 is never a descriptor, so this cannot close another test's
            assertThatThrownBy(() -> Native.close(-1))
                    .isInstanceOf(IOException.class).hasMessage("close: Bad file descriptor");
        } finally {
            closeQuietly(accepted, client, server[0]);
        }
    }

    @Test
    void pollWaitsForReadinessAndTimesOut() throws IOException {
        int[] server = listen(false);
        int client = -1;
        int accepted = -1;
        try {
            client = connect(false, server[1]);
            accepted = accept(server[0], new byte[19]);
            int reader = accepted;
            int peer = client;
            assertThat(Native.poll(reader, Native.POLLIN, 0)).as("nothing to read yet").isZero();
            long start = System.nanoTime();
            assertThat(Native.poll(reader, Native.POLLIN, 50)).isZero();
            assertThat(System.nanoTime() - start).as("waited its timeout").isGreaterThanOrEqualTo(40_000_000L);
            assertThat(Native.poll(reader, Native.POLLOUT, 0) & Native.POLLOUT).as("room to write").isEqualTo(Native.POLLOUT);
            Later writer = new Later(100, () -> Native.writeArray(peer, new byte[] {5}, 0, 1));
            try {
                assertThat(Native.poll(reader, Native.POLLIN, 5_000) & Native.POLLIN).as("woken by the byte")
                        .isEqualTo(Native.POLLIN);
            } finally {
                writer.cancelAndJoin();
            }
            byte[] buf = new byte[1];
            assertThat(Native.readArray(reader, buf, 0, 1)).isEqualTo(1);
            assertThat(buf[0]).isEqualTo((byte) 5);
        } finally {
            closeQuietly(accepted, client, server[0]);
        }
    }
}

package io.edgeproxy.infrastructure.loop;

import io.edgeproxy.domain.testing.Eventually;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EventLoopsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private final EventLoops loops = EventLoops.start(2, "test-loop");

    @AfterEach
    void tearDown() {
        loops.close();
    }

    @Test
    void executeRunsOnTheLoopThreadAndCurrentFindsIt() throws Exception {
        EventLoop loop = loops.get(1);
        CompletableFuture<EventLoop> seen = new CompletableFuture<>();
        loop.execute(() -> seen.complete(EventLoop.current()));

        assertThat(seen.get(5, TimeUnit.SECONDS)).isSameAs(loop);
        assertThat(EventLoop.current()).isNull();
        assertThat(loop.inEventLoop()).isFalse();
    }

    @Test
    void nextSpreadsOverTheLoops() {
        assertThat(List.of(loops.next(), loops.next(), loops.next(), loops.next()))
                .containsExactly(loops.get(0), loops.get(1), loops.get(0), loops.get(1));
    }

    @Test
    void scheduledTasksRunInDeadlineOrderAndCancelledOnesNever() throws Exception {
        EventLoop loop = loops.get(0);
        List<String> ran = new CopyOnWriteArrayList<>();
        loop.schedule(Duration.ofMillis(60), () -> ran.add("late"));
        loop.schedule(Duration.ofMillis(20), () -> ran.add("early"));
        Scheduled cancelled = loop.schedule(Duration.ofMillis(40), () -> ran.add("cancelled"));
        cancelled.cancel();

        Eventually.await(WAIT, "both ran", () -> ran.size() == 2, () -> ran);
        Thread.sleep(100);
        assertThat(ran).containsExactly("early", "late");
    }

    @Test
    void aThrowingTaskLeavesTheLoopRunning() throws Exception {
        EventLoop loop = loops.get(0);
        loop.execute(() -> {
            throw new IllegalStateException("task bug");
        });
        loop.schedule(Duration.ZERO, () -> {
            throw new IllegalStateException("timer bug");
        });
        CompletableFuture<Boolean> after = new CompletableFuture<>();
        loop.schedule(Duration.ofMillis(10), () -> after.complete(true));

        assertThat(after.get(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void connectHandsOverAConnectedChannelOnTheLoop() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            EventLoop loop = loops.get(1);
            CompletableFuture<String> outcome = new CompletableFuture<>();
            loop.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()), Duration.ofSeconds(5),
                    new ConnectHandler() {
                        @Override
                        public void connected(SocketChannel channel, long connectNanos) {
                            outcome.complete(loop.inEventLoop() + " " + channel.isConnected() + " " + (connectNanos > 0));
                            loop.closeSoon(channel);
                        }

                        @Override
                        public void failed(IOException cause) {
                            outcome.completeExceptionally(cause);
                        }
                    });
            assertThat(outcome.get(5, TimeUnit.SECONDS)).isEqualTo("true true true");
        }
    }

    @Test
    void connectToAClosedPortFailsOnce() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        AtomicInteger calls = new AtomicInteger();
        CompletableFuture<IOException> failure = new CompletableFuture<>();
        loops.get(0).connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), closed), Duration.ofSeconds(5),
                new ConnectHandler() {
                    @Override
                    public void connected(SocketChannel channel, long connectNanos) {
                        calls.incrementAndGet();
                    }

                    @Override
                    public void failed(IOException cause) {
                        calls.incrementAndGet();
                        failure.complete(cause);
                    }
                });
        assertThat(failure.get(5, TimeUnit.SECONDS)).hasMessageContaining("refused");
        Thread.sleep(50);
        assertThat(calls.get()).isEqualTo(1);
    }

    @Test
    void closeStopsEveryLoopAndTheGroupIsBounded() throws Exception {
        EventLoops group = EventLoops.start(3, "test-bounded");
        group.close();
        Eventually.await(WAIT, "threads ended", () -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().startsWith("test-bounded") && t.isAlive()));
        assertThatThrownBy(() -> EventLoops.start(0, "x")).hasMessage("event loops must be between 1 and 1024, but was 0");
        assertThatThrownBy(() -> EventLoops.start(1025, "x")).hasMessage("event loops must be between 1 and 1024, but was 1025");
    }
}

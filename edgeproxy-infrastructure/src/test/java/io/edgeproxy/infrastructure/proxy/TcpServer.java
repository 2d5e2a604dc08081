package io.edgeproxy.infrastructure.proxy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** A real TCP server on 127.0.0.1 for tests: a thread per connection runs the given handler. */
final class TcpServer implements AutoCloseable {

    @FunctionalInterface
    interface Handler {
        void handle(Socket socket) throws Exception;
    }

    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "test-backend");
        t.setDaemon(true);
        return t;
    });
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    final AtomicInteger accepted = new AtomicInteger();

    TcpServer(Handler handler) {
        try {
            server = new ServerSocket(0, 4096, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        threads.execute(() -> {
            while (!server.isClosed()) {
                Socket s;
                try {
                    s = server.accept();
                } catch (IOException e) {
                    return;
                }
                accepted.incrementAndGet();
                open.add(s);
                threads.execute(() -> {
                    try (s) {
                        handler.handle(s);
                    } catch (Exception e) {
                        // the test decides what a failed connection means
                    } finally {
                        open.remove(s);
                    }
                });
            }
        });
    }

    int port() {
        return server.getLocalPort();
    }

    InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port());
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : open) {
            s.close();
        }
        threads.shutdownNow();
    }
}

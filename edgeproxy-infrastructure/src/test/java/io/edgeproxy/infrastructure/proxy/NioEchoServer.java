package io.edgeproxy.infrastructure.proxy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/** A single-threaded NIO echo server for tests with thousands of connections. */
final class NioEchoServer implements AutoCloseable {

    private final Selector selector;
    private final ServerSocketChannel server;
    private final Thread thread;

    NioEchoServer() throws IOException {
        selector = Selector.open();
        server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4096);
        server.configureBlocking(false);
        server.register(selector, SelectionKey.OP_ACCEPT);
        thread = new Thread(this::run, "test-echo");
        thread.setDaemon(true);
        thread.start();
    }

    int port() {
        return server.socket().getLocalPort();
    }

    private void run() {
        ByteBuffer buf = ByteBuffer.allocateDirect(64 * 1024);
        try {
            while (selector.isOpen()) {
                selector.select(key -> {
                    try {
                        if (key.isAcceptable()) {
                            SocketChannel ch;
                            while ((ch = server.accept()) != null) {
                                ch.configureBlocking(false);
                                ch.register(selector, SelectionKey.OP_READ);
                            }
                        } else if (key.isReadable()) {
                            SocketChannel ch = (SocketChannel) key.channel();
                            buf.clear();
                            int n = ch.read(buf);
                            if (n < 0) {
                                ch.close();
                                return;
                            }
                            buf.flip();
                            while (buf.hasRemaining()) {
                                ch.write(buf); // small test messages: the socket buffer takes them
                            }
                        }
                    } catch (IOException e) {
                        try {
                            key.channel().close();
                        } catch (IOException ignored) {
                            // closing anyway
                        }
                    }
                });
            }
        } catch (Exception e) {
            // selector closed: the test is over
        }
    }

    @Override
    public void close() throws IOException {
        for (SelectionKey k : selector.keys()) {
            k.channel().close();
        }
        selector.close();
    }
}

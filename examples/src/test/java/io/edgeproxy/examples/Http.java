package io.edgeproxy.examples;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** A minimal HTTP/1.1 client over a plain socket, so tests can choose the client's source address. */
final class Http {

    private Http() {
    }

    /** GET {@code path} through {@code proxy} from {@code sourceIp}, on a new connection; @return the body */
    static String get(InetSocketAddress proxy, String sourceIp, String path) throws IOException {
        try (Socket socket = connect(proxy, sourceIp)) {
            return exchange(socket, path, false);
        }
    }

    /** A connection from {@code sourceIp} (any 127.x works on Linux loopback). */
    static Socket connect(InetSocketAddress proxy, String sourceIp) throws IOException {
        Socket socket = new Socket();
        socket.setSoTimeout(10_000);
        socket.bind(new InetSocketAddress(sourceIp, 0));
        socket.connect(proxy, 10_000);
        return socket;
    }

    /** One request on an open connection; with {@code keepAlive} the connection stays usable. @return the body */
    static String exchange(Socket socket, String path, boolean keepAlive) throws IOException {
        String request = "GET " + path + " HTTP/1.1\r\nHost: demo\r\n"
                + (keepAlive ? "" : "Connection: close\r\n") + "\r\n";
        socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        InputStream in = socket.getInputStream();
        String head = readHead(in);
        int length = -1;
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring("content-length:".length()).trim());
            }
        }
        if (!head.startsWith("HTTP/1.1 200")) {
            throw new IOException("unexpected answer: " + head);
        }
        byte[] body = length >= 0 ? in.readNBytes(length) : in.readAllBytes();
        return new String(body, StandardCharsets.UTF_8);
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed before the end of the response head: " + head);
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }
}

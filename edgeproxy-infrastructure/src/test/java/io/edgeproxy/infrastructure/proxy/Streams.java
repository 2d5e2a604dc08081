package io.edgeproxy.infrastructure.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/** Random payloads with checksums, and helpers that read and write whole streams. */
final class Streams {

    private Streams() {
    }

    /** What went through a stream: how many bytes and their checksum. */
    record Digest(long bytes, long crc) {
    }

    /** Writes {@code size} pseudo-random bytes from {@code seed}. */
    static Digest writeRandom(OutputStream out, long seed, long size) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        CRC32C crc = new CRC32C();
        byte[] chunk = new byte[64 * 1024];
        long left = size;
        while (left > 0) {
            int n = (int) Math.min(chunk.length, left);
            for (int i = 0; i < n; i += 8) {
                long r = random.nextLong();
                for (int j = 0; j < 8 && i + j < n; j++) {
                    chunk[i + j] = (byte) (r >>> (8 * j));
                }
            }
            out.write(chunk, 0, n);
            crc.update(chunk, 0, n);
            left -= n;
        }
        out.flush();
        return new Digest(size, crc.getValue());
    }

    /** Reads until end of stream. */
    static Digest readAll(InputStream in) throws IOException {
        CRC32C crc = new CRC32C();
        byte[] chunk = new byte[64 * 1024];
        long total = 0;
        int n;
        while ((n = in.read(chunk)) >= 0) {
            crc.update(chunk, 0, n);
            total += n;
        }
        return new Digest(total, crc.getValue());
    }

    /** Echo handler for {@link TcpServer}: copies everything back, then ends its output. */
    static void echo(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream();
        byte[] buf = new byte[64 * 1024];
        int n;
        while ((n = in.read(buf)) >= 0) {
            out.write(buf, 0, n);
        }
        s.shutdownOutput();
    }
}

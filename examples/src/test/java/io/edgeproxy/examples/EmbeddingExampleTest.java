package io.edgeproxy.examples;

import io.edgeproxy.infrastructure.EdgeProxy;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

class EmbeddingExampleTest {

    @Test
    void readmeExampleForwardsToTheLocalRegionBackend() throws Exception {
        try (ServerSocket sa = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             ServerSocket eu = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             EdgeProxy proxy = EmbeddingExample.start("127.0.0.1:0", sa.getLocalPort(), eu.getLocalPort())) {
            CompletableFuture<String> served = CompletableFuture.supplyAsync(() -> {
                try (Socket s = sa.accept()) {
                    s.getOutputStream().write("sa-1\n".getBytes(StandardCharsets.US_ASCII));
                    return "sa";
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            try (Socket client = new Socket()) {
                client.connect(proxy.localAddress(), 5_000);
                client.setSoTimeout(10_000);
                assertThat(new String(client.getInputStream().readNBytes(5), StandardCharsets.US_ASCII))
                        .isEqualTo("sa-1\n");
            }
            assertThat(served.get()).isEqualTo("sa");
        }
    }

    @Test
    void readmeQuotesTheExampleVerbatim() throws IOException {
        String source = Files.readString(Path.of("src/main/java/io/edgeproxy/examples/EmbeddingExample.java"));
        String snippet = source.substring(source.indexOf("// README:begin") + "// README:begin".length(),
                source.indexOf("// README:end")).stripTrailing();
        String readme = Files.readString(Path.of("../README.md"));
        String[] lines = snippet.strip().split("\n");
        for (String line : lines) {
            assertThat(readme).as("README holds the example line").contains(line.strip());
        }
    }
}

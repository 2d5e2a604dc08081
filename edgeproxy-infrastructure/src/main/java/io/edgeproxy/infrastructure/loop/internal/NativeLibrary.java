package io.edgeproxy.infrastructure.loop.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;

/**
 * Loads {@code libedgeproxy-epoll.so}, the JNI half of {@link Native}, once per class loader. The
 * build puts it in the jar at {@code META-INF/native/linux-<os.arch>/} when it has gcc on Linux;
 * without it the proxy runs on the JDK's NIO, and {@link #unavailableReason()} says why.
 *
 * <p>The library is copied out of the jar to a temporary file, loaded, and the file deleted at once:
 * the mapping stays, and no file is left behind by a crash.
 */
public final class NativeLibrary {

    static final String NAME = "libedgeproxy-epoll";

    /** Null before the first {@link #load()}. */
    private static Boolean loaded;
    private static String reason = "not loaded yet";

    private NativeLibrary() {
    }

    /** The resource path of the library for this JVM's architecture. */
    static String resourcePath() {
        return "/META-INF/native/linux-" + System.getProperty("os.arch") + "/" + NAME + ".so";
    }

    /**
     * Loads the library on the first call; later calls answer the first one's outcome.
     *
     * @return true when {@link Native}'s methods can be called
     */
    public static synchronized boolean load() {
        if (loaded == null) {
            reason = tryLoad();
            loaded = reason == null;
        }
        return loaded;
    }

    /** Why {@link #load()} failed (or "not loaded yet"); null once loaded. */
    public static synchronized String unavailableReason() {
        return reason;
    }

    /**
     * Copies the library to a new file in {@code java.io.tmpdir}. Not {@code Files.createTempFile}:
     * its random names come from {@code SecureRandom}, whose security providers cost the idle proxy
     * 0.9 MiB. A name from the clock, created only if nothing has it (no file, no link), owner-only
     * as createTempFile's, is as safe.
     */
    private static Path extract(InputStream in) throws IOException {
        Path dir = Path.of(System.getProperty("java.io.tmpdir"));
        for (int attempt = 0;; attempt++) {
            Path file = dir.resolve(NAME + "-" + Long.toHexString(System.nanoTime()) + "-" + attempt + ".so");
            OutputStream out;
            try {
                // readable by this user only, as createTempFile's
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                out = Files.newOutputStream(file, StandardOpenOption.WRITE);
            } catch (FileAlreadyExistsException e) {
                if (attempt == 100) {
                    throw e;
                }
                continue;
            }
            try (out) {
                in.transferTo(out);
                return file;
            } catch (IOException e) {
                Files.deleteIfExists(file); // a full disk: leave nothing half-written behind
                throw e;
            }
        }
    }

    /** Null when loaded, else the reason. */
    private static String tryLoad() {
        String os = System.getProperty("os.name", "");
        if (!os.toLowerCase(Locale.ROOT).startsWith("linux")) {
            return "the epoll transport is Linux only, this is " + os;
        }
        String resource = resourcePath();
        Path file = null;
        try (InputStream in = NativeLibrary.class.getResourceAsStream(resource)) {
            if (in == null) {
                return "no native library for " + System.getProperty("os.arch") + " (" + resource
                        + " is not on the class path: built without gcc, or on another architecture)";
            }
            file = extract(in);
            System.load(file.toAbsolutePath().toString());
        } catch (IOException | UnsatisfiedLinkError | RuntimeException e) {
            // RuntimeException: a JVM that refuses native access (IllegalCallerException) or a security manager
            return "cannot load " + resource + ": " + e;
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    file.toFile().deleteOnExit();
                }
            }
        }
        // Loaded is not usable: a sandbox (seccomp, gVisor) may refuse epoll or eventfd.
        try {
            Native.close(Native.epollCreate());
            Native.close(Native.eventFd());
            return null;
        } catch (IOException e) {
            return "the system refuses the epoll transport's calls: " + e.getMessage();
        }
    }
}
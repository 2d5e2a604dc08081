package io.edgeproxy.infrastructure.internal;

import java.io.BufferedReader;
import java.io.File;
import java.io.FileReader;
import java.io.IOException;
import java.util.OptionalLong;

/**
 * The process's file descriptors: its limit and how many are open. On Linux both are read from
 * {@code /proc/self} (a small file and a directory listing); elsewhere from the JDK's
 * {@code UnixOperatingSystemMXBean}, which is left alone on Linux because it loads the JDK's
 * management classes (about 150, 2-3 MiB of resident memory) for two numbers. Not an API.
 */
public final class Descriptors {

    private static final File LIMITS = new File("/proc/self/limits");
    private static final File OPEN = new File("/proc/self/fd");

    private Descriptors() {
    }

    /** @return the soft limit on open descriptors ({@code Long.MAX_VALUE} when unlimited), or empty when unknown */
    public static OptionalLong limit() {
        if (LIMITS.canRead()) {
            return limitFrom(LIMITS);
        }
        return ManagementDescriptors.limit();
    }

    /** @return how many descriptors are open now, or empty when unknown */
    public static OptionalLong open() {
        String[] names = OPEN.list();
        if (names != null) {
            return OptionalLong.of(names.length);
        }
        return ManagementDescriptors.open();
    }

    /**
     * Reads the soft limit from a {@code /proc/PID/limits} file: the line
     * {@code Max open files  <soft>  <hard>  files}.
     */
    static OptionalLong limitFrom(File limits) {
        try (BufferedReader in = new BufferedReader(new FileReader(limits))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("Max open files")) {
                    String[] fields = line.substring("Max open files".length()).trim().split("\\s+");
                    if (fields.length == 0) {
                        return OptionalLong.empty();
                    }
                    if (fields[0].equals("unlimited")) {
                        return OptionalLong.of(Long.MAX_VALUE);
                    }
                    return OptionalLong.of(Long.parseLong(fields[0]));
                }
            }
            return OptionalLong.empty();
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** The portable way, in its own class so that it is only loaded where there is no {@code /proc}. */
    private static final class ManagementDescriptors {

        static OptionalLong limit() {
            com.sun.management.UnixOperatingSystemMXBean unix = unix();
            if (unix == null) {
                return OptionalLong.empty();
            }
            long limit = unix.getMaxFileDescriptorCount();
            return limit > 0 ? OptionalLong.of(limit) : OptionalLong.empty();
        }

        static OptionalLong open() {
            com.sun.management.UnixOperatingSystemMXBean unix = unix();
            if (unix == null) {
                return OptionalLong.empty();
            }
            long open = unix.getOpenFileDescriptorCount();
            return open >= 0 ? OptionalLong.of(open) : OptionalLong.empty();
        }

        private static com.sun.management.UnixOperatingSystemMXBean unix() {
            java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            return os instanceof com.sun.management.UnixOperatingSystemMXBean
                    ? (com.sun.management.UnixOperatingSystemMXBean) os : null;
        }
    }
}

package io.edgeproxy.infrastructure.internal;

import java.io.BufferedReader;
import java.io.File;
import java.io.FileReader;
import java.io.IOException;
import java.util.OptionalLong;

/**
 * The process's file descriptors: its limit and how many are open. Where there is a
 * {@code /proc/self} (Linux) both are read from it, a small file and a directory listing; elsewhere
 * from the JDK's {@code UnixOperatingSystemMXBean}. The bean is left alone on Linux because it
 * loads the JDK's management API, about 150 classes that would stay resident in every proxy for two
 * numbers (docs/operations.md, "How idle memory is measured"). Not an API.
 */
public final class Descriptors {

    private static final File PROC_SELF = new File("/proc/self");
    private static final String LIMIT_LINE = "Max open files";

    private Descriptors() {
    }

    /** @return the soft limit on open descriptors ({@code Long.MAX_VALUE} when unlimited), or empty when unknown */
    public static OptionalLong limit() {
        return PROC_SELF.isDirectory() ? limitFrom(new File(PROC_SELF, "limits")) : ManagementDescriptors.limit();
    }

    /** @return how many descriptors are open now, or empty when unknown */
    public static OptionalLong open() {
        if (!PROC_SELF.isDirectory()) {
            return ManagementDescriptors.open();
        }
        String[] names = new File(PROC_SELF, "fd").list();
        // Listing the directory holds one descriptor of its own: not one the process keeps open.
        return names == null ? OptionalLong.empty() : OptionalLong.of(Math.max(0, names.length - 1));
    }

    /**
     * Reads the soft limit from a {@code /proc/PID/limits} file, the line
     * {@code Max open files  <soft>  <hard>  files}.
     *
     * @return the soft limit, {@code Long.MAX_VALUE} for {@code unlimited}; empty when the file or the
     *         line is missing or the value is not a positive number
     */
    static OptionalLong limitFrom(File limits) {
        try (BufferedReader in = new BufferedReader(new FileReader(limits))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith(LIMIT_LINE)) {
                    String soft = line.substring(LIMIT_LINE.length()).trim().split("\\s+")[0];
                    if (soft.equals("unlimited")) {
                        return OptionalLong.of(Long.MAX_VALUE);
                    }
                    long value = Long.parseLong(soft);
                    return value > 0 ? OptionalLong.of(value) : OptionalLong.empty();
                }
            }
            return OptionalLong.empty();
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** The portable way, in a class of its own so that it is loaded only where there is no {@code /proc}. */
    static final class ManagementDescriptors {

        private ManagementDescriptors() {
        }

        static OptionalLong limit() {
            com.sun.management.UnixOperatingSystemMXBean unix = unix();
            long limit = unix == null ? -1 : unix.getMaxFileDescriptorCount();
            return limit > 0 ? OptionalLong.of(limit) : OptionalLong.empty();
        }

        static OptionalLong open() {
            com.sun.management.UnixOperatingSystemMXBean unix = unix();
            long open = unix == null ? -1 : unix.getOpenFileDescriptorCount();
            return open >= 0 ? OptionalLong.of(open) : OptionalLong.empty();
        }

        private static com.sun.management.UnixOperatingSystemMXBean unix() {
            java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            return os instanceof com.sun.management.UnixOperatingSystemMXBean
                    ? (com.sun.management.UnixOperatingSystemMXBean) os : null;
        }
    }
}

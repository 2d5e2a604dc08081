package io.edgeproxy.infrastructure.internal;

import java.time.Duration;

/**
 * Validation of configuration values, shared by every config record so each rule is written once
 * and each message reads the same: the name, the rule, the value, as in
 * {@code "failureThreshold must be >= 1, but was 0"}. Every check throws
 * {@link IllegalArgumentException}; none clamps. Not an API.
 */
public final class Checks {

    private Checks() {
    }

    /** @return {@code value}, when it is not null */
    public static <T> T requireNonNull(T value, String name) {
        if (value == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        return value;
    }

    /** @return {@code value}, when it is at least {@code min} */
    public static int requireAtLeast(int value, int min, String name) {
        if (value < min) {
            throw new IllegalArgumentException(name + " must be >= " + min + ", but was " + value);
        }
        return value;
    }

    /** @return {@code value}, when it lies between {@code min} and {@code max}, both included */
    public static int requireBetween(int value, int min, int max, String name) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", but was " + value);
        }
        return value;
    }

    /**
     * @return {@code value}, when it is not null, longer than zero and short enough to count in
     *         nanoseconds in a {@code long} (about 292 years), as tickers and timers do
     */
    public static Duration requirePositive(Duration value, String name) {
        requireNonNull(value, name);
        if (value.isZero() || value.isNegative()) {
            throw new IllegalArgumentException(name + " must be positive, but was " + value);
        }
        try {
            value.toNanos();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(name + " must be at most 292 years, but was " + value, e);
        }
        return value;
    }

    /** @return {@code value}, when it is not null and not longer than {@code max} */
    public static Duration requireAtMost(Duration value, Duration max, String name) {
        requireNonNull(value, name);
        if (value.compareTo(max) > 0) {
            throw new IllegalArgumentException(name + " must be at most " + describe(max) + ", but was " + value);
        }
        return value;
    }

    /** @return whole days, hours, minutes or seconds in words ("1 day", "365 days"), else ISO-8601 */
    static String describe(Duration d) {
        if (d.isZero() || d.getNano() != 0) {
            return d.toString();
        }
        long s = d.getSeconds();
        if (s % 86_400 == 0) {
            return plural(s / 86_400, "day");
        }
        if (s % 3_600 == 0) {
            return plural(s / 3_600, "hour");
        }
        if (s % 60 == 0) {
            return plural(s / 60, "minute");
        }
        return plural(s, "second");
    }

    private static String plural(long n, String unit) {
        return n + " " + unit + (n == 1 ? "" : "s");
    }
}

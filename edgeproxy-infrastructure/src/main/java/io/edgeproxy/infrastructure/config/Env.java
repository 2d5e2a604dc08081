package io.edgeproxy.infrastructure.config;

import io.edgeproxy.infrastructure.net.SocketAddresses;

import java.net.InetSocketAddress;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Typed reads of environment variables, one small method per type, each with the same error
 * shape: {@code EDGEPROXY_BINDING_TTL_SECS must be a positive integer, but was "ten"}.
 *
 * <p>A bad value does not stop the reads: the getter records the error and returns the default, so
 * that {@link #validate()} can report every bad variable at once. Unset and blank variables take
 * their default. Every name read is remembered, which is how {@link #unrecognized(String)} spots a
 * variable nobody asked for (a typo such as {@code EDGEPROXY_REGOIN}): read all settings first,
 * then ask.
 *
 * <pre>{@code
 * Env env = Env.of(System.getenv());
 * int burst = env.positiveInt("EDGEPROXY_RATE_LIMIT_BURST", 10);
 * Duration window = env.seconds("EDGEPROXY_RATE_LIMIT_WINDOW_SECS", Duration.ofSeconds(1));
 * env.validate();
 * }</pre>
 *
 * Not thread-safe; use one per startup.
 */
public final class Env {

    private final Map<String, String> values;
    private final Set<String> read = new LinkedHashSet<>();
    private final List<String> errors = new ArrayList<>();

    private Env(Map<String, String> values) {
        this.values = Map.copyOf(values);
    }

    /** @param values the variables, such as {@code System.getenv()} or a map in a test */
    public static Env of(Map<String, String> values) {
        return new Env(Objects.requireNonNull(values, "values"));
    }

    /** @return the value, trimmed; empty when unset or blank */
    public Optional<String> get(String name) {
        read.add(name);
        String v = values.get(name);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
    }

    /** @return the value, or {@code defaultValue} when unset */
    public String string(String name, String defaultValue) {
        return get(name).orElse(defaultValue);
    }

    /** An integer from 1 to {@link Integer#MAX_VALUE}. */
    public int positiveInt(String name, int defaultValue) {
        long n = positive(name, defaultValue);
        return (int) n;
    }

    /** An integer in {@code [min, max]} (with {@code min >= 0}) in plain ASCII digits: no sign, space or other script's digits. */
    public int intInRange(String name, int defaultValue, int min, int max) {
        return parsed(name, defaultValue, "an integer from " + min + " to " + max, v -> {
            if (!plainDigits(v) || v.length() > 10) {
                return null;
            }
            long n = Long.parseLong(v);
            return n >= min && n <= max ? (int) n : null;
        });
    }

    /** {@code true}/{@code false}, also {@code 1}/{@code 0}, {@code yes}/{@code no}, {@code on}/{@code off}; any case. */
    public boolean bool(String name, boolean defaultValue) {
        return parsed(name, defaultValue, "true or false", v -> switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes", "on" -> Boolean.TRUE;
            case "false", "0", "no", "off" -> Boolean.FALSE;
            default -> null;
        });
    }

    /**
     * A switch that is on only for {@code 1}, {@code true} or {@code yes} (any case) and off for
     * anything else, never an error: for variables such as {@code DEBUG} that other tools set too.
     */
    public boolean flag(String name) {
        return get(name).map(v -> switch (v.toLowerCase(Locale.ROOT)) {
            case "1", "true", "yes" -> true;
            default -> false;
        }).orElse(false);
    }

    /** A positive whole number of seconds, at most {@link Integer#MAX_VALUE}, for the {@code _SECS} variables. */
    public Duration seconds(String name, Duration defaultValue) {
        long n = positive(name, -1);
        return n < 0 ? defaultValue : Duration.ofSeconds(n);
    }

    /**
     * A whole number of seconds from 0 to {@link Integer#MAX_VALUE}, where 0 means off: for the
     * timeouts that can be switched off ({@code EDGEPROXY_IDLE_TIMEOUT_SECS=0}).
     */
    public Duration secondsOrZero(String name, Duration defaultValue) {
        long n = wholeNumber(name, -1, 0, "an integer >= 0 (0 = off)");
        return n < 0 ? defaultValue : Duration.ofSeconds(n);
    }

    /**
     * Applies the rule of the component a value feeds (its own validation, such as
     * {@code RoutingService}'s limit on the binding TTL) and records its refusal as this variable's:
     * {@code EDGEPROXY_BINDING_TTL_SECS "31536001" is refused: bindingTtl must be at most 365 days ...}.
     *
     * @param rule throws {@link IllegalArgumentException} when {@code value} is out of its range
     * @return {@code value}, or {@code defaultValue} when refused
     */
    public <T> T checked(String name, T value, T defaultValue, java.util.function.Consumer<T> rule) {
        try {
            rule.accept(value);
            return value;
        } catch (IllegalArgumentException e) {
            errors.add(name + " " + quote(values.get(name)) + " is refused: " + e.getMessage());
            return defaultValue;
        }
    }

    /** An integer from 1 to {@link Integer#MAX_VALUE}, telling "too large" apart from "not a number". */
    private long positive(String name, long defaultValue) {
        return wholeNumber(name, defaultValue, 1, "a positive integer");
    }

    /** An integer from {@code min} to {@link Integer#MAX_VALUE} in plain digits; {@code rule} completes "must be". */
    private long wholeNumber(String name, long defaultValue, long min, String rule) {
        Optional<String> v = get(name);
        if (v.isEmpty()) {
            return defaultValue;
        }
        String text = v.get();
        boolean digits = plainDigits(text);
        if (digits && (text.length() > 10 || Long.parseLong(text) > Integer.MAX_VALUE)) {
            errors.add(name + " must be at most " + Integer.MAX_VALUE + ", but was " + quote(values.get(name)));
            return defaultValue;
        }
        if (!digits || Long.parseLong(text) < min) {
            errors.add(name + " must be " + rule + ", but was " + quote(values.get(name)));
            return defaultValue;
        }
        return Long.parseLong(text);
    }

    /** @return whether {@code text} is one or more ASCII digits: no sign, space or other script's digits */
    private static boolean plainDigits(String text) {
        return !text.isEmpty() && text.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    /** {@code host:port}, {@code [ipv6]:port} or {@code :port}; see {@link SocketAddresses#parse(String)}. */
    public InetSocketAddress address(String name, String defaultValue) {
        Optional<String> v = get(name);
        if (v.isEmpty()) {
            return SocketAddresses.parse(defaultValue);
        }
        try {
            return SocketAddresses.parse(v.get());
        } catch (IllegalArgumentException e) {
            String detail = addressProblem(e.getMessage());
            errors.add(name + " must be host:port such as 0.0.0.0:8080 or [::]:8080, but was " + quote(values.get(name))
                    + (detail.isEmpty() ? "" : " (" + detail + ")"));
            return SocketAddresses.parse(defaultValue);
        }
    }

    /** One of the constants of {@code type}, written in any case, with {@code -} for {@code _}. */
    public <E extends Enum<E>> E oneOf(String name, Class<E> type, E defaultValue) {
        E[] constants = type.getEnumConstants();
        List<String> names = new ArrayList<>();
        for (E c : constants) {
            names.add(c.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        }
        return parsed(name, defaultValue, "one of " + String.join(", ", names), v -> {
            String wanted = v.toLowerCase(Locale.ROOT).replace('_', '-');
            for (int i = 0; i < constants.length; i++) {
                if (names.get(i).equals(wanted)) {
                    return constants[i];
                }
            }
            return null;
        });
    }

    /** A file system path; empty when unset. Whether the file exists is for its reader to say. */
    public Optional<Path> path(String name) {
        Optional<String> v = get(name);
        if (v.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Path.of(v.get()));
        } catch (InvalidPathException e) {
            errors.add(name + " must be a file path, but was " + quote(values.get(name)) + " (" + e.getReason() + ")");
            return Optional.empty();
        }
    }

    /**
     * The general form behind the typed getters: {@code parse} returns the value, or null (or
     * throws an {@link IllegalArgumentException}) when the text breaks the rule.
     *
     * @param rule what a good value is, completing "NAME must be ...", such as "a positive integer"
     */
    public <T> T parsed(String name, T defaultValue, String rule, Function<String, T> parse) {
        Optional<String> v = get(name);
        if (v.isEmpty()) {
            return defaultValue;
        }
        T result;
        try {
            result = parse.apply(v.get());
        } catch (IllegalArgumentException e) {
            result = null;
        }
        if (result == null) {
            errors.add(name + " must be " + rule + ", but was " + quote(values.get(name)));
            return defaultValue;
        }
        return result;
    }

    /** Records a problem found by a caller's own check, reported by {@link #validate()}. */
    public void reject(String message) {
        errors.add(Objects.requireNonNull(message, "message"));
    }

    /** @return the problems found so far, one message per bad variable */
    public List<String> errors() {
        return List.copyOf(errors);
    }

    /**
     * @throws ConfigException listing every bad variable read so far, one per line, when there is any
     */
    public void validate() {
        if (!errors.isEmpty()) {
            throw new ConfigException(String.join("\n", errors));
        }
    }

    /** @return the names starting with {@code prefix} that are set but were never read, sorted */
    public List<String> unrecognized(String prefix) {
        Set<String> out = new TreeSet<>();
        for (String name : values.keySet()) {
            if (name.startsWith(prefix) && !read.contains(name)) {
                out.add(name);
            }
        }
        return List.copyOf(out);
    }

    /**
     * @return one warning per {@link #unrecognized(String) unrecognized} variable, suggesting the
     *         closest known name when one is close enough to be a typo
     */
    public List<String> unrecognizedWarnings(String prefix) {
        List<String> warnings = new ArrayList<>();
        for (String name : unrecognized(prefix)) {
            String closest = closestKnown(name);
            warnings.add("ignoring unknown environment variable " + name
                    + (closest != null ? " (did you mean " + closest + "?)"
                    : "; the " + knownWithPrefix(prefix).size() + " known ones are listed in docs/configuration.md"));
        }
        return warnings;
    }

    private List<String> knownWithPrefix(String prefix) {
        List<String> known = new ArrayList<>();
        for (String name : read) {
            if (name.startsWith(prefix)) {
                known.add(name);
            }
        }
        return known;
    }

    private String closestKnown(String name) {
        String best = null;
        int bestDistance = Math.max(2, name.length() / 6) + 1;
        for (String known : read) {
            int d = distance(name, known);
            if (d < bestDistance) {
                best = known;
                bestDistance = d;
            }
        }
        return best;
    }

    /** Levenshtein distance; names are short and this runs once per unknown variable. */
    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** What {@link SocketAddresses} found wrong, without its own restatement of the value. */
    private static String addressProblem(String message) {
        String m = message == null ? "" : message;
        int cut = m.indexOf(", but was");
        if (cut >= 0) {
            m = m.substring(0, cut);
        }
        cut = m.indexOf(" (in \"");
        if (cut >= 0) {
            m = m.substring(0, cut);
        }
        if (m.startsWith("address ")) {
            m = m.substring("address ".length());
        }
        if (m.startsWith("must be host:port") || m.startsWith("has unbalanced brackets")) {
            return m.startsWith("has") ? "unbalanced brackets" : "";
        }
        return m;
    }

    private static String quote(String raw) {
        return "\"" + raw + "\"";
    }
}

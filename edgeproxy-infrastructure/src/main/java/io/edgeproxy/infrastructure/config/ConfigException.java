package io.edgeproxy.infrastructure.config;

/**
 * A configuration that cannot be used: a malformed or invalid config file, or a bad environment
 * variable. The message is written for the operator and says where and what, for example
 * {@code backends.toml:7: expected '=' after key "port"} or
 * {@code EDGEPROXY_BINDING_TTL_SECS must be a positive integer, but was "ten"}; print it as it is,
 * a stack trace adds nothing.
 */
public final class ConfigException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String source;
    private final int line;

    /**
     * @param source where the setting came from (a file name), or null
     * @param line   the 1-based line in {@code source}, or 0 when no line applies
     * @param reason what is wrong
     */
    public ConfigException(String source, int line, String reason) {
        super(format(source, line, reason));
        this.source = source;
        this.line = line;
    }

    /** A problem not tied to a file, such as a bad environment variable. */
    public ConfigException(String reason) {
        this(null, 0, reason);
    }

    /** A problem reading {@code source} at all (missing file, not UTF-8, ...). */
    public ConfigException(String source, String reason, Throwable cause) {
        super(format(source, 0, reason), cause);
        this.source = source;
        this.line = 0;
    }

    private static String format(String source, int line, String reason) {
        if (source == null) {
            return reason;
        }
        return line > 0 ? source + ":" + line + ": " + reason : source + ": " + reason;
    }

    /** @return the file the problem is in, or null */
    public String source() {
        return source;
    }

    /** @return the 1-based line of the problem, or 0 when no line applies */
    public int line() {
        return line;
    }
}

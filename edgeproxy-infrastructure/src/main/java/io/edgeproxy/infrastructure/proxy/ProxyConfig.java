package io.edgeproxy.infrastructure.proxy;

import io.edgeproxy.infrastructure.internal.Checks;
import io.edgeproxy.infrastructure.internal.Descriptors;
import io.edgeproxy.infrastructure.loop.Transport;

import java.time.Duration;
import java.util.OptionalLong;

/**
 * Tuning of the NIO engine: event loops, timeouts, retries and buffers. Immutable; build it with
 * {@link #builder()} or take {@link #ofDefaults()}. Every setting is validated when built and the
 * error names the setting and the value.
 *
 * <pre>{@code
 * ProxyConfig config = ProxyConfig.builder()
 *         .eventLoops(2)
 *         .connectTimeout(Duration.ofSeconds(2))
 *         .idleTimeout(Duration.ofMinutes(5))
 *         .build();
 * }</pre>
 *
 * @param eventLoops     selector threads, each owning its connections. Defaults to the number of
 *                       available processors.
 * @param connectTimeout how long a backend may take to accept a connection before the next one is
 *                       tried. Defaults to 5 seconds.
 * @param idleTimeout    a connection pair with no byte either way for this long is closed;
 *                       {@link Duration#ZERO} switches it off. Defaults to 1 hour.
 * @param connectRetries how many other backends are tried after a failed connect, before any
 *                       client byte is forwarded. Defaults to 2.
 * @param bufferSize     bytes of one relay buffer, from 1 KiB to 16 MiB; a connection holds at most
 *                       one per direction, and only while bytes wait for a slow peer. Larger
 *                       buffers move bulk transfers with fewer system calls (256 KiB measured
 *                       14% faster on one stream, docs/benchmarks.md) for that much more memory
 *                       per connection a slow peer holds up. Defaults to 32 KiB.
 * @param reusePort      one listening socket per loop with {@code SO_REUSEPORT} (Linux only);
 *                       otherwise one listener hands connections to loops round-robin.
 *                       Defaults to true.
 * @param acceptBacklog  the listen backlog. Defaults to 4096.
 * @param maxConnections client connections open at once at most: above it the proxy stops
 *                       accepting (the kernel's backlog holds the rest, as HAProxy's
 *                       {@code maxconn} does) and resumes below it. Defaults to what the process's
 *                       descriptor limit allows: two descriptors per pair, after those already
 *                       open and a reserve of {@value #DESCRIPTOR_RESERVE} (see
 *                       {@link #defaultMaxConnections()}), less {@value #SPLICE_PIPES_PER_LOOP}
 *                       per event loop (at most a quarter) for splice pipes where bulk is spliced.
 * @param backendResponseTimeout when the client has sent bytes and the backend has sent nothing
 *                       for this long, the connection is closed and counted as a backend failure;
 *                       {@link Duration#ZERO} switches it off. Defaults to off.
 * @param transport      what the event loops' sockets and selectors are made of: Linux's epoll
 *                       through the library's JNI library, or the JDK's NIO ({@link Transport}).
 *                       Defaults to {@link Transport#defaultTransport()}: {@link Transport#AUTO},
 *                       epoll where it loads.
 * @param splice         on the epoll transport, a direction whose reads fill whole buffers (bulk)
 *                       moves its bytes with {@code splice(2)} through a kernel pipe instead of
 *                       copying them through a buffer (HAProxy's {@code option splice-auto}): at most
 *                       {@value #SPLICE_PIPES_PER_LOOP} pipes per event loop, each holding up to
 *                       {@value #SPLICE_PIPE_SIZE} bytes while the destination is slower. No effect
 *                       on NIO, nor with a {@code bufferSize} above {@value #SPLICE_PIPE_SIZE}
 *                       ({@link #splicesOn}). Defaults to true.
 */
public record ProxyConfig(int eventLoops, Duration connectTimeout, Duration idleTimeout, int connectRetries,
                          int bufferSize, boolean reusePort, int acceptBacklog, int maxConnections,
                          Duration backendResponseTimeout, Transport transport, boolean splice) {

    /** Splice pipes in use at once per event loop at most: two descriptors each. */
    public static final int SPLICE_PIPES_PER_LOOP = 32;
    /** Bytes a splice pipe holds at most (where the kernel allows a pipe that large: fs.pipe-max-size). */
    public static final int SPLICE_PIPE_SIZE = 1024 * 1024;

    /** Defaults to 5 seconds. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Defaults to 1 hour. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofHours(1);
    /** Defaults to 2 retries, so 3 backends at most per client connection. */
    public static final int DEFAULT_CONNECT_RETRIES = 2;
    /** Defaults to 32 KiB. */
    public static final int DEFAULT_BUFFER_SIZE = 32 * 1024;
    /** The smallest relay buffer {@link #bufferSize()} accepts: 1 KiB. */
    public static final int MIN_BUFFER_SIZE = 1024;
    /** The largest relay buffer {@link #bufferSize()} accepts: 16 MiB. */
    public static final int MAX_BUFFER_SIZE = 16 * 1024 * 1024;
    /** The longest connect and idle timeout: 365 days. */
    public static final Duration MAX_TIMEOUT = Duration.ofDays(365);
    /** Defaults to 4096. */
    public static final int DEFAULT_ACCEPT_BACKLOG = 4096;
    /** Descriptors kept free of client pairs beyond those open at start: listeners, selectors, probes, spares. */
    public static final int DESCRIPTOR_RESERVE = 128;
    /** The most event loops: {@value}. */
    public static final int MAX_EVENT_LOOPS = io.edgeproxy.infrastructure.loop.EventLoops.MAX_LOOPS;

    /**
     * Validates every setting.
     *
     * @throws IllegalArgumentException naming the first setting that is out of range, and its value
     */
    public ProxyConfig {
        if (eventLoops < 1 || eventLoops > MAX_EVENT_LOOPS) {
            throw new IllegalArgumentException("eventLoops must be between 1 and " + MAX_EVENT_LOOPS + ", but was "
                    + eventLoops);
        }
        // timers compare nanoseconds: longer timeouts than MAX_TIMEOUT would come close to overflowing
        Checks.requirePositive(Checks.requireAtMost(connectTimeout, MAX_TIMEOUT, "connectTimeout"), "connectTimeout");
        Checks.requireAtMost(idleTimeout, MAX_TIMEOUT, "idleTimeout");
        if (idleTimeout.isNegative()) {
            throw new IllegalArgumentException("idleTimeout must be >= 0 (0 = off), but was " + idleTimeout);
        }
        Checks.requireAtLeast(connectRetries, 0, "connectRetries");
        if (bufferSize < MIN_BUFFER_SIZE || bufferSize > MAX_BUFFER_SIZE) {
            throw new IllegalArgumentException("bufferSize must be between " + MIN_BUFFER_SIZE + " and " + MAX_BUFFER_SIZE
                    + " bytes, but was " + bufferSize);
        }
        Checks.requireAtLeast(acceptBacklog, 1, "acceptBacklog");
        Checks.requireAtLeast(maxConnections, 1, "maxConnections");
        Checks.requireAtMost(backendResponseTimeout, MAX_TIMEOUT, "backendResponseTimeout");
        if (backendResponseTimeout.isNegative()) {
            throw new IllegalArgumentException("backendResponseTimeout must be >= 0 (0 = off), but was "
                    + backendResponseTimeout);
        }
        java.util.Objects.requireNonNull(transport, "transport");
    }

    /**
     * @return the connection cap the process's descriptor limit allows: {@code (limit - open - }{@value
     *         #DESCRIPTOR_RESERVE}{@code ) / 2}, where {@code open} counts the descriptors open now
     *         (jars, logs, the JVM's own), at least 1; 10,000 when the limit cannot be read
     */
    public static int defaultMaxConnections() {
        OptionalLong limit = Descriptors.limit();
        if (limit.isEmpty()) {
            return 10_000;
        }
        long open = Descriptors.open().orElse(0);
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, (limit.getAsLong() - open - DESCRIPTOR_RESERVE) / 2));
    }

    /**
     * @return {@link #defaultMaxConnections()}, less what splice pipes may take where they are used
     *         ({@link #splicesOn}): {@link #lessPipeDescriptors}
     */
    static int defaultMaxConnections(int eventLoops, boolean splice, Transport transport, int bufferSize) {
        int n = defaultMaxConnections();
        return splicesOn(splice, transport.resolved(), bufferSize) ? lessPipeDescriptors(n, eventLoops) : n;
    }

    /**
     * @return {@code connections} less the pairs whose descriptors splice pipes may take: each pipe has
     *         two, as a pair has, so {@value #SPLICE_PIPES_PER_LOOP} connections per loop, but never
     *         more than a quarter of them (pools refuse pipes when descriptors run out, and pairs
     *         copy then); at least 1
     */
    static int lessPipeDescriptors(int connections, int eventLoops) {
        long reserve = Math.min((long) SPLICE_PIPES_PER_LOOP * eventLoops, connections / 4);
        return (int) Math.max(1, connections - reserve);
    }

    /**
     * @param running the transport the event loops run on ({@link Transport#AUTO} resolved)
     * @return whether bulk is spliced there: {@code splice} is on, the loops run on epoll, and a relay
     *         buffer is no larger than a pipe (a bulk read fills a buffer before a pipe takes over)
     */
    public boolean splicesOn(Transport running) {
        return splicesOn(splice, running, bufferSize);
    }

    private static boolean splicesOn(boolean splice, Transport running, int bufferSize) {
        return splice && running == Transport.EPOLL && bufferSize <= SPLICE_PIPE_SIZE;
    }

    /** @return the configuration with every default */
    public static ProxyConfig ofDefaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder holding this configuration's values */
    public Builder toBuilder() {
        return new Builder().eventLoops(eventLoops).connectTimeout(connectTimeout).idleTimeout(idleTimeout)
                .connectRetries(connectRetries).bufferSize(bufferSize).reusePort(reusePort)
                .acceptBacklog(acceptBacklog).maxConnections(maxConnections)
                .backendResponseTimeout(backendResponseTimeout).transport(transport).splice(splice);
    }

    /** Builds a {@link ProxyConfig}; see the record's components for each default. */
    public static final class Builder {
        private int eventLoops = Runtime.getRuntime().availableProcessors();
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        private int connectRetries = DEFAULT_CONNECT_RETRIES;
        private int bufferSize = DEFAULT_BUFFER_SIZE;
        private boolean reusePort = true;
        private int acceptBacklog = DEFAULT_ACCEPT_BACKLOG;
        /** Null until set: the default reads the descriptor limit, so only a build that needs it does. */
        private Integer maxConnections;
        private Duration backendResponseTimeout = Duration.ZERO;
        /** Null until set: the default reads a system property, so only a build that needs it does. */
        private Transport transport;
        private boolean splice = true;

        private Builder() {
        }

        public Builder splice(boolean value) {
            this.splice = value;
            return this;
        }

        public Builder transport(Transport value) {
            this.transport = java.util.Objects.requireNonNull(value, "transport");
            return this;
        }

        public Builder maxConnections(int value) {
            this.maxConnections = value;
            return this;
        }

        public Builder backendResponseTimeout(Duration value) {
            this.backendResponseTimeout = value;
            return this;
        }

        public Builder eventLoops(int value) {
            this.eventLoops = value;
            return this;
        }

        public Builder connectTimeout(Duration value) {
            this.connectTimeout = value;
            return this;
        }

        public Builder idleTimeout(Duration value) {
            this.idleTimeout = value;
            return this;
        }

        public Builder connectRetries(int value) {
            this.connectRetries = value;
            return this;
        }

        public Builder bufferSize(int value) {
            this.bufferSize = value;
            return this;
        }

        public Builder reusePort(boolean value) {
            this.reusePort = value;
            return this;
        }

        public Builder acceptBacklog(int value) {
            this.acceptBacklog = value;
            return this;
        }

        public ProxyConfig build() {
            Transport t = transport != null ? transport : Transport.defaultTransport();
            return new ProxyConfig(eventLoops, connectTimeout, idleTimeout, connectRetries, bufferSize, reusePort,
                    acceptBacklog, maxConnections != null ? maxConnections
                            : defaultMaxConnections(eventLoops, splice, t, bufferSize),
                    backendResponseTimeout, t, splice);
        }
    }
}

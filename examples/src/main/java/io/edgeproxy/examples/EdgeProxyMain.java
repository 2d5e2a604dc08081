package io.edgeproxy.examples;

import io.edgeproxy.infrastructure.net.SocketAddresses;
import io.edgeproxy.adapters.prometheus.PrometheusMetricsConfig;
import io.edgeproxy.adapters.prometheus.PrometheusMetricsStore;
import io.edgeproxy.domain.Backend;
import io.edgeproxy.infrastructure.EdgeProxy;
import io.edgeproxy.infrastructure.config.ConfigException;
import io.edgeproxy.infrastructure.config.BackendSummary;
import io.edgeproxy.infrastructure.config.ConfigFile;
import io.edgeproxy.infrastructure.config.ResilienceSettings;
import io.edgeproxy.infrastructure.config.EdgeProxySettings;
import io.edgeproxy.infrastructure.config.MetricsSettings;
import io.edgeproxy.infrastructure.config.Env;
import io.edgeproxy.infrastructure.config.PostgresSettings;
import io.edgeproxy.infrastructure.shutdown.ShutdownController;
import io.edgeproxy.infrastructure.shutdown.ShutdownReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The standalone {@code edge-proxy}: configured by {@code EDGEPROXY_*} environment variables, with
 * its backends in the TOML file at {@code EDGEPROXY_CONFIG_PATH} or, when
 * {@code EDGEPROXY_POSTGRES_ENABLED}, in PostgreSQL (see {@link PostgresLaunch}); or, with {@code --demo}, a
 * self-contained demo (see {@link Demo}). Runs until stopped (Ctrl+C or SIGTERM), then closes
 * the proxy.
 *
 * <p>Exit status: 0 after a clean stop or {@code --help}; 1 when the proxy cannot start (address
 * in use, permission denied); 2 on a usage or configuration error, printed as one message without
 * a stack trace.
 */
public final class EdgeProxyMain {

    /** The proxy could not start although its configuration is valid. */
    public static final int EXIT_CANNOT_START = 1;
    /** Bad arguments, environment or config file. */
    public static final int EXIT_CONFIG = 2;
    /** The proxy failed while running (out of memory on an event loop): a supervisor should restart it. */
    public static final int EXIT_FAILED = 3;
    /** A SIGTERM or Ctrl+C drain ran out of time: the connections still open were reset. */
    public static final int EXIT_FORCED = 4;

    /** Set for the {@code ./edge-proxy} script, which prints the java command line when it is. */
    static final String LAUNCHER_DEBUG = "EDGEPROXY_LAUNCHER_DEBUG";
    private static final String SIMPLE_LOGGER_LEVEL = "org.slf4j.simpleLogger.defaultLogLevel";

    static final String USAGE = String.join("\n",
            "Usage: edge-proxy [--demo | --help]",
            "",
            "  (no option)  run the proxy configured by EDGEPROXY_* environment variables, with its",
            "               backends in the TOML file at EDGEPROXY_CONFIG_PATH",
            "  --demo       start four local HTTP backends (two in sa/BR, two in eu/DE) and a proxy in",
            "               front of them, and print what to try with curl",
            "  --help, -h   print this help",
            "",
            "Environment:",
            "  EDGEPROXY_LISTEN_ADDR               where clients connect (default 0.0.0.0:8080)",
            "  EDGEPROXY_REGION                    this proxy's region (default sa)",
            "  EDGEPROXY_BINDING_TTL_SECS          client affinity lasts this long after its last use (default 600)",
            "  EDGEPROXY_BINDING_GC_INTERVAL_SECS  how often expired bindings are removed (default 60)",
            "  EDGEPROXY_EVENT_LOOPS               event loop threads (default: available processors)",
            "  EDGEPROXY_CONFIG_PATH               TOML file with one [[backends]] table per backend",
            "  EDGEPROXY_POSTGRES_ENABLED          true: backends from PostgreSQL (no config file needed)",
            "  EDGEPROXY_POSTGRES_URL              postgres://user:password@host:5432/database",
            "  EDGEPROXY_METRICS_ENABLED           true: serve Prometheus metrics over HTTP (default false)",
            "  EDGEPROXY_METRICS_LISTEN_ADDR       where the metrics endpoint listens (default 0.0.0.0:9090)",
            "  EDGEPROXY_METRICS_PATH              its URL path (default /metrics)",
            "  DEBUG                               1, true or yes: debug logging",
            "  JAVA_OPTS                           JVM options (read by the ./edge-proxy script)",
            "",
            "  EDGEPROXY_SHUTDOWN_TIMEOUT_SECS     SIGTERM/Ctrl+C lets connections finish this long (default 30)",
            "",
            "Signals: SIGTERM or Ctrl+C drains (stops accepting, lets open connections finish, then",
            "resets the rest); a second one stops at once.",
            "Exit status: 0 after a clean stop, 1 when the proxy cannot start (address in use, ...),",
            "2 on a usage or configuration error, 3 when the proxy failed while running (out of memory),",
            "4 when a drain ran out of time. Documentation: docs/configuration.md, docs/lifecycle.md",
            "");

    static final String EXAMPLE_BACKEND = String.join("\n",
            "    [[backends]]",
            "    id = \"sa-1\"",
            "    app = \"api\"",
            "    region = \"sa\"",
            "    country = \"BR\"",
            "    wg_ip = \"10.50.1.1\"",
            "    port = 8080",
            "");

    private EdgeProxyMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.getenv(), System.out, System.err));
    }

    /**
     * Runs the launcher: returns at once on {@code --help} or an error, otherwise serves until a
     * SIGTERM or Ctrl+C, then drains (see {@link EdgeProxy#shutdown}) for up to
     * {@code EDGEPROXY_SHUTDOWN_TIMEOUT_SECS}; a second signal stops at once. Also returns when
     * the proxy fails while running.
     *
     * @return the exit status: 0 after a clean drain, {@link #EXIT_FORCED} when connections had to
     *         be reset, {@link #EXIT_FAILED} when the proxy failed
     */
    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        Launch launch = start(args, env, out, err);
        if (!launch.isRunning()) {
            return launch.exitCode();
        }
        org.slf4j.Logger log = LoggerFactory.getLogger(EdgeProxyMain.class);
        CompletableFuture<String> signal = ShutdownController.shutdownSignal();
        ShutdownController.repeatedSignal().thenAccept(again -> {
            log.warn("edge-proxy: {} again: stopping now, resetting open connections", again);
            launch.close();
        });
        CompletableFuture.anyOf(signal, launch.proxy().termination()).join();
        if (!signal.isDone()) {
            log.error("edge-proxy: the proxy failed ({}); exiting with status {} so a supervisor restarts it",
                    launch.proxy().failure().map(Throwable::toString).orElse("stopped"), EXIT_FAILED);
            launch.close();
            return EXIT_FAILED;
        }
        log.info("edge-proxy: {}: draining for up to {} s", signal.join(), launch.shutdownTimeout().toSeconds());
        ShutdownReport report = launch.shutdown();
        log.info("edge-proxy: stopped, {}", report);
        return report.clean() ? 0 : EXIT_FORCED;
    }

    /**
     * Everything {@link #run} does except waiting: parses the arguments and the environment and
     * starts the demo or the proxy.
     *
     * @return a running launch to {@link Launch#close()}, or the exit status of one that ended
     */
    public static Launch start(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        boolean demo = false;
        for (String arg : args) {
            switch (arg) {
                case "--help", "-h" -> {
                    out.print(USAGE);
                    out.flush();
                    return Launch.exited(0);
                }
                case "--demo" -> demo = true;
                default -> {
                    err.println("edge-proxy: unknown argument \"" + arg + "\"");
                    err.print(USAGE);
                    err.flush();
                    return Launch.exited(EXIT_CONFIG);
                }
            }
        }

        // Before any logger exists: slf4j-simple reads its level once, when the first one is made.
        // (Loading a class that holds a static logger, such as EdgeProxy, would be too late.)
        if (EdgeProxySettings.debugRequested(env)) {
            System.setProperty(SIMPLE_LOGGER_LEVEL, "debug");
        }

        EdgeProxySettings settings;
        PostgresSettings postgres;
        MetricsSettings metrics;
        try {
            Env variables = Env.of(env);
            settings = EdgeProxySettings.read(variables);
            postgres = PostgresSettings.read(variables);
            metrics = MetricsSettings.read(variables);
            variables.flag(LAUNCHER_DEBUG); // the ./edge-proxy script's own: read there, known here
            variables.validate();
            variables.unrecognizedWarnings(EdgeProxySettings.PREFIX)
                    .forEach(LoggerFactory.getLogger(EdgeProxySettings.class)::warn);
        } catch (ConfigException e) {
            return fail(err, EXIT_CONFIG, e.getMessage());
        }
        LoggerFactory.getLogger(EdgeProxyMain.class).debug("edge-proxy: {}", settings);
        try {
            if (demo) {
                return startDemo(settings, postgres, metrics, out, err).stoppingWithin(settings.shutdownTimeout());
            }
            return (postgres.enabled() ? PostgresLaunch.start(settings, postgres, metrics)
                    : startStandalone(settings, metrics, err)).stoppingWithin(settings.shutdownTimeout());
        } catch (ConfigException e) {
            return fail(err, EXIT_CONFIG, e.getMessage());
        } catch (CannotListen | PostgresLaunch.CannotReach e) {
            return fail(err, EXIT_CANNOT_START, e.getMessage());
        }
    }

    private static Launch startDemo(EdgeProxySettings settings, PostgresSettings postgres, MetricsSettings metrics,
                                    PrintStream out, PrintStream err) {
        if (settings.configPath().isPresent()) {
            err.println("edge-proxy: --demo ignores " + EdgeProxySettings.CONFIG_PATH + " (" + settings.configPath().get()
                    + "): it brings its own backends");
        }
        if (postgres.enabled()) {
            err.println("edge-proxy: --demo ignores " + PostgresSettings.ENABLED + "=true: it brings its own backends");
        }
        checkListenAddressFree(settings.listenAddress());
        Demo demo;
        try {
            demo = Demo.start(settings, builder(settings, metrics));
        } catch (UncheckedIOException e) {
            throw cannotListen(settings.listenAddress(), e.getCause());
        } catch (IOException e) {
            throw new CannotListen("the demo backends cannot start: " + e);
        }
        demo.printInstructions(out);
        return Launch.running(demo.proxy(), demo);
    }

    /**
     * @return a builder with the settings applied and, when {@code EDGEPROXY_METRICS_ENABLED}, a
     *         {@link PrometheusMetricsStore} serving them (it starts and stops with the proxy)
     * @throws CannotListen when the metrics address is taken (names {@code EDGEPROXY_METRICS_LISTEN_ADDR})
     */
    static EdgeProxy.Builder builder(EdgeProxySettings settings, MetricsSettings metrics) {
        return builder(settings, metrics, store -> { });
    }

    /** As {@link #builder(EdgeProxySettings, MetricsSettings)}; {@code created} gets the metrics store, when there is one. */
    static EdgeProxy.Builder builder(EdgeProxySettings settings, MetricsSettings metrics,
                                     Consumer<PrometheusMetricsStore> created) {
        EdgeProxy.Builder builder = settings.applyTo(EdgeProxy.builder());
        if (metrics.enabled()) {
            checkAddressFree(metrics.listenAddress(), MetricsSettings.METRICS_LISTEN_ADDR);
            PrometheusMetricsStore store = PrometheusMetricsStore.builder()
                    .endpoint(new PrometheusMetricsConfig(true, metrics.listenAddress(), metrics.path()))
                    .build();
            store.applyTo(builder);
            created.accept(store);
        }
        LoggerFactory.getLogger(EdgeProxyMain.class).info("edge-proxy: metrics: {}", metrics.describe());
        return builder;
    }

    /**
     * Applies what a config file adds to the variables: its resilience sections over
     * {@code EDGEPROXY_*}'s (a section whose component is off is ignored with a warning) and its
     * {@code [[geo]]} tables; logs the resilience in effect.
     */
    static void applyFile(ConfigFile file, EdgeProxySettings settings, EdgeProxy.Builder builder) {
        Logger log = LoggerFactory.getLogger(EdgeProxyMain.class);
        ResilienceSettings resilience = file.applyTo(settings.resilience());
        log.info("edge-proxy: resilience: {}", resilience.describe());
        file.ignoredSections(settings.resilience()).forEach(log::warn);
        resilience.applyTo(builder);
        file.geoResolver().ifPresent(builder::geoResolver);
    }

    private static Launch startStandalone(EdgeProxySettings settings, MetricsSettings metrics, PrintStream err) {
        if (settings.configPath().isEmpty()) {
            return fail(err, EXIT_CONFIG, "no backends configured. Set " + EdgeProxySettings.CONFIG_PATH
                    + " to a TOML file with one [[backends]] table per backend, for example:\n\n" + EXAMPLE_BACKEND
                    + "\nThen run: " + EdgeProxySettings.CONFIG_PATH + "=backends.toml ./edge-proxy\n"
                    + "Or try the self-contained demo: ./edge-proxy --demo (see --help)");
        }
        Path file = settings.configPath().get();
        ConfigFile config = ConfigFile.load(file, EdgeProxySettings.CONFIG_PATH);
        List<Backend> backends = config.backends();
        if (backends.isEmpty()) {
            return fail(err, EXIT_CONFIG, file + " (" + EdgeProxySettings.CONFIG_PATH + ") defines no backends;"
                    + " add one [[backends]] table per backend, for example:\n\n" + EXAMPLE_BACKEND);
        }
        LoggerFactory.getLogger(EdgeProxyMain.class).info("edge-proxy: backends from {}: {}", file, BackendSummary.of(backends));
        checkListenAddressFree(settings.listenAddress());
        AtomicReference<PrometheusMetricsStore> store = new AtomicReference<>();
        EdgeProxy.Builder builder = builder(settings, metrics, store::set).backends(backends);
        applyFile(config, settings, builder);
        EdgeProxy proxy = builder.build();
        try {
            proxy.start();
        } catch (UncheckedIOException e) {
            proxy.close();
            throw cannotListen(settings.listenAddress(), e.getCause());
        }
        ConfigReloader reloader = ConfigReloader.start(proxy, file, config, settings);
        if (store.get() != null) {
            store.get().countReloads(reloader.reloads()::succeeded, reloader.reloads()::failed);
        }
        return Launch.running(proxy, () -> {
            reloader.close();
            proxy.close();
        });
    }

    /**
     * The proxy binds with {@code SO_REUSEPORT}, which would let it share a port with another
     * process doing the same (a second edge-proxy, say) and silently split the traffic. A plain
     * bind first makes "already in use" an error, whoever holds the port.
     */
    static void checkListenAddressFree(InetSocketAddress address) {
        checkAddressFree(address, EdgeProxySettings.LISTEN_ADDR);
    }

    /** As {@link #checkListenAddressFree}, for the address set by {@code variable}. */
    static void checkAddressFree(InetSocketAddress address, String variable) {
        if (address.getPort() == 0) {
            return;
        }
        IOException problem = tryBind(address);
        if (problem != null) {
            throw cannotListen(address, problem, variable);
        }
    }

    /** @return null when a plain listener can bind {@code address} now, else why not */
    private static IOException tryBind(InetSocketAddress address) {
        try (ServerSocketChannel probe = ServerSocketChannel.open()) {
            probe.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            probe.bind(address);
            return null;
        } catch (IOException e) {
            return e;
        }
    }

    static CannotListen cannotListen(InetSocketAddress address, Throwable cause) {
        return cannotListen(address, cause, EdgeProxySettings.LISTEN_ADDR);
    }

    private static CannotListen cannotListen(InetSocketAddress address, Throwable cause, String variable) {
        String where = SocketAddresses.format(address);
        String reason = cause == null ? "unknown error" : String.valueOf(cause.getMessage());
        String hint = "";
        if (cause instanceof BindException && reason.contains("in use")) {
            InetSocketAddress free = nextFreePort(address);
            hint = "; another process listens there: stop it, or set " + variable
                    + " to a free address" + (free == null ? "" : ", e.g. " + variable + "=" + SocketAddresses.format(free));
        } else if (reason.contains("Permission denied") && address.getPort() < 1024) {
            hint = "; ports below 1024 need root or CAP_NET_BIND_SERVICE";
        } else if (reason.contains("assign requested address")) {
            hint = "; the host has no such address";
        }
        return new CannotListen("cannot listen on " + where + " (" + variable + "): " + reason + hint);
    }

    /** @return the first of the next 20 ports on the same host that is free right now, or null */
    private static InetSocketAddress nextFreePort(InetSocketAddress a) {
        for (int port = a.getPort() + 1; port <= Math.min(65535, a.getPort() + 20); port++) {
            InetSocketAddress candidate = new InetSocketAddress(a.getAddress(), port);
            if (tryBind(candidate) == null) {
                return candidate;
            }
        }
        return null;
    }


    private static Launch fail(PrintStream err, int status, String message) {
        for (String line : message.split("\n", -1)) {
            err.println(line.isEmpty() || line.startsWith(" ") ? line : "edge-proxy: " + line);
        }
        err.flush();
        return Launch.exited(status);
    }

    /** The proxy cannot bind its address; the message says which and why. */
    static final class CannotListen extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CannotListen(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * What {@link #start} produced: a running proxy (with whatever else must stop with it), or the
     * exit status of a launch that ended at once.
     */
    public static final class Launch implements AutoCloseable {
        private final int exitCode;
        private final EdgeProxy proxy;
        private final AutoCloseable resources;
        private final AtomicBoolean closed = new AtomicBoolean();
        private Duration shutdownTimeout = EdgeProxySettings.DEFAULT_SHUTDOWN_TIMEOUT;

        private Launch(int exitCode, EdgeProxy proxy, AutoCloseable resources) {
            this.exitCode = exitCode;
            this.proxy = proxy;
            this.resources = resources;
        }

        /** Sets how long {@link #shutdown()} lets connections finish. @return this launch */
        Launch stoppingWithin(Duration timeout) {
            this.shutdownTimeout = timeout;
            return this;
        }

        /** @return how long {@link #shutdown()} lets connections finish */
        public Duration shutdownTimeout() {
            return shutdownTimeout;
        }

        /**
         * Drains the proxy (see {@link EdgeProxy#shutdown}) for up to {@link #shutdownTimeout()},
         * then stops whatever runs with it.
         */
        public ShutdownReport shutdown() {
            ShutdownReport report = proxy.shutdown(shutdownTimeout);
            close();
            return report;
        }

        static Launch exited(int exitCode) {
            return new Launch(exitCode, null, null);
        }

        static Launch running(EdgeProxy proxy, AutoCloseable resources) {
            return new Launch(0, proxy, resources);
        }

        public boolean isRunning() {
            return proxy != null && !closed.get();
        }

        /** @return the exit status (0 while running) */
        public int exitCode() {
            return exitCode;
        }

        /** @return the running proxy; null when the launch ended at once */
        public EdgeProxy proxy() {
            return proxy;
        }

        /** Stops the proxy and whatever runs with it. Idempotent. */
        @Override
        public void close() {
            if (resources == null || !closed.compareAndSet(false, true)) {
                return;
            }
            try {
                resources.close();
            } catch (Exception e) {
                LoggerFactory.getLogger(EdgeProxyMain.class).warn("edge-proxy: stopping failed", e);
            }
        }
    }
}

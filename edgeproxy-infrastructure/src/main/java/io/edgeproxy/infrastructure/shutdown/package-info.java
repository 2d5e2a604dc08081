/** Graceful shutdown: {@link io.edgeproxy.infrastructure.shutdown.ShutdownController} and its report. */
package io.edgeproxy.infrastructure.shutdown;

/** Machinery of the rate limiter; not an API. */
package io.edgeproxy.infrastructure.ratelimit.internal;

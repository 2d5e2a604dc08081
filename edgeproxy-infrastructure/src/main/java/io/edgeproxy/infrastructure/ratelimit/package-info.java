/**
 * Per-client rate limiting: {@link io.edgeproxy.infrastructure.ratelimit.RateLimiter}, a token bucket
 * per client IP in the exact, lock-free GCRA form, with bounded memory; configured by
 * {@link io.edgeproxy.infrastructure.ratelimit.RateLimitConfig}.
 */
package io.edgeproxy.infrastructure.ratelimit;

/** Helpers shared by the infrastructure's packages; not an API. */
package io.edgeproxy.infrastructure.internal;

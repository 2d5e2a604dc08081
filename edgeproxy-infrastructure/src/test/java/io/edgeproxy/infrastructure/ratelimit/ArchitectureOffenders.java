package io.edgeproxy.infrastructure.ratelimit;

/** Hands the package-private offender of the architecture rules to the test that checks them. */
public final class ArchitectureOffenders {

    public static final Class<?> USES_THE_ENGINE_INTERNALS = UsesTheEngineInternals.class;

    private ArchitectureOffenders() {
    }
}

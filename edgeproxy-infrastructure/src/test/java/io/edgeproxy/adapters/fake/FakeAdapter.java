package io.edgeproxy.adapters.fake;

/** Stands for an adapter module's class in the architecture rules' negative controls. */
public final class FakeAdapter {
}

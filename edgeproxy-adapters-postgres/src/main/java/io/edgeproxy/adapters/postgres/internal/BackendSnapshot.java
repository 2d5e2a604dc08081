package io.edgeproxy.adapters.postgres.internal;

import io.edgeproxy.domain.Backend;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The live backends at one moment: immutable, so the event loops read it without locks through
 * one volatile reference, and a reload publishes a whole new one.
 *
 * @param all     every live backend, in id order
 * @param healthy those whose healthy flag is set, in id order
 * @param byId    every live backend by id
 * @param version bumped by {@link #next(List)} only when the content changes
 */
public record BackendSnapshot(List<Backend> all, List<Backend> healthy, Map<String, Backend> byId, long version) {

    /** Nothing loaded yet: version 0. */
    public static final BackendSnapshot EMPTY = new BackendSnapshot(List.of(), List.of(), Map.of(), 0);

    /**
     * @param backends the live rows in the order the query returns them (by id)
     * @return this snapshot when {@code backends} holds exactly its content, else a new one with
     *         the next version
     */
    public BackendSnapshot next(List<Backend> backends) {
        if (all.equals(backends)) {
            return this;
        }
        List<Backend> healthyOnes = new ArrayList<>(backends.size());
        Map<String, Backend> index = new HashMap<>(backends.size() * 4 / 3 + 1);
        for (Backend b : backends) {
            if (b.healthy()) {
                healthyOnes.add(b);
            }
            index.put(b.id(), b);
        }
        return new BackendSnapshot(List.copyOf(backends), List.copyOf(healthyOnes), Map.copyOf(index), version + 1);
    }
}

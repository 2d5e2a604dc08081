package io.edgeproxy.adapters.postgres.internal;

import io.edgeproxy.domain.Backend;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The SQL of the {@code backends} table: reading the live rows into {@link Backend}s and the
 * writes of the discovery API and operators. Every write sets {@code updated_at}. Stateless.
 */
public final class BackendRows {

    private static final String SELECT_LIVE = """
            SELECT id, app, region, country, wg_ip, port, healthy, weight, soft_limit, hard_limit
            FROM backends WHERE deleted = 0 ORDER BY id""";

    private static final String UPSERT = """
            INSERT INTO backends (id, app, region, country, wg_ip, port, healthy, weight, soft_limit, hard_limit)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET app = EXCLUDED.app, region = EXCLUDED.region,
                country = EXCLUDED.country, wg_ip = EXCLUDED.wg_ip, port = EXCLUDED.port,
                healthy = EXCLUDED.healthy, weight = EXCLUDED.weight, soft_limit = EXCLUDED.soft_limit,
                hard_limit = EXCLUDED.hard_limit, deleted = 0, updated_at = CURRENT_TIMESTAMP""";

    private static final String SET_HEALTHY =
            "UPDATE backends SET healthy = ?, updated_at = CURRENT_TIMESTAMP WHERE id = ? AND deleted = 0";
    private static final String SET_WEIGHT =
            "UPDATE backends SET weight = ?, updated_at = CURRENT_TIMESTAMP WHERE id = ? AND deleted = 0";
    private static final String SET_LIMITS = "UPDATE backends SET soft_limit = ?, hard_limit = ?,"
            + " updated_at = CURRENT_TIMESTAMP WHERE id = ? AND deleted = 0";
    private static final String SOFT_DELETE =
            "UPDATE backends SET deleted = 1, updated_at = CURRENT_TIMESTAMP WHERE id = ? AND deleted = 0";

    private final int queryTimeoutSeconds;

    /** @param queryTimeoutSeconds set on every statement */
    public BackendRows(int queryTimeoutSeconds) {
        this.queryTimeoutSeconds = queryTimeoutSeconds;
    }

    /**
     * The live rows ({@code deleted = 0}) in id order.
     *
     * @param rejected receives, per id, why a row that {@link Backend} refuses was skipped
     */
    public List<Backend> loadLive(Connection c, Map<String, String> rejected) throws SQLException {
        try (PreparedStatement st = prepare(c, SELECT_LIVE)) {
            try (ResultSet rs = st.executeQuery()) {
                List<Backend> out = new ArrayList<>();
                while (rs.next()) {
                    String id = rs.getString(1);
                    try {
                        out.add(Backend.builder(id).app(rs.getString(2)).region(rs.getString(3))
                                .country(rs.getString(4)).address(rs.getString(5)).port(rs.getInt(6))
                                .healthy(rs.getInt(7) != 0).weight(rs.getInt(8)).softLimit(rs.getInt(9))
                                .hardLimit(rs.getInt(10)).build());
                    } catch (IllegalArgumentException e) {
                        rejected.put(id, e.getMessage());
                    }
                }
                return out;
            }
        }
    }

    /** Inserts the backend, or replaces every field of the row with its id and revives it if deleted. */
    public void upsert(Connection c, Backend b) throws SQLException {
        try (PreparedStatement st = prepare(c, UPSERT)) {
            st.setString(1, b.id());
            st.setString(2, b.app());
            st.setString(3, b.region().value());
            st.setString(4, b.country());
            st.setString(5, b.address());
            st.setInt(6, b.port());
            st.setInt(7, b.healthy() ? 1 : 0);
            st.setInt(8, b.weight());
            st.setInt(9, b.softLimit());
            st.setInt(10, b.hardLimit());
            st.executeUpdate();
        }
    }

    /** @return whether a live row with this id was changed */
    public boolean setHealthy(Connection c, String id, boolean healthy) throws SQLException {
        return update(c, SET_HEALTHY, healthy ? 1 : 0, id);
    }

    /** @return whether a live row with this id was changed */
    public boolean setWeight(Connection c, String id, int weight) throws SQLException {
        return update(c, SET_WEIGHT, weight, id);
    }

    /** @return whether a live row with this id was changed */
    public boolean setLimits(Connection c, String id, int softLimit, int hardLimit) throws SQLException {
        try (PreparedStatement st = prepare(c, SET_LIMITS)) {
            st.setInt(1, softLimit);
            st.setInt(2, hardLimit);
            st.setString(3, id);
            return st.executeUpdate() > 0;
        }
    }

    /** @return whether a live row with this id was marked deleted */
    public boolean softDelete(Connection c, String id) throws SQLException {
        try (PreparedStatement st = prepare(c, SOFT_DELETE)) {
            st.setString(1, id);
            return st.executeUpdate() > 0;
        }
    }

    private boolean update(Connection c, String sql, int value, String id) throws SQLException {
        try (PreparedStatement st = prepare(c, sql)) {
            st.setInt(1, value);
            st.setString(2, id);
            return st.executeUpdate() > 0;
        }
    }

    private PreparedStatement prepare(Connection c, String sql) throws SQLException {
        PreparedStatement st = c.prepareStatement(sql);
        st.setQueryTimeout(queryTimeoutSeconds);
        return st;
    }
}

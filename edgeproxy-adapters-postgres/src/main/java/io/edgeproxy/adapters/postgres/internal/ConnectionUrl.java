package io.edgeproxy.adapters.postgres.internal;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A PostgreSQL URL split into what the JDBC driver needs, with the credentials kept apart so that
 * they never travel inside a URL that someone might log.
 *
 * <p>Accepts the libpq form {@code postgres://user:password@host:5432/db?sslmode=require} (also
 * {@code postgresql://}; user and password percent-decoded) and the JDBC form
 * {@code jdbc:postgresql://host:5432/db?user=u&password=p}. Either way {@link #jdbcUrl()} is a
 * {@code jdbc:postgresql:} URL without {@code user} or {@code password}, and {@link #masked()} is
 * the URL as given with the password replaced by {@code ***}.
 *
 * @param jdbcUrl  the driver URL, without credentials
 * @param user     the user name; null when the URL names none (the driver then uses its default)
 * @param password the password; null when the URL holds none
 * @param masked   the URL as given, safe to log
 */
public record ConnectionUrl(String jdbcUrl, String user, String password, String masked) {

    /** What replaces a password in anything printed. */
    public static final String MASK = "***";

    private static final String JDBC_PREFIX = "jdbc:postgresql:";
    private static final Pattern USERINFO_PASSWORD = Pattern.compile("(://[^:/@\\s]*:)[^\\s]*@");
    private static final Pattern PASSWORD_PARAMETER = Pattern.compile("(?i)([?&;]password=)[^&;\\s]*");

    /** Keeps the password out of {@link #toString()}. */
    @Override
    public String toString() {
        return masked;
    }

    /**
     * @throws IllegalArgumentException naming the expected forms and echoing the URL with its
     *                                  password masked
     */
    public static ConnectionUrl parse(String url) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("url must not be blank, but was " + (url == null ? "null" : "\"" + url + "\""));
        }
        String text = url.trim();
        String lower = text.toLowerCase(Locale.ROOT);
        if (lower.startsWith(JDBC_PREFIX)) {
            return fromJdbc(text);
        }
        if (lower.startsWith("postgres://") || lower.startsWith("postgresql://")) {
            return fromLibpq(text, text.indexOf("://") + 3);
        }
        throw invalid(text, "unknown scheme");
    }

    /**
     * @return {@code text} with every URL password in it masked: the {@code user:password@} form
     *         and the {@code password=} parameter. For messages that may quote a URL.
     */
    public static String maskPasswords(String text) {
        if (text == null) {
            return null;
        }
        String masked = USERINFO_PASSWORD.matcher(text).replaceAll("$1" + MASK + "@");
        return PASSWORD_PARAMETER.matcher(masked).replaceAll("$1" + MASK);
    }

    /**
     * @return {@code text} with URL passwords masked and every occurrence of this URL's password,
     *         as it is or as written in the URL, replaced by {@code ***}: for texts of driver
     *         exceptions, which this library does not control
     */
    public String redact(String text) {
        String out = maskPasswords(text);
        if (out != null && password != null && !password.isEmpty()) {
            out = out.replace(password, MASK);
        }
        return out;
    }

    private static ConnectionUrl fromJdbc(String text) {
        int query = text.indexOf('?');
        String base = query < 0 ? text : text.substring(0, query);
        Credentials credentials = new Credentials();
        String rest = query < 0 ? "" : credentials.extractFrom(text.substring(query + 1));
        String jdbc = JDBC_PREFIX + base.substring(JDBC_PREFIX.length()) + (rest.isEmpty() ? "" : "?" + rest);
        return new ConnectionUrl(jdbc, credentials.user, credentials.password, maskPasswords(text));
    }

    private static ConnectionUrl fromLibpq(String text, int authorityStart) {
        int query = text.indexOf('?', authorityStart);
        String beforeQuery = query < 0 ? text : text.substring(0, query);
        int at = beforeQuery.lastIndexOf('@');
        int hostStart = at < 0 ? authorityStart : at + 1;
        int slash = beforeQuery.indexOf('/', hostStart);
        String hosts = slash < 0 ? beforeQuery.substring(hostStart) : beforeQuery.substring(hostStart, slash);
        String path = slash < 0 ? "" : beforeQuery.substring(slash);
        if (hosts.isEmpty()) {
            throw invalid(text, "no host");
        }
        Credentials credentials = new Credentials();
        if (at >= 0) {
            String userInfo = beforeQuery.substring(authorityStart, at);
            int colon = userInfo.indexOf(':');
            credentials.user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
            credentials.password = colon < 0 ? null : decode(userInfo.substring(colon + 1));
        }
        String rest = query < 0 ? "" : credentials.extractFrom(text.substring(query + 1));
        String jdbc = JDBC_PREFIX + "//" + hosts + path + (rest.isEmpty() ? "" : "?" + rest);
        return new ConnectionUrl(jdbc, emptyToNull(credentials.user), credentials.password, maskPasswords(text));
    }

    private static IllegalArgumentException invalid(String text, String problem) {
        return new IllegalArgumentException("url must be postgres://user:password@host:5432/database or "
                + "jdbc:postgresql://host:5432/database, but was \"" + maskPasswords(text) + "\" (" + problem + ")");
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /** The {@code user} and {@code password} parameters taken out of a query string. */
    private static final class Credentials {
        String user;
        String password;

        /** @return the query without {@code user} and {@code password}, which are kept here */
        String extractFrom(String query) {
            List<String> kept = new ArrayList<>();
            for (String parameter : query.split("&")) {
                String name = parameter.contains("=") ? parameter.substring(0, parameter.indexOf('=')) : parameter;
                String value = decode(parameter.substring(name.length() + (parameter.contains("=") ? 1 : 0)));
                switch (name.toLowerCase(Locale.ROOT)) {
                    case "user" -> user = value;
                    case "password" -> password = value;
                    default -> {
                        if (!parameter.isEmpty()) {
                            kept.add(parameter);
                        }
                    }
                }
            }
            return String.join("&", kept);
        }
    }
}

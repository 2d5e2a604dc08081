package io.edgeproxy.adapters.postgres;

/**
 * The database refused or could not be reached: thrown by {@link PostgresBackendRepository}'s
 * {@code initialize()}, first load and writes. The message says what was attempted and on which
 * database (its URL with the password masked); the password never appears in it or in its causes'
 * messages as this library writes them.
 */
public final class PostgresRepositoryException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public PostgresRepositoryException(String message, Throwable cause) {
        super(message, cause);
    }
}

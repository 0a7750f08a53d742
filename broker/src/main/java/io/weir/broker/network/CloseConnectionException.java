package io.weir.broker.network;

/**
 * Completes a request to mean "close this connection after the responses before it", which is
 * how Kafka answers requests it must not reply to with an error body (e.g. a failed acks=0
 * produce, so that the client refreshes its metadata).
 */
public final class CloseConnectionException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CloseConnectionException(String reason) {
        super(reason, null, false, false);
    }
}

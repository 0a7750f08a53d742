package io.weir.broker.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * The node's HTTP port: {@code /metrics} (Prometheus text format) and {@code /health}
 * (200 once the broker serves clients, 503 before). It binds where {@code listeners.http} says
 * (127.0.0.1 in {@code bin/weir cluster up}); with a token ({@code http.token.file}) both answer
 * 401 unless the request carries {@code Authorization: Bearer <token>}.
 */
public final class HttpEndpoint implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor;

    /** Tokens shorter than this are refused at start: a bearer token is only worth its guessing cost. */
    static final int MIN_TOKEN_LENGTH = 16;

    private final Optional<byte[]> expectedAuthorization;

    public HttpEndpoint(String host, int port, BrokerMetrics metrics, BooleanSupplier healthy) throws IOException {
        this(host, port, metrics, healthy, Optional.empty());
    }

    /** @param token when present, the bearer token every request must carry */
    public HttpEndpoint(String host, int port, BrokerMetrics metrics, BooleanSupplier healthy, Optional<String> token)
            throws IOException {
        token.ifPresent(t -> {
            if (t.length() < MIN_TOKEN_LENGTH) {
                throw new IllegalArgumentException("the HTTP token must be at least " + MIN_TOKEN_LENGTH + " characters");
            }
        });
        expectedAuthorization = token.map(t -> ("Bearer " + t).getBytes(StandardCharsets.UTF_8));
        server = HttpServer.create(new InetSocketAddress(host, port), 16);
        executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "weir-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/metrics", exchange -> {
            if (!authorized(exchange)) return;
            respond(exchange, 200, metrics.scrape(), "text/plain; version=0.0.4; charset=utf-8");
        });
        server.createContext("/health", exchange -> {
            if (!authorized(exchange)) return;
            boolean ok = healthy.getAsBoolean();
            respond(exchange, ok ? 200 : 503, ok ? "ok\n" : "starting\n", "text/plain; charset=utf-8");
        });
        server.start();
    }

    /** Reads {@code http.token.file}: its first line, trimmed. */
    public static String readToken(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8).lines().findFirst().orElse("").trim();
    }

    /** Answers 401 and returns false unless the request carries the token (compared in constant time). */
    private boolean authorized(HttpExchange exchange) throws IOException {
        if (expectedAuthorization.isEmpty()) return true;
        String given = exchange.getRequestHeaders().getFirst("Authorization");
        if (given != null && MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), expectedAuthorization.get())) {
            return true;
        }
        exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
        respond(exchange, 401, "unauthorized\n", "text/plain; charset=utf-8");
        return false;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void respond(HttpExchange exchange, int status, String body, String contentType) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}

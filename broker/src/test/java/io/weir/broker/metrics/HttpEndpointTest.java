package io.weir.broker.metrics;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HttpEndpointTest {
    private static final String TOKEN = "a-metrics-token-of-some-length";
    private final HttpClient http = HttpClient.newHttpClient();

    private int get(HttpEndpoint endpoint, String path, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.port() + path));
        if (authorization != null) request.header("Authorization", authorization);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    @Test
    void withATokenOnlyItsBearerIsAnswered() throws Exception {
        try (HttpEndpoint endpoint = new HttpEndpoint("127.0.0.1", 0, new BrokerMetrics(1), () -> true, Optional.of(TOKEN))) {
            for (String path : new String[] {"/metrics", "/health"}) {
                assertThat(get(endpoint, path, null)).as(path).isEqualTo(401);
                assertThat(get(endpoint, path, "Bearer not-the-token-at-all-really")).as(path).isEqualTo(401);
                assertThat(get(endpoint, path, "Bearer " + TOKEN)).as(path).isEqualTo(200);
            }
        }
    }

    @Test
    void withoutATokenAnyoneWhoReachesTheAddressIsAnswered() throws Exception {
        try (HttpEndpoint endpoint = new HttpEndpoint("127.0.0.1", 0, new BrokerMetrics(1), () -> false)) {
            assertThat(get(endpoint, "/metrics", null)).isEqualTo(200);
            assertThat(get(endpoint, "/health", null)).isEqualTo(503);
        }
    }

    @Test
    void aShortTokenIsRefusedAtStart() {
        assertThatThrownBy(() -> new HttpEndpoint("127.0.0.1", 0, new BrokerMetrics(1), () -> true, Optional.of("short")))
                .isInstanceOf(IllegalArgumentException.class);
    }
}

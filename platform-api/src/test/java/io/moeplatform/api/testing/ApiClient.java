package io.moeplatform.api.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Real HTTP calls against the running server, as an OpenAI SDK makes them. */
public final class ApiClient {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    public ApiClient(int port) {
        this.base = "http://127.0.0.1:" + port;
    }

    public HttpResponse<String> post(String path, @Nullable String key, String body) {
        return send(request(path, key).POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    public HttpResponse<String> get(String path, @Nullable String key) {
        return send(request(path, key).GET().build());
    }

    public HttpResponse<Stream<String>> postStreaming(String path, String key, String body) {
        try {
            return http.send(request(path, key).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofLines());
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The {@code data:} payloads of an SSE body, in order, checking the exact framing. */
    public static List<String> events(String body) {
        var events = new ArrayList<String>();
        for (String frame : body.split("\n\n", -1)) {
            if (frame.isEmpty()) {
                continue;
            }
            if (!frame.startsWith("data: ") || frame.contains("\n")) {
                throw new AssertionError("not an OpenAI SSE frame: " + frame);
            }
            events.add(frame.substring(6));
        }
        return events;
    }

    public static JsonNode json(String text) {
        return JSON.readTree(text);
    }

    private HttpRequest.Builder request(String path, @Nullable String key) {
        var builder = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json");
        if (key != null) {
            builder.header("Authorization", "Bearer " + key);
        }
        return builder;
    }

    public HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    public String base() {
        return base;
    }
}

package io.moeplatform.api.openai;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.springframework.http.MediaType;
import tools.jackson.databind.json.JsonMapper;

/**
 * Server-sent events exactly as OpenAI sends them: {@code data: <json>\n\n} per chunk, flushed at once, and
 * {@code data: [DONE]\n\n} at the end. A failed write means the client went away ({@link IOException}).
 */
public final class SseStream {

    private final OutputStream out;
    private final JsonMapper json;

    public SseStream(HttpServletResponse response, JsonMapper json) throws IOException {
        response.setStatus(HttpServletResponse.SC_OK);
        response.setContentType(MediaType.TEXT_EVENT_STREAM_VALUE);
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-cache");
        response.setHeader("X-Accel-Buffering", "no");
        this.out = response.getOutputStream();
        this.json = json;
        response.flushBuffer();
    }

    public void send(Object chunk) throws IOException {
        out.write("data: ".getBytes(StandardCharsets.UTF_8));
        out.write(json.writeValueAsBytes(chunk));
        out.write("\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    public void done() throws IOException {
        out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}

package io.moeplatform.api.openai.error;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/** Writes an OpenAI error body straight to the servlet response, for filters that run before Spring MVC. */
@Component
public class OpenAiErrorWriter {

    private final JsonMapper json;

    OpenAiErrorWriter(JsonMapper json) {
        this.json = json;
    }

    public void write(HttpServletResponse response, int status, OpenAiError error) throws IOException {
        response.setStatus(status);
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        response.setCharacterEncoding("UTF-8");
        json.writeValue(response.getOutputStream(), error);
    }
}

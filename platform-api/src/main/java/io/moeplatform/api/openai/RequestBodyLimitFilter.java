package io.moeplatform.api.openai;

import io.moeplatform.api.openai.error.ErrorTypes;
import io.moeplatform.api.openai.error.OpenAiError;
import io.moeplatform.api.openai.error.OpenAiErrorWriter;
import io.moeplatform.api.openai.error.RequestBodyTooLargeException;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Rejects request bodies above {@code platform.api.max-request-body} with 413: at once when Content-Length says
 * so, and while reading when the body is chunked (the counting stream fails, the error handler answers 413).
 */
class RequestBodyLimitFilter extends OncePerRequestFilter {

    private final long limit;
    private final OpenAiErrorWriter errors;

    RequestBodyLimitFilter(long limit, OpenAiErrorWriter errors) {
        this.limit = limit;
        this.errors = errors;
    }

    /**
     * Knowledge-graph uploads ({@code PUT /v1/adapters/{name}/graph}) are streamed into the importer, which
     * enforces its own, larger limit ({@code platform.adapters.kg.max-upload-size}); so are LoRA uploads
     * ({@code PUT /v1/adapters/{name}/lora}, {@code platform.adapters.lora.max-upload-size}).
     */
    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String uri = request.getRequestURI();
        return !uri.startsWith("/v1/")
                || (uri.startsWith("/v1/adapters/") && (uri.endsWith("/graph") || uri.endsWith("/lora")));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (request.getContentLengthLong() > limit) {
            var tooLarge = new RequestBodyTooLargeException(limit);
            errors.write(response, HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE,
                    OpenAiError.of(tooLarge.getMessage(), ErrorTypes.INVALID_REQUEST, null, "request_too_large"));
            return;
        }
        chain.doFilter(new LimitedRequest(request, limit), response);
    }

    private static final class LimitedRequest extends HttpServletRequestWrapper {

        private final long limit;
        private @org.jspecify.annotations.Nullable ServletInputStream stream;

        LimitedRequest(HttpServletRequest request, long limit) {
            super(request);
            this.limit = limit;
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            if (stream == null) {
                stream = new CountingStream(super.getInputStream(), limit);
            }
            return stream;
        }
    }

    private static final class CountingStream extends ServletInputStream {

        private final ServletInputStream in;
        private final long limit;
        private long read;

        CountingStream(ServletInputStream in, long limit) {
            this.in = in;
            this.limit = limit;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = in.read(buffer, offset, length);
            if (n > 0) {
                count(n);
            }
            return n;
        }

        private void count(int n) throws IOException {
            read += n;
            if (read > limit) {
                throw new RequestBodyTooLargeException(limit);
            }
        }

        @Override
        public boolean isFinished() {
            return in.isFinished();
        }

        @Override
        public boolean isReady() {
            return in.isReady();
        }

        @Override
        public void setReadListener(ReadListener listener) {
            in.setReadListener(listener);
        }
    }
}

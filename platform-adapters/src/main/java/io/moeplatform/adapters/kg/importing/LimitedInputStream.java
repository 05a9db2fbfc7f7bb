package io.moeplatform.adapters.kg.importing;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/** Fails the import once more than the configured upload size has been read. */
final class LimitedInputStream extends FilterInputStream {

    private final long limit;
    private long read;

    LimitedInputStream(InputStream in, long limit) {
        super(in);
        this.limit = limit;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            count(1);
        }
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = super.read(buffer, offset, length);
        if (n > 0) {
            count(n);
        }
        return n;
    }

    private void count(int n) {
        read += n;
        if (read > limit) {
            throw new GraphImportException(List.of(new ImportProblem("file", "the file is larger than " + limit
                    + " bytes (platform.adapters.kg.max-upload-size)")));
        }
    }
}

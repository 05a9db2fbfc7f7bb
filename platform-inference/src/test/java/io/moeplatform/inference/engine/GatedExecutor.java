package io.moeplatform.inference.engine;

import io.moeplatform.inference.model.KvCacheGeometry;
import io.moeplatform.inference.model.ModelExecutor;
import io.moeplatform.inference.model.StepBatch;
import io.moeplatform.inference.model.StepResult;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Wraps an executor so a test can stop the engine loop inside a chosen forward
 * pass, making "while this request runs, that one waits" deterministic instead
 * of a race against a fast model.
 */
final class GatedExecutor implements ModelExecutor {

    private final ModelExecutor delegate;
    private final Semaphore gate = new Semaphore(0);
    private final CountDownLatch held = new CountDownLatch(1);
    private volatile long holdAtCall = Long.MAX_VALUE;
    private long calls;

    GatedExecutor(ModelExecutor delegate) {
        this.delegate = delegate;
    }

    /** The {@code call}-th forward pass (1-based) and all later ones wait for {@link #open()}. */
    void holdAt(long call) {
        holdAtCall = call;
    }

    void open() {
        holdAtCall = Long.MAX_VALUE;
        gate.release(Integer.MAX_VALUE / 2);
    }

    /** Waits until the loop is held inside a forward pass. */
    void awaitHeld() throws InterruptedException {
        if (!held.await(20, TimeUnit.SECONDS)) {
            throw new AssertionError("the engine never reached the held forward pass");
        }
    }

    @Override
    public StepResult forward(StepBatch batch) {
        if (++calls >= holdAtCall) {
            held.countDown();
            gate.acquireUninterruptibly();
        }
        return delegate.forward(batch);
    }

    @Override
    public String architecture() {
        return delegate.architecture();
    }

    @Override
    public int vocabularySize() {
        return delegate.vocabularySize();
    }

    @Override
    public int contextLength() {
        return delegate.contextLength();
    }

    @Override
    public String backend() {
        return delegate.backend();
    }

    @Override
    public KvCacheGeometry kvCacheGeometry() {
        return delegate.kvCacheGeometry();
    }

    @Override
    public void close() {
        open();
        delegate.close();
    }
}

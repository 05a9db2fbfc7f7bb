package io.moeplatform.adapters.lora;

import io.moeplatform.adapters.catalog.AdapterChanged;
import io.moeplatform.adapters.catalog.AdapterException;
import io.moeplatform.adapters.catalog.AdapterView;
import io.moeplatform.adapters.resolve.LoraAdapterBinding;
import io.moeplatform.inference.InferenceService;
import io.moeplatform.inference.InvalidLoraAdapterException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.event.TransactionPhase;
import org.springframework.transaction.event.TransactionalEventListener;

/**
 * Applies the catalog's LoRA adapters in this replica's engine. The engine id of an adapter is that of its serving
 * version ({@link LoraVersion#engineAdapterId()}); the engine learns it lazily, on the first request that needs it
 * on this replica, from the files the uploading replica stored on the shared directory (checked against the
 * SHA-256 recorded at upload). So after a restart, or on a replica that did not take the upload, adapters are
 * registered again on first use, and a new upload on any replica is picked up by the next request everywhere (the
 * database says which version serves). Each replica keeps the serving version and the one before it registered per
 * adapter, as the files are kept: a request that resolved the previous version a moment before a new upload still
 * finds it in the engine. The weights themselves are loaded by the engine on use, into its LRU.
 */
@Component
class EngineLoraBinding implements LoraAdapterBinding {

    private static final Logger log = LoggerFactory.getLogger(EngineLoraBinding.class);

    private record Registration(String engineId, String model) {}

    private final LoraVersionStore store;
    private final LoraFiles files;
    private final InferenceService inference;
    private final Map<UUID, Registration> registered = new ConcurrentHashMap<>();
    /** The registration each one replaced, unregistered when it is replaced in turn. */
    private final Map<UUID, Registration> previous = new ConcurrentHashMap<>();
    private final Map<UUID, ReentrantLock> locks = new ConcurrentHashMap<>();

    EngineLoraBinding(LoraVersionStore store, LoraFiles files, InferenceService inference) {
        this.store = store;
        this.files = files;
        this.inference = inference;
    }

    @Override
    public String engineAdapterId(AdapterView adapter, String model) {
        LoraVersion version = store.latest(adapter.id()).orElseThrow(() -> AdapterException.invalid(
                "The LoRA adapter '" + adapter.name() + "' has no weights yet; upload them with PUT /v1/adapters/"
                        + adapter.name() + "/lora.",
                "adapter"));
        if (!version.baseModel().equals(model)) {
            throw AdapterException.invalid("The LoRA adapter '" + adapter.name() + "' was made for the model '"
                    + version.baseModel() + "', not '" + model + "'.", "model");
        }
        String engineId = version.engineAdapterId();
        if (new Registration(engineId, model).equals(registered.get(adapter.id()))) {
            return engineId;
        }
        ReentrantLock lock = locks.computeIfAbsent(adapter.id(), id -> new ReentrantLock());
        lock.lock();
        try {
            Registration current = registered.get(adapter.id());
            if (current != null && current.engineId().equals(engineId) && current.model().equals(model)) {
                return engineId;
            }
            register(adapter, version, model);
            registered.put(adapter.id(), new Registration(engineId, model));
            Registration retired = current == null ? null : previous.put(adapter.id(), current);
            if (retired != null) {
                inference.unregisterLoraAdapter(retired.model(), retired.engineId());
            }
            return engineId;
        } finally {
            lock.unlock();
        }
    }

    private void register(AdapterView adapter, LoraVersion version, String model) {
        Path directory = files.versionDirectory(adapter.tenantId(), adapter.id(), version.version());
        String sha256 = weightsSha256(directory);
        if (!sha256.equals(version.weightsSha256())) {
            throw new IllegalStateException("The weights of LoRA adapter " + version.engineAdapterId() + " in "
                    + directory + " do not have the SHA-256 recorded at upload (" + version.weightsSha256()
                    + "); the files were changed or platform.adapters.lora.dir is not the directory shared by all "
                    + "replicas");
        }
        try {
            inference.registerLoraAdapter(model, version.engineAdapterId(), directory);
        } catch (InvalidLoraAdapterException e) {
            // validated at upload; the served model or the engine's limits changed since
            throw AdapterException.invalid("The LoRA adapter '" + adapter.name() + "' no longer fits the model '"
                    + model + "': " + e.getMessage() + "; upload it again.", "adapter");
        }
        log.info("Registered LoRA adapter {} (tenant {}, adapter '{}' v{}) with the engine", version.engineAdapterId(),
                adapter.tenantId(), adapter.name(), version.version());
    }

    private static String weightsSha256(Path directory) {
        Path weights = directory.resolve(PeftArchive.FILES.getLast());
        if (!Files.isRegularFile(weights)) {
            throw new IllegalStateException("The files of a stored LoRA adapter are missing: " + weights
                    + " does not exist on this replica; platform.adapters.lora.dir must be a directory shared by all "
                    + "replicas");
        }
        try (InputStream in = new DigestInputStream(Files.newInputStream(weights),
                MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (IOException e) {
            throw new UncheckedIOException("Reading " + weights + " failed", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /**
     * A disabled or deleted adapter is unregistered from this replica's engine once the change commits (requests in
     * flight finish with their weights); enabling it again registers it on the next request. A new version replaces
     * the registration on the next request that resolves it.
     */
    @TransactionalEventListener(phase = TransactionPhase.AFTER_COMMIT, fallbackExecution = true)
    void on(AdapterChanged change) {
        if (change.change() != AdapterChanged.Change.DISABLED && change.change() != AdapterChanged.Change.DELETED) {
            return;
        }
        ReentrantLock lock = locks.computeIfAbsent(change.adapterId(), id -> new ReentrantLock());
        lock.lock();
        try {
            for (Registration gone : new Registration[]{registered.remove(change.adapterId()),
                    previous.remove(change.adapterId())}) {
                if (gone != null) {
                    inference.unregisterLoraAdapter(gone.model(), gone.engineId());
                }
            }
        } finally {
            lock.unlock();
        }
        if (change.change() == AdapterChanged.Change.DELETED) {
            locks.remove(change.adapterId());
        }
    }

    /** The engine id this replica has registered for the adapter, if any (for tests and the console). */
    String registeredEngineId(UUID adapterId) {
        Registration current = registered.get(adapterId);
        return current == null ? "" : current.engineId();
    }
}

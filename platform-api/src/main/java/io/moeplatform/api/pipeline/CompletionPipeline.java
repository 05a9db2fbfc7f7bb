package io.moeplatform.api.pipeline;

import io.moeplatform.adapters.resolve.AdapterResolver;
import io.moeplatform.api.openai.ApiProperties;
import io.moeplatform.api.openai.error.ErrorTypes;
import io.moeplatform.api.openai.error.OpenAiApiException;
import io.moeplatform.api.shutdown.GenerationDrain;
import io.moeplatform.core.apikey.AuthenticatedKey;
import io.moeplatform.core.metering.Outcome;
import io.moeplatform.core.quota.Admission;
import io.moeplatform.core.quota.AdmissionRequest;
import io.moeplatform.core.quota.AdmissionService;
import io.moeplatform.core.tenant.TenantPlan;
import io.moeplatform.core.tenant.TenantService;
import io.moeplatform.inference.GenerationHandle;
import io.moeplatform.inference.GenerationRequest;
import io.moeplatform.inference.InferenceService;
import io.moeplatform.inference.ModelInfo;
import io.moeplatform.inference.PromptCodec;
import io.moeplatform.inference.SamplingParams;
import io.moeplatform.inference.SchedulingClass;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;

/**
 * The request pipeline of DESIGN.md, in order: authenticated key → tenant plan → adapter resolved (named or the
 * tenant's default; knowledge context injected into the prompt) → prompt rendered with the model's codec → prompt
 * tokens counted → admission (token reservation of prompt + max_tokens × n) → submitted to
 * the engine with a tenant-scoped prefix-cache salt. The returned {@link Generation} streams the events and
 * settles the admission exactly once when closed.
 */
@Service
public class CompletionPipeline {

    private final InferenceService inference;
    private final TenantService tenants;
    private final AdmissionService admissions;
    private final PipelineMetrics metrics;
    private final ApiProperties properties;
    private final AdapterResolver adapters;
    private final GenerationDrain drain;

    CompletionPipeline(InferenceService inference, TenantService tenants, AdmissionService admissions,
            PipelineMetrics metrics, ApiProperties properties, AdapterResolver adapters, GenerationDrain drain) {
        this.drain = drain;
        this.inference = inference;
        this.tenants = tenants;
        this.admissions = admissions;
        this.metrics = metrics;
        this.properties = properties;
        this.adapters = adapters;
    }

    /** The served model and adapter a request's {@code model} (and {@code adapter} field) name. */
    public ModelReference reference(String model, @Nullable String adapterField) {
        return ModelReference.parse(model, adapterField, inference.models().stream().map(ModelInfo::id).toList());
    }

    /**
     * Admits and submits the request. Everything that can be refused is refused here, before a response is
     * committed, so the endpoint can still answer with an error status.
     */
    public Generation start(AuthenticatedKey key, InferenceInput input) {
        drain.ensureAccepting();
        long startNanos = System.nanoTime();
        PromptCodec codec = inference.codec(input.model());
        SchedulingClass scheduling = schedulingClassOf(key);
        var adapted = AdaptedPrompt.of(input.prompt(), adapters, key.tenantId(), input.model(), input.adapter(),
                codec);
        @Nullable
        String adapter = adapted.adapter() == null ? null : adapted.adapter().name();
        @Nullable
        String loraAdapterId = adapted.adapter() == null ? null : adapted.adapter().loraAdapterId();
        List<int[]> prompts = PromptTokens.of(adapted.prompt(), codec, input.promptParam());
        int promptTokens = prompts.stream().mapToInt(ids -> ids.length).sum();
        int maxTokens = maxTokens(input, prompts, codec.contextLength());
        SamplingParams sampling = withMaxTokens(input.sampling(), maxTokens);
        var template = new UsageRecordTemplate(key.tenantId(), key.keyId(), adapter, adapted.injectedTokens());

        // injected tokens are prompt tokens: reserved and billed as such
        Admission admission = admissions.admit(new AdmissionRequest(input.requestId(), key.tenantId(), key.keyId(),
                input.model(), adapter, promptTokens, Math.multiplyExact(maxTokens, input.n() * prompts.size())));
        var handles = new ArrayList<GenerationHandle>(prompts.size());
        try {
            for (int i = 0; i < prompts.size(); i++) {
                String id = prompts.size() == 1 ? input.requestId() : input.requestId() + "-" + i;
                handles.add(inference.submit(new GenerationRequest(id, input.model(), key.tenantId().toString(),
                        scheduling, prompts.get(i), sampling, input.stop(), input.n(), loraAdapterId,
                        prefixCacheSalt(key, adapter))));
            }
        } catch (RuntimeException rejected) {
            handles.forEach(GenerationHandle::cancel);
            var usage = template.record(input.requestId(), input.model(), 0, 0, 0, null,
                    Duration.ofNanos(System.nanoTime() - startNanos), Outcome.REJECTED, input.streamed());
            admission.finish(usage);
            metrics.record(usage);
            throw rejected;
        }
        return new Generation(input.requestId(), input.model(), input.n(), promptTokens, input.streamed(),
                admission, template, metrics, handles, startNanos);
    }

    private SchedulingClass schedulingClassOf(AuthenticatedKey key) {
        return tenants.find(key.tenantId()).map(tenant -> {
            TenantPlan plan = tenant.plan();
            return new SchedulingClass(Math.max(1, plan.schedulingWeight()), 0,
                    Math.max(0, plan.maxConcurrentRequests()));
        }).orElse(SchedulingClass.DEFAULT);
    }

    /**
     * The per-choice token limit: as asked, or the configured default; refused when the prompt plus the limit
     * cannot fit the model's context.
     */
    private int maxTokens(InferenceInput input, List<int[]> prompts, int contextLength) {
        int longestPrompt = prompts.stream().mapToInt(ids -> ids.length).max().orElse(0);
        int room = contextLength - longestPrompt;
        int asked = input.sampling().maxTokens();
        if (room <= 0 || asked > room) {
            String limit = asked > 0 ? " plus " + asked + " completion tokens" : "";
            throw new OpenAiApiException(HttpStatus.BAD_REQUEST, "This model's maximum context length is "
                    + contextLength + " tokens. However, you requested " + longestPrompt + " prompt tokens" + limit
                    + ". Please reduce the length of the " + input.promptParam() + " or of "
                    + input.maxTokensParam() + ".", ErrorTypes.INVALID_REQUEST,
                    room <= 0 ? input.promptParam() : input.maxTokensParam(), "context_length_exceeded");
        }
        return asked > 0 ? asked : Math.min(properties.defaultMaxTokens(), room);
    }

    private static SamplingParams withMaxTokens(SamplingParams s, int maxTokens) {
        return new SamplingParams(s.temperature(), s.topK(), s.topP(), s.minP(), s.seed(), s.presencePenalty(),
                s.frequencyPenalty(), s.repetitionPenalty(), maxTokens, s.logprobs(), s.topLogprobs());
    }

    /**
     * Tenant and adapter scope the prefix cache: two tenants never share cached KV, even for equal prompts, and
     * an adapter's injected prefix (or LoRA-changed KV) is cached per tenant and adapter.
     */
    static String prefixCacheSalt(AuthenticatedKey key, @Nullable String adapter) {
        try {
            var digest = MessageDigest.getInstance("SHA-256");
            digest.update(key.tenantId().toString().getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
            digest.update((adapter == null ? "" : adapter).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest.digest(), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}

// DeepSeekMoE expert choice per token, as model.ExpertRouting states it (and cpu.DeepSeekRouter computes it):
//   s = softmax(l) (scoring 0) or sigmoid(l) (scoring 1)                     logits l [T, E] fp32
//   c = s + bias (method 2, noaux_tc), else s
//   methods 1, 2: groups of E / n_group experts scored by max(c) (1) or the sum of the two largest c (2); experts
//                 outside the topk_group best groups are never chosen
//   ids[t, :k] = the k largest c (ties to the lower id), weights = s[ids] / (sum + 1e-20 if normalize) * scaling
// Outputs have moe_router's layout (ids int32 [T, k], weights fp32 [T, k]), so moe_align and the expert kernels
// take them unchanged. One warp per token: the scores live in shared memory, each selection is a warp arg-max.
// E <= 1024, groups <= 64.
#include "common.cuh"

#define DS_MAX_EXPERTS 1024
#define DS_MAX_GROUPS 64

extern "C" __global__ void deepseek_route(const float* __restrict__ logits, const float* __restrict__ bias,
                                          int* __restrict__ ids, float* __restrict__ weights, int experts, int k,
                                          int scoring, int method, int groups, int topk_groups, int normalize,
                                          float scaling) {
    grid_dependency_sync();
    __shared__ float s[DS_MAX_EXPERTS];
    __shared__ float c[DS_MAX_EXPERTS];
    __shared__ float group_score[DS_MAX_GROUPS];
    const int t = blockIdx.x, lane = threadIdx.x;
    const float* l = logits + (size_t)t * experts;
    if (scoring == 1) {
        for (int e = lane; e < experts; e += 32) s[e] = 1.0f / (1.0f + expf(-l[e]));
    } else {
        float m = -INFINITY;
        for (int e = lane; e < experts; e += 32) m = fmaxf(m, l[e]);
        m = warp_max(m);
        float sum = 0.0f;
        for (int e = lane; e < experts; e += 32) {
            const float x = expf(l[e] - m);
            s[e] = x;
            sum += x;
        }
        const float inv = 1.0f / warp_sum(sum);
        for (int e = lane; e < experts; e += 32) s[e] *= inv;
    }
    for (int e = lane; e < experts; e += 32) c[e] = method == 2 && bias != nullptr ? s[e] + bias[e] : s[e];
    __syncwarp();
    if (method != 0) {
        const int size = experts / groups;
        // a lane per group: its best (or best two) choice scores
        for (int g = lane; g < groups; g += 32) {
            float first = -INFINITY, second = -INFINITY;
            for (int e = g * size; e < (g + 1) * size; e++) {
                const float v = c[e];
                if (v > first) {
                    second = first;
                    first = v;
                } else if (v > second) {
                    second = v;
                }
            }
            group_score[g] = method == 2 ? first + second : first;
        }
        __syncwarp();
        // keep the topk_groups best groups (ties to the lower group), mask the others
        unsigned long long kept = 0ull;
        for (int j = 0; j < topk_groups; j++) {
            float best = -INFINITY;
            int at = DS_MAX_GROUPS;
            for (int g = lane; g < groups; g += 32)
                if (!((kept >> g) & 1ull)) better(best, at, group_score[g], g);
            warp_argmax(best, at);
            if (at < groups) kept |= 1ull << at;
        }
        for (int e = lane; e < experts; e += 32)
            if (!((kept >> (e / size)) & 1ull)) c[e] = -INFINITY;
        __syncwarp();
    }
    float total = 0.0f;
    for (int j = 0; j < k; j++) {
        float best = -INFINITY;
        int at = experts;
        for (int e = lane; e < experts; e += 32)
            if (!isnan(c[e])) better(best, at, c[e], e);
        warp_argmax(best, at);
        // at is experts only if every score is NaN; then expert 0 keeps the shapes valid (never seen in practice)
        const int chosen = at < experts ? at : 0;
        if (lane == 0) {
            ids[(size_t)t * k + j] = chosen;
            weights[(size_t)t * k + j] = s[chosen];
            c[chosen] = NAN;
        }
        total += s[chosen];
        __syncwarp();
    }
    if (lane == 0) {
        const float denominator = normalize ? total + 1e-20f : 1.0f;
        for (int j = 0; j < k; j++) weights[(size_t)t * k + j] = weights[(size_t)t * k + j] / denominator * scaling;
    }
}

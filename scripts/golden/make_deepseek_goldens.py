#!/usr/bin/env python3
"""Reference outputs of tiny DeepSeek-V2/V3 checkpoints from Hugging Face transformers, for the engine's MLA and
DeepSeekMoE golden tests. A sibling of make_goldens.py (whose checkpoint writing and expected.json layout it reuses).

Run on the GPU host next to make_goldens.py:

  python3 make_deepseek_goldens.py --out DIR [--sources DIR]

Writes DIR/models/<case>/ like make_goldens.py: config.json, generation_config.json, model.safetensors in the hub
layout (per-expert gate/up/down projections, mlp.gate.e_score_correction_bias for V3) and expected.json with the
prompt, transformers' greedy continuation (generated through its KV cache) and fp32 logits at every position.

The cases cover: no q_lora (direct q_proj) and q_lora (q_a_proj, q_a_layernorm, q_b_proj); softmax greedy,
softmax group_limited_greedy and sigmoid noaux_tc routing with a non-zero e_score_correction_bias; shared experts;
first_k_dense_replace; routed_scaling_factor; YaRN with mscale / mscale_all_dim; v_head_dim != qk_nope_head_dim.
With --sources the installed transformers' DeepSeek modeling and RoPE files are copied there, so that what the
reference computes can be read next to its output.
"""
import argparse
import json
import os
import shutil
import sys

import torch
import transformers

import make_goldens as mg

DS_COMMON = dict(vocab_size=mg.VOCAB, hidden_size=64, num_attention_heads=4, num_key_value_heads=4,
                 max_position_embeddings=128, rms_norm_eps=1e-6, tie_word_embeddings=False, bos_token_id=1,
                 eos_token_id=2, pad_token_id=0, kv_lora_rank=32, qk_nope_head_dim=16, qk_rope_head_dim=8,
                 v_head_dim=12, intermediate_size=96, moe_intermediate_size=24, n_routed_experts=8,
                 first_k_dense_replace=1, moe_layer_freq=1, num_hidden_layers=3, attention_bias=False)

# factor == max_position_embeddings / original_max_position_embeddings, as in the released DeepSeek configs
YARN = dict(rope_type="yarn", factor=4.0, original_max_position_embeddings=32, beta_fast=32.0, beta_slow=1.0)

CASES = {
    # DeepSeek-V2-Lite layout: direct q_proj, softmax greedy top-k, two shared experts, YaRN; 4.x config spelling
    "deepseek_v2": ("deepseek_v2", dict(DS_COMMON, q_lora_rank=None, n_shared_experts=2, num_experts_per_tok=2,
                                        topk_method="greedy", n_group=1, topk_group=1, scoring_func="softmax",
                                        norm_topk_prob=False, routed_scaling_factor=1.0),
                    dict(YARN, mscale=0.707, mscale_all_dim=0.8), torch.bfloat16, dict(v4_config=True)),
    # DeepSeek-V2 layout: q_lora, group-limited greedy routing over 4 groups, scaled routed output
    "deepseek_v2_qlora_group": ("deepseek_v2", dict(DS_COMMON, q_lora_rank=24, n_shared_experts=1,
                                                    num_experts_per_tok=3, topk_method="group_limited_greedy",
                                                    n_group=4, topk_group=2, scoring_func="softmax",
                                                    norm_topk_prob=False, routed_scaling_factor=1.5),
                                None, torch.bfloat16, {}),
    # DeepSeek-V3 layout: sigmoid scores, noaux_tc with a correction bias, normalized top-k, scale 2.5, YaRN
    "deepseek_v3": ("deepseek_v3", dict(DS_COMMON, q_lora_rank=24, n_shared_experts=1, num_experts_per_tok=3,
                                        topk_method="noaux_tc", n_group=4, topk_group=2, scoring_func="sigmoid",
                                        norm_topk_prob=True, routed_scaling_factor=2.5),
                    dict(YARN, mscale=1.0, mscale_all_dim=0.9), torch.bfloat16, {}),
}


@torch.no_grad()
def randomize_buffers(model, seed):
    """The correction bias is a buffer (zeros by default): make it matter for the choice of experts."""
    g = torch.Generator().manual_seed(seed + 7)
    for name, b in model.named_buffers():
        if name.endswith("e_score_correction_bias"):
            b.copy_(0.05 * torch.randn(b.shape, generator=g))


def make_case(name, out_root, seed):
    model_type, fields, rope, dtype, opts = CASES[name]
    cfg = mg.build_config(model_type, fields, rope)
    torch.manual_seed(seed)
    model = mg.AutoModelForCausalLM.from_config(cfg, dtype=torch.float32, attn_implementation="eager")
    mg.randomize(model, seed)
    randomize_buffers(model, seed)
    with torch.no_grad():
        for t in list(model.parameters()) + [b for n, b in model.named_buffers() if "correction_bias" in n]:
            t.copy_(t.to(dtype).to(torch.float32))
    model.eval()

    g = torch.Generator().manual_seed(seed + 1)
    prompt = torch.randint(3, mg.VOCAB, (1, mg.PROMPT_LEN), generator=g)
    with torch.no_grad():
        generated = model.generate(prompt, max_new_tokens=mg.NEW_TOKENS, min_new_tokens=mg.NEW_TOKENS,
                                   do_sample=False, eos_token_id=None, pad_token_id=0)
        full = generated[:, :mg.PROMPT_LEN + mg.NEW_TOKENS]
        logits = model(full).logits[0].float()

    directory = os.path.join(out_root, "models", name)
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    cfg.dtype = dtype
    cfg.save_pretrained(directory)
    model.generation_config.save_pretrained(directory)
    written = mg.write_checkpoint(model, model_type, cfg, dtype, directory, 1)
    names = [k for k, _ in written]
    assert any(k.endswith("mlp.experts.0.gate_proj.weight") for k in names), names

    # Round trip through from_pretrained; reported, not fatal: the hub layout (per-expert tensors) is what the
    # engine reads, and the installed transformers may or may not convert it back to its fused experts.
    roundtrip = "ok"
    try:
        reloaded, info = mg.AutoModelForCausalLM.from_pretrained(directory, dtype=torch.float32,
                                                                attn_implementation="eager",
                                                                output_loading_info=True)
        problems = {k: v for k, v in info.items() if v}
        with torch.no_grad():
            diff = (reloaded.eval()(full).logits[0].float() - logits).abs().max().item()
        roundtrip = f"max abs diff {diff:.2e}" + (f", loading info {problems}" if problems else "")
    except Exception as e:  # noqa: BLE001 - informational
        roundtrip = f"failed: {e!r}"

    if opts.get("v4_config"):
        mg.rewrite_config_v4(directory)

    expected = {
        "case": name,
        "model_type": model_type,
        "transformers_version": transformers.__version__,
        "torch_version": torch.__version__,
        "storage_dtype": str(dtype).replace("torch.", ""),
        "prompt_ids": prompt[0].tolist(),
        "greedy_ids": generated[0, mg.PROMPT_LEN:].tolist(),
        "logits_positions": mg.PROMPT_LEN + mg.NEW_TOKENS,
        "logits": [[round(x, 7) for x in row] for row in logits.tolist()],
    }
    with open(os.path.join(directory, "expected.json"), "w") as f:
        json.dump(expected, f)
    print(f"{name}: {len(written)} tensors, greedy {expected['greedy_ids']}, round trip: {roundtrip}")
    for k, v in written:
        if ".experts." not in k or ".experts.0." in k:
            print(f"    {k} {tuple(v.shape)} {v.dtype}")


def copy_sources(dest):
    root = os.path.dirname(transformers.__file__)
    os.makedirs(dest, exist_ok=True)
    for rel in ["models/deepseek_v2/modeling_deepseek_v2.py", "models/deepseek_v2/configuration_deepseek_v2.py",
                "models/deepseek_v3/modeling_deepseek_v3.py", "models/deepseek_v3/configuration_deepseek_v3.py",
                "modeling_rope_utils.py"]:
        src = os.path.join(root, rel)
        if os.path.exists(src):
            shutil.copy(src, os.path.join(dest, os.path.basename(rel)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--sources")
    ap.add_argument("--cases", nargs="*", default=sorted(CASES))
    args = ap.parse_args()
    torch.use_deterministic_algorithms(True)
    print(f"transformers {transformers.__version__}, torch {torch.__version__}", file=sys.stderr)
    if args.sources:
        copy_sources(args.sources)
    failed = []
    for i, name in enumerate(args.cases):
        try:
            make_case(name, args.out, seed=3000 + i)
        except Exception as e:  # noqa: BLE001 - one broken case must not hide the others' output
            import traceback
            traceback.print_exc()
            failed.append(name)
    if failed:
        raise SystemExit(f"failed cases: {failed}")


if __name__ == "__main__":
    main()

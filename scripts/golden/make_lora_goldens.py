#!/usr/bin/env python3
"""Reference outputs of PEFT LoRA adapters on the tiny golden checkpoints, for the engine's LoRA golden tests.

Run on the GPU host (torch + transformers + peft), after make_goldens.py made the base checkpoints:

  python3 make_lora_goldens.py --models DIR/models --out DIR/lora

For every (case, adapter) below it loads models/<case> in fp32, wraps it with peft's LoraConfig, sets every
lora_A and lora_B to random non-zero values (peft initialises B to zero, which would make the adapter a no-op),
rounds them to the adapter's storage dtype, saves the adapter with save_pretrained (adapter_config.json +
adapter_model.safetensors, exactly what a user uploads) and writes expected.json: the prompt ids (those of the base
case), the adapted model's greedy continuation and its fp32 logits at every position of prompt + continuation.
Every saved adapter is loaded back with PeftModel.from_pretrained and must give the same logits.

It also reports what the installed peft does with expert weights (target_parameters on fused experts), which the
engine does not support: that output is informational only. peft writes a README.md model card next to each
adapter; the repository does not keep it.
"""
import argparse
import json
import os
import shutil
import sys

import peft
import torch
import transformers
from peft import LoraConfig, PeftModel, get_peft_model
from safetensors.torch import load_file, save_file
from transformers import AutoModelForCausalLM

NEW_TOKENS = 8
ALL = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
ATTENTION = ["q_proj", "k_proj", "v_proj", "o_proj"]

# What peft 0.21 does on transformers 5 (found on the GPU host): on qwen3_moe, whose experts are one fused module
# (mlp.experts.gate_up_proj / down_proj parameters), any target_modules entry for gate_proj/up_proj/down_proj -- a
# plain name or a regular expression over module names alike -- is rewritten into target_parameters on the fused
# experts, and the dense MLP of mlp_only_layers is then not adapted at all. The engine does not adapt routed experts,
# so qwen3_moe's adapter here is the refusal case; qwen2_moe's shared expert is a regular module and is adapted.
QWEN3_ATTN_DOWN = r".*\.self_attn\.(q_proj|v_proj|o_proj)|.*\.mlp\.down_proj"

# (base case, adapter name) -> (LoraConfig fields, storage dtype, seed)
ADAPTERS = {
    # whole-projection q/k norms after the adapted projections; bf16 storage
    ("olmoe", "attn_bf16_r4"): (dict(r=4, lora_alpha=4, target_modules=ATTENTION), torch.bfloat16, 2000),
    # attention with biases and the shared expert (mlp.shared_expert.{gate,up,down}_proj)
    ("qwen2_moe", "attn_shared_r8"): (dict(r=8, lora_alpha=32, target_modules=ALL), torch.float32, 2001),
    # rsLoRA on attention, plus down_proj that peft turns into the fused experts' target_parameters: refused
    ("qwen3_moe", "attn_rslora_r4"): (dict(r=4, lora_alpha=8, use_rslora=True, target_modules=QWEN3_ATTN_DOWN),
                                      torch.float32, 2003),
}


def load_base(models, case):
    model = AutoModelForCausalLM.from_pretrained(os.path.join(models, case), dtype=torch.float32,
                                                 attn_implementation="eager")
    return model.eval()


@torch.no_grad()
def randomize_lora(model, seed, dtype):
    g = torch.Generator().manual_seed(seed)
    count = 0
    for name, p in model.named_parameters():
        if "lora_A" in name:
            v = torch.randn(p.shape, generator=g) / p.shape[1] ** 0.5
        elif "lora_B" in name:
            v = 0.5 * torch.randn(p.shape, generator=g) / p.shape[1] ** 0.5
        else:
            continue
        p.copy_(v.to(dtype).to(torch.float32))
        count += 1
    if count == 0:
        raise SystemExit("no LoRA parameters were created")


def reference(model, prompt):
    with torch.no_grad():
        generated = model.generate(input_ids=prompt, max_new_tokens=NEW_TOKENS, min_new_tokens=NEW_TOKENS,
                                   do_sample=False, eos_token_id=None, pad_token_id=0)
        full = generated[:, :prompt.shape[1] + NEW_TOKENS]
        logits = model(input_ids=full).logits[0].float()
    return generated, full, logits


def make_adapter(models, out, case, name, fields, dtype, seed):
    base_expected = json.load(open(os.path.join(models, case, "expected.json")))
    prompt = torch.tensor([base_expected["prompt_ids"]])
    base_logits = torch.tensor(base_expected["logits"])

    model = get_peft_model(load_base(models, case), LoraConfig(lora_dropout=0.0, bias="none", **fields))
    randomize_lora(model, seed, dtype)
    model.eval()
    generated, full, logits = reference(model, prompt)
    effect = (logits - base_logits).abs().max().item()
    if effect < 0.05:
        raise SystemExit(f"{case}/{name}: the adapter barely changes the logits (max diff {effect})")

    directory = os.path.join(out, case, name)
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    model.save_pretrained(directory)
    os.remove(os.path.join(directory, "README.md"))
    weights = os.path.join(directory, "adapter_model.safetensors")
    tensors = load_file(weights)
    if dtype != torch.float32:
        save_file({k: v.to(dtype).contiguous() for k, v in tensors.items()}, weights, metadata={"format": "pt"})

    # Round trip through peft's own loader: the files are what a user would upload.
    reloaded = PeftModel.from_pretrained(load_base(models, case), directory).eval()
    with torch.no_grad():
        logits2 = reloaded(input_ids=full).logits[0].float()
    diff = (logits2 - logits).abs().max().item()
    if diff > 1e-5:
        raise SystemExit(f"{case}/{name}: the reloaded adapter gives different logits (max abs diff {diff})")

    expected = {
        "case": case,
        "adapter": name,
        "transformers_version": transformers.__version__,
        "peft_version": peft.__version__,
        "torch_version": torch.__version__,
        "storage_dtype": str(dtype).replace("torch.", ""),
        "prompt_ids": prompt[0].tolist(),
        "greedy_ids": generated[0, prompt.shape[1]:].tolist(),
        "logits_positions": full.shape[1],
        "logits": [[round(x, 7) for x in row] for row in logits.tolist()],
    }
    with open(os.path.join(directory, "expected.json"), "w") as f:
        json.dump(expected, f)
    experts = [k for k in tensors if ".experts." in k]
    print(f"{case}/{name}: {len(experts)} expert tensors")
    print(f"{case}/{name}: {len(tensors)} tensors, greedy {expected['greedy_ids']}, "
          f"max |adapted - base| {effect:.3f}, round-trip diff {diff:.1e}")
    for k in sorted(tensors)[:4]:
        print(f"    {k} {tuple(tensors[k].shape)}")


def probe_expert_parameters(models):
    """What peft does when asked to adapt fused expert weights (informational)."""
    for params in (["mlp.experts.gate_up_proj", "mlp.experts.down_proj"], ["gate_up_proj", "down_proj"]):
        try:
            model = get_peft_model(load_base(models, "qwen3_moe"),
                                   LoraConfig(r=4, lora_alpha=8, target_modules=[], target_parameters=params))
            names = [n for n, _ in model.named_parameters() if "lora_" in n]
            print(f"probe target_parameters={params}: {len(names)} LoRA parameters, e.g. {names[:4]}")
        except Exception as e:  # noqa: BLE001 - report whatever peft raises
            print(f"probe target_parameters={params}: {type(e).__name__}: {e}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", required=True, help="the golden models/ directory made by make_goldens.py")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    torch.use_deterministic_algorithms(True)
    print(f"transformers {transformers.__version__}, peft {peft.__version__}, torch {torch.__version__}",
          file=sys.stderr)
    for (case, name), (fields, dtype, seed) in sorted(ADAPTERS.items()):
        make_adapter(args.models, args.out, case, name, fields, dtype, seed)
    probe_expert_parameters(args.models)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Full-size correctness reference: a random bf16 checkpoint of a config and transformers' logits on it.

  python3 hf_logits.py CONFIG.json --out DIR [--layers N] [--prefill 64] [--positions 256] [--seed 0]

Builds the model of CONFIG.json (optionally with only N layers: every per-layer shape stays full size) with random
bf16 weights on the GPU (normal / sqrt(fan_in), norms 1), writes it as a hub-layout checkpoint (per-expert tensors,
shards of ~4 GB) to DIR/model, runs transformers in bf16 over PREFILL + POSITIONS random tokens, and writes
DIR/ref/reference.json (tokens, prefill, vocab) and DIR/ref/logits.f32 (little-endian fp32 [T, vocab]), the input
of the engine's `check-logits` command. The engine then prefills PREFILL tokens and decodes the rest one token per
step, comparing POSITIONS positions. Nothing is downloaded.

Random weights make logits flat: the top two tokens are often within bf16 rounding of each other, so no bf16
implementation reaches 100% top-1 agreement with another. To show where that floor lies, the script also upcasts the
same model to fp32 (unless --no-fp32) and writes DIR/ref-fp32 (the same files, fp32 logits), and prints how often
transformers' own bf16 forward agrees with its fp32 forward over the compared positions: the engine's agreement with
either reference is read against that baseline.
"""
import argparse
import json
import os
import sys
import time

import torch
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hf_peers import build  # noqa: E402
from make_goldens import hub_state_dict  # noqa: E402  (same per-expert hub layout as the golden checkpoints)

SHARD_BYTES = 4 << 30


@torch.no_grad()
def randomize(model, seed):
    g = torch.Generator(device="cuda").manual_seed(seed)
    for name, p in model.named_parameters():
        if p.dim() == 1:
            p.fill_(1.0) if "norm" in name else p.zero_()
        else:
            fan_in = p.shape[-1]
            if "experts.gate_up_proj" in name and p.dim() == 3 and p.shape[1] < p.shape[2]:
                fan_in = p.shape[1]  # stored [experts, hidden, 2*inter]
            if "experts.down_proj" in name and p.dim() == 3 and p.shape[1] > p.shape[2]:
                fan_in = p.shape[1]  # stored [experts, inter, hidden]
            p.copy_(torch.randn(p.shape, generator=g, device="cuda", dtype=torch.float32).div_(fan_in ** 0.5))


def write_checkpoint(model, model_type, cfg, directory):
    os.makedirs(directory, exist_ok=True)
    cfg.dtype = torch.bfloat16
    cfg.save_pretrained(directory)
    model.generation_config.save_pretrained(directory)
    tensors = hub_state_dict(model, model_type, cfg)
    names = sorted(tensors)
    shards, current, size = [], [], 0
    for n in names:
        b = tensors[n].numel() * tensors[n].element_size()
        if current and size + b > SHARD_BYTES:
            shards.append(current)
            current, size = [], 0
        current.append(n)
        size += b
    shards.append(current)
    weight_map, total = {}, 0
    for i, part in enumerate(shards):
        fname = f"model-{i + 1:05d}-of-{len(shards):05d}.safetensors"
        save_file({k: tensors[k].to(torch.bfloat16).cpu() for k in part}, os.path.join(directory, fname),
                  metadata={"format": "pt"})
        for k in part:
            weight_map[k] = fname
            total += tensors[k].numel() * tensors[k].element_size()
    with open(os.path.join(directory, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
    return total


@torch.no_grad()
def fp32_baseline(model, tokens, bf16_logits, args, directory):
    """Writes transformers' fp32 logits of the same weights and prints bf16-vs-fp32 agreement (positions P-1..T-2)."""
    try:
        model.float()
        fp32 = model(tokens.cuda()).logits[0].float().cpu()
    except torch.cuda.OutOfMemoryError:
        print("fp32 baseline skipped: the fp32 model does not fit in GPU memory", flush=True)
        model.to(torch.bfloat16)
        torch.cuda.empty_cache()
        return
    model.to(torch.bfloat16)
    torch.cuda.empty_cache()
    os.makedirs(directory, exist_ok=True)
    fp32.contiguous().numpy().astype("<f4").tofile(os.path.join(directory, "logits.f32"))
    with open(os.path.join(args.out, "ref", "reference.json")) as f:
        meta = f.read()
    with open(os.path.join(directory, "reference.json"), "w") as f:
        f.write(meta)
    rows = slice(args.prefill - 1, fp32.shape[0] - 1)
    a, b = bf16_logits[rows], fp32[rows]
    agree = (a.argmax(-1) == b.argmax(-1)).float().mean().item()
    rel = ((a - b).abs().amax(-1) / b.abs().amax(-1)).mean().item()
    print(f"transformers bf16 vs fp32 on the same weights: top-1 agreement {100 * agree:.2f}% over {a.shape[0]} "
          f"positions, relative error mean {rel:.4f}", flush=True)
    with open(os.path.join(directory, "bf16-vs-fp32.json"), "w") as f:
        json.dump({"positions": a.shape[0], "top1Agreement": agree, "meanRelativeError": rel}, f)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("config")
    ap.add_argument("--out", required=True)
    ap.add_argument("--layers", type=int, default=0, help="build only this many layers (0: the config's)")
    ap.add_argument("--prefill", type=int, default=64)
    ap.add_argument("--positions", type=int, default=256)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-fp32", action="store_true", help="skip the fp32 reference (needs the model twice in fp32)")
    ap.add_argument("--verify-reload", action="store_true",
                    help="load the written checkpoint back with from_pretrained and compare logits (needs room "
                         "for two copies of the model on the GPU)")
    args = ap.parse_args()
    t0 = time.perf_counter()
    model, cfg = build(args.config, "sdpa", args.layers)
    model_type = cfg.model_type
    randomize(model, args.seed)
    torch.cuda.synchronize()
    t1 = time.perf_counter()
    total = write_checkpoint(model, model_type, cfg, os.path.join(args.out, "model"))
    t2 = time.perf_counter()
    g = torch.Generator().manual_seed(args.seed + 1)
    tokens = torch.randint(0, cfg.vocab_size, (1, args.prefill + args.positions), generator=g)
    with torch.no_grad():
        logits = model(tokens.cuda()).logits[0].float().cpu()
    ref = os.path.join(args.out, "ref")
    os.makedirs(ref, exist_ok=True)
    logits.contiguous().numpy().astype("<f4").tofile(os.path.join(ref, "logits.f32"))
    with open(os.path.join(ref, "reference.json"), "w") as f:
        json.dump({"tokens": tokens[0].tolist(), "prefill": args.prefill, "vocab": int(logits.shape[1]),
                   "layers": cfg.num_hidden_layers, "config": os.path.basename(args.config)}, f)
    if not args.no_fp32:
        fp32_baseline(model, tokens, logits, args, os.path.join(args.out, "ref-fp32"))
    if args.verify_reload:
        del model
        torch.cuda.empty_cache()
        reloaded = AutoModelForCausalLM.from_pretrained(os.path.join(args.out, "model"), dtype=torch.bfloat16,
                                                        device_map="cuda").eval()
        with torch.no_grad():
            again = reloaded(tokens.cuda()).logits[0].float().cpu()
        diff = (again - logits).abs().max().item()
        print(f"reloaded checkpoint: max |logit diff| {diff:.3g} (0 when the files are what transformers reads)",
              flush=True)
    print(f"{os.path.basename(args.config)}: {cfg.num_hidden_layers} layers, {total / 1e9:.1f} GB bf16 built in "
          f"{t1 - t0:.1f} s, written in {t2 - t1:.1f} s; reference logits [{logits.shape[0]}, {logits.shape[1]}]",
          flush=True)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Full-size correctness reference: a random bf16 checkpoint of a config and transformers' logits on it.

  python3 hf_logits.py CONFIG.json --out DIR [--layers N] [--prefill 64] [--positions 256] [--seed 0]

Builds the model of CONFIG.json (optionally with only N layers: every per-layer shape stays full size) with random
bf16 weights on the GPU (normal / sqrt(fan_in), norms 1), writes it as a hub-layout checkpoint (per-expert tensors,
shards of ~4 GB) to DIR/model, runs transformers in bf16 over PREFILL + POSITIONS random tokens, and writes
DIR/ref/reference.json (tokens, prefill, vocab) and DIR/ref/logits.f32 (little-endian fp32 [T, vocab]), the input
of the engine's `check-logits` command. The engine then prefills PREFILL tokens and decodes the rest one token per
step, comparing POSITIONS positions. Nothing is downloaded.
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("config")
    ap.add_argument("--out", required=True)
    ap.add_argument("--layers", type=int, default=0, help="build only this many layers (0: the config's)")
    ap.add_argument("--prefill", type=int, default=64)
    ap.add_argument("--positions", type=int, default=256)
    ap.add_argument("--seed", type=int, default=0)
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

#!/usr/bin/env python3
"""A random PEFT LoRA adapter for a model's config.json, for benchmarks (standard library only, no torch).

  python3 make_random_adapter.py --config MODEL_DIR/config.json --out DIR [--rank 16] [--alpha 32]
                                 [--modules q_proj,k_proj,v_proj,o_proj] [--seed 1]

Writes DIR/adapter_config.json and DIR/adapter_model.safetensors (fp32) in the layout peft's save_pretrained uses:
base_model.model.model.layers.<i>.self_attn.<module>.lora_{A,B}.weight with A [r, in] and B [out, r]. Attention
projections of every layer; gate/up/down_proj of the dense layers (mlp_only_layers) when asked for. The values are
random, so the adapter changes the model's outputs but means nothing: it exists to measure LoRA's cost.
"""
import argparse
import json
import os
import random
import struct


def shapes(cfg, module, layer):
    hidden = cfg["hidden_size"]
    head_dim = cfg.get("head_dim") or hidden // cfg["num_attention_heads"]
    q = cfg["num_attention_heads"] * head_dim
    kv = cfg.get("num_key_value_heads", cfg["num_attention_heads"]) * head_dim
    inter = cfg.get("intermediate_size")
    return {"q_proj": (hidden, q), "k_proj": (hidden, kv), "v_proj": (hidden, kv), "o_proj": (q, hidden),
            "gate_proj": (hidden, inter), "up_proj": (hidden, inter), "down_proj": (inter, hidden)}[module]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--rank", type=int, default=16)
    ap.add_argument("--alpha", type=float, default=32)
    ap.add_argument("--modules", default="q_proj,k_proj,v_proj,o_proj")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    cfg = json.load(open(args.config))
    rng = random.Random(args.seed)
    modules = args.modules.split(",")
    dense = set(cfg.get("mlp_only_layers") or [])
    tensors = {}
    for layer in range(cfg["num_hidden_layers"]):
        for module in modules:
            mlp = module in ("gate_proj", "up_proj", "down_proj")
            if mlp and layer not in dense:
                continue
            n_in, n_out = shapes(cfg, module, layer)
            prefix = f"base_model.model.model.layers.{layer}.{'mlp' if mlp else 'self_attn'}.{module}"
            tensors[prefix + ".lora_A.weight"] = ([args.rank, n_in], [rng.gauss(0, n_in ** -0.5)
                                                                      for _ in range(args.rank * n_in)])
            tensors[prefix + ".lora_B.weight"] = ([n_out, args.rank], [rng.gauss(0, 0.1 * args.rank ** -0.5)
                                                                       for _ in range(n_out * args.rank)])
    header, offset, blobs = {}, 0, []
    for name in sorted(tensors):
        shape, values = tensors[name]
        blob = struct.pack(f"<{len(values)}f", *values)
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "adapter_model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
    with open(os.path.join(args.out, "adapter_config.json"), "w") as f:
        json.dump({"peft_type": "LORA", "r": args.rank, "lora_alpha": args.alpha, "lora_dropout": 0.0,
                   "bias": "none", "use_rslora": False, "use_dora": False, "target_modules": modules,
                   "base_model_name_or_path": os.path.dirname(os.path.abspath(args.config))}, f, indent=2)
    print(f"{args.out}: {len(tensors)} tensors, rank {args.rank}")


if __name__ == "__main__":
    main()

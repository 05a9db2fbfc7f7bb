#!/usr/bin/env python3
"""Reference outputs from Hugging Face transformers, for the engine's golden tests.

Run on the GPU host (it has torch + transformers; see scripts/golden/run-on-gpu-host.sh):

  python3 make_goldens.py --out DIR [--tokenizers DIR]

Writes, under DIR:
  models/<case>/      a tiny random checkpoint in the Hugging Face hub layout (config.json,
                      generation_config.json, *.safetensors) and expected.json: the prompt ids, the greedy
                      continuation and transformers' fp32 logits for every position of prompt + continuation.
  templates/<name>.json  chat-template renderings and tokenizer encodings of the real tokenizers.

Weights are rounded to the checkpoint dtype (bf16/fp16) before the fp32 reference runs, so a backend that
upcasts the stored weights to fp32 must reproduce the logits to float rounding. Every written checkpoint is
loaded back with from_pretrained and must give the same logits, which proves the files are what transformers
itself would read.
"""
import argparse
import json
import os
import shutil
import sys

import torch
import transformers
from safetensors.torch import save_file
from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer, PreTrainedTokenizerFast

PROMPT_LEN = 12
NEW_TOKENS = 8
VOCAB = 256

COMMON = dict(vocab_size=VOCAB, hidden_size=64, num_attention_heads=4, num_key_value_heads=2,
              max_position_embeddings=128, rms_norm_eps=1e-6, tie_word_embeddings=False,
              bos_token_id=1, eos_token_id=2, pad_token_id=0)

# case name -> (model_type, config fields, rope parameters or None, storage dtype, extra options)
CASES = {
    "qwen3_moe": ("qwen3_moe", dict(COMMON, head_dim=16, intermediate_size=96, moe_intermediate_size=40,
                                    num_hidden_layers=3, num_experts=8, num_experts_per_tok=2, norm_topk_prob=True,
                                    decoder_sparse_step=1, mlp_only_layers=[1]),
                  None, torch.bfloat16, {}),
    "qwen3_moe_yarn_sharded": ("qwen3_moe", dict(COMMON, head_dim=16, intermediate_size=96, moe_intermediate_size=40,
                                                 num_hidden_layers=2, num_experts=8, num_experts_per_tok=3,
                                                 norm_topk_prob=False, decoder_sparse_step=1, mlp_only_layers=[]),
                               dict(rope_type="yarn", factor=4.0, original_max_position_embeddings=32),
                               torch.bfloat16, dict(shards=3, v4_config=True)),
    "qwen2_moe": ("qwen2_moe", dict(COMMON, intermediate_size=96, moe_intermediate_size=40,
                                    shared_expert_intermediate_size=48, num_hidden_layers=2, num_experts=8,
                                    num_experts_per_tok=2, norm_topk_prob=False, decoder_sparse_step=1,
                                    mlp_only_layers=[], use_sliding_window=False),
                  dict(rope_type="linear", factor=2.0), torch.bfloat16, {}),
    "mixtral": ("mixtral", dict(COMMON, intermediate_size=48, num_hidden_layers=2, num_local_experts=4,
                                num_experts_per_tok=2, sliding_window=None),
                None, torch.float32, dict(v4_config=True)),
    "olmoe": ("olmoe", dict(COMMON, intermediate_size=40, num_hidden_layers=2, num_experts=8, num_experts_per_tok=2,
                            norm_topk_prob=False, clip_qkv=None),
              None, torch.float16, {}),
}

ROPE_THETA = 10000.0


def build_config(model_type, fields, rope):
    rope_parameters = dict(rope_type="default", rope_theta=ROPE_THETA)
    if rope:
        rope_parameters.update(rope)
    cfg = AutoConfig.for_model(model_type, **fields)
    cfg.rope_parameters = rope_parameters
    cfg._attn_implementation = "eager"
    return cfg


@torch.no_grad()
def randomize(model, seed):
    """Larger-than-default random weights so routing, norms and biases all matter."""
    g = torch.Generator().manual_seed(seed)
    for name, p in model.named_parameters():
        if name.endswith("norm.weight") or "layernorm" in name or name.endswith("_norm.weight"):
            p.copy_(1.0 + 0.2 * torch.randn(p.shape, generator=g))
        elif name.endswith("bias"):
            p.copy_(0.1 * torch.randn(p.shape, generator=g))
        elif "embed_tokens" in name:
            p.copy_(torch.randn(p.shape, generator=g))
        else:
            fan_in = p.shape[-1]
            p.copy_(torch.randn(p.shape, generator=g) / fan_in ** 0.5)


def hub_state_dict(model, model_type, cfg):
    """The model's weights under the names and per-expert layout that checkpoints on the hub use."""
    out = {}
    inter = getattr(cfg, "moe_intermediate_size", None) or cfg.intermediate_size
    hidden = cfg.hidden_size
    for name, t in model.state_dict().items():
        t = t.detach().contiguous()
        if name.endswith("experts.gate_up_proj") or name.endswith("experts.down_proj"):
            prefix = name.rsplit("experts.", 1)[0]
            n_exp = t.shape[0]
            for e in range(n_exp):
                w = t[e]
                if name.endswith("gate_up_proj"):
                    # transformers 5 stores [2*inter, hidden] (nn.Linear layout); when hidden == 2*inter (OLMoE at
                    # full size) the shape cannot tell, and that layout is the one it is
                    if w.shape == (hidden, 2 * inter) and hidden != 2 * inter:
                        w = w.t()
                    assert w.shape == (2 * inter, hidden), (name, tuple(t.shape))
                    out[f"{prefix}experts.{e}.gate_proj.weight"] = w[:inter].contiguous()
                    out[f"{prefix}experts.{e}.up_proj.weight"] = w[inter:].contiguous()
                else:
                    if w.shape == (inter, hidden) and inter != hidden:
                        w = w.t()
                    assert w.shape == (hidden, inter), (name, tuple(t.shape))
                    out[f"{prefix}experts.{e}.down_proj.weight"] = w.contiguous()
        else:
            out[name] = t
    if model_type == "mixtral":
        renamed = {}
        for k, v in out.items():
            k2 = k.replace(".mlp.", ".block_sparse_moe.")
            k2 = k2.replace(".gate_proj.", ".w1.").replace(".up_proj.", ".w3.").replace(".down_proj.", ".w2.")
            renamed[k2] = v
        out = renamed
    return out


def write_checkpoint(model, model_type, cfg, dtype, directory, shards):
    tensors = {k: v.to(dtype).contiguous() for k, v in hub_state_dict(model, model_type, cfg).items()}
    names = sorted(tensors)
    if shards <= 1:
        save_file(tensors, os.path.join(directory, "model.safetensors"), metadata={"format": "pt"})
    else:
        weight_map, total = {}, 0
        per = (len(names) + shards - 1) // shards
        for i in range(shards):
            part = names[i * per:(i + 1) * per]
            fname = f"model-{i + 1:05d}-of-{shards:05d}.safetensors"
            save_file({k: tensors[k] for k in part}, os.path.join(directory, fname), metadata={"format": "pt"})
            for k in part:
                weight_map[k] = fname
                total += tensors[k].numel() * tensors[k].element_size()
        with open(os.path.join(directory, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
    return sorted(tensors.items())


def rewrite_config_v4(directory):
    """Spell config.json the way transformers 4.x checkpoints on the hub do."""
    path = os.path.join(directory, "config.json")
    with open(path) as f:
        c = json.load(f)
    rp = c.pop("rope_parameters", None) or {}
    c["rope_theta"] = rp.pop("rope_theta", ROPE_THETA)
    c["rope_scaling"] = None if rp.get("rope_type", "default") == "default" else rp
    if "dtype" in c:
        c["torch_dtype"] = c.pop("dtype")
    with open(path, "w") as f:
        json.dump(c, f, indent=2)


def make_model_case(name, out_root, seed):
    model_type, fields, rope, dtype, opts = CASES[name]
    cfg = build_config(model_type, fields, rope)
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(cfg, dtype=torch.float32, attn_implementation="eager")
    randomize(model, seed)
    # Round the weights to the storage dtype so that the fp32 reference uses exactly the stored values.
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.to(dtype).to(torch.float32))
    model.eval()

    g = torch.Generator().manual_seed(seed + 1)
    prompt = torch.randint(3, VOCAB, (1, PROMPT_LEN), generator=g)
    with torch.no_grad():
        generated = model.generate(prompt, max_new_tokens=NEW_TOKENS, min_new_tokens=NEW_TOKENS, do_sample=False,
                                   eos_token_id=None, pad_token_id=0)
        full = generated[:, :PROMPT_LEN + NEW_TOKENS]
        logits = model(full).logits[0].float()

    directory = os.path.join(out_root, "models", name)
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    cfg.dtype = dtype
    cfg.save_pretrained(directory)
    model.generation_config.save_pretrained(directory)
    written = write_checkpoint(model, model_type, cfg, dtype, directory, opts.get("shards", 1))

    # Round trip: transformers must read the files back with no missing or unexpected tensors and the same logits.
    reloaded, info = AutoModelForCausalLM.from_pretrained(directory, dtype=torch.float32, attn_implementation="eager",
                                                         output_loading_info=True)
    problems = {k: v for k, v in info.items() if v}
    if problems:
        raise SystemExit(f"{name}: checkpoint does not load cleanly: {problems}")
    with torch.no_grad():
        logits2 = reloaded.eval()(full).logits[0].float()
    diff = (logits2 - logits).abs().max().item()
    if diff > 1e-5:
        raise SystemExit(f"{name}: reloaded checkpoint gives different logits (max abs diff {diff})")

    if opts.get("v4_config"):
        rewrite_config_v4(directory)

    expected = {
        "case": name,
        "model_type": model_type,
        "transformers_version": transformers.__version__,
        "torch_version": torch.__version__,
        "storage_dtype": str(dtype).replace("torch.", ""),
        "prompt_ids": prompt[0].tolist(),
        "greedy_ids": generated[0, PROMPT_LEN:].tolist(),
        "logits_positions": PROMPT_LEN + NEW_TOKENS,
        "logits": [[round(x, 7) for x in row] for row in logits.tolist()],
    }
    with open(os.path.join(directory, "expected.json"), "w") as f:
        json.dump(expected, f)
    print(f"{name}: {len(written)} tensors, greedy {expected['greedy_ids']}, round-trip max diff {diff:.2e}")
    for k, v in written[:40]:
        print(f"    {k} {tuple(v.shape)} {v.dtype}")


TEMPLATE_CASES = [
    ("single_user", [{"role": "user", "content": "Hello!"}], True, {}),
    ("system_user", [{"role": "system", "content": "You are a helpful assistant."},
                     {"role": "user", "content": "What is 2+2?"}], True, {}),
    ("multi_turn", [{"role": "system", "content": "You are a helpful assistant."},
                    {"role": "user", "content": "What is 2+2?"},
                    {"role": "assistant", "content": "2+2 equals 4."},
                    {"role": "user", "content": "And 3+3?"}], True, {}),
    ("multi_turn_no_generation_prompt", [{"role": "user", "content": "What is 2+2?"},
                                         {"role": "assistant", "content": "2+2 equals 4."}], False, {}),
    ("chinese", [{"role": "user", "content": "你好，请用一句话介绍一下你自己。"}], True, {}),
    ("assistant_with_reasoning", [{"role": "user", "content": "Is 7 prime?"},
                                  {"role": "assistant", "content": "<think>\n7 has no divisors but 1 and 7.\n</think>\n\nYes, 7 is prime."},
                                  {"role": "user", "content": "And 9?"}], True, {}),
    ("thinking_disabled", [{"role": "user", "content": "Hello!"}], True, {"enable_thinking": False}),
]

ENCODE_STRINGS = [
    "Hello, world!",
    "你好，世界！这是一个测试。",
    "emoji 🚀🔥 and accents: café naïve",
    "   leading spaces\n\ttabs and trailing   ",
    "def square(x):\n    return x ** 2\n",
    "<|im_start|>user\nHi<|im_end|>",
    "日本語のテキストと한국어 텍스트",
]


def make_template_goldens(tok_root, out_root):
    os.makedirs(os.path.join(out_root, "templates"), exist_ok=True)
    for name in sorted(os.listdir(tok_root)):
        tok = AutoTokenizer.from_pretrained(os.path.join(tok_root, name))
        # Chat templates render through AutoTokenizer (tokenizer_config.json's template and special tokens), but
        # ids come from the checkpoint's own tokenizer.json: transformers 5 rebuilds some tokenizers (DeepSeek-V3
        # is declared LlamaTokenizerFast) from their class instead of the file, which encodes differently.
        fast = PreTrainedTokenizerFast(tokenizer_file=os.path.join(tok_root, name, "tokenizer.json"))
        cases = []
        for case, messages, gen, kwargs in TEMPLATE_CASES:
            text = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=gen, **kwargs)
            cases.append({"name": case, "messages": messages, "add_generation_prompt": gen, "kwargs": kwargs,
                          "text": text, "ids": fast.encode(text, add_special_tokens=False)})
        encodings = []
        for s in ENCODE_STRINGS:
            ids = fast.encode(s, add_special_tokens=False)
            encodings.append({"text": s, "ids": ids,
                              "decoded": fast.decode(ids),
                              "decoded_skip_special": fast.decode(ids, skip_special_tokens=True),
                              "tokens": fast.convert_ids_to_tokens(ids)})
        with open(os.path.join(out_root, "templates", f"{name}.json"), "w") as f:
            json.dump({"tokenizer": name, "transformers_version": transformers.__version__,
                       "vocab_size": len(fast), "chat": cases, "encode": encodings}, f, ensure_ascii=False, indent=1)
        print(f"templates/{name}.json: {len(cases)} chat cases, {len(encodings)} encodings, vocab {len(tok)}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--tokenizers")
    ap.add_argument("--cases", nargs="*", default=sorted(CASES), help="model cases; none with --cases alone")
    args = ap.parse_args()
    torch.use_deterministic_algorithms(True)
    print(f"transformers {transformers.__version__}, torch {torch.__version__}", file=sys.stderr)
    for i, name in enumerate(args.cases):
        make_model_case(name, args.out, seed=1000 + i)
    if args.tokenizers:
        make_template_goldens(args.tokenizers, args.out)


if __name__ == "__main__":
    main()

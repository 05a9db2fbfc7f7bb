#!/usr/bin/env python3
"""Peer measurements for docs/performance.md: Hugging Face transformers on the same GPU, same shapes, same run.

  python3 hf_peers.py CONFIG.json [CONFIG.json ...] [--batches 1,8,32,64] [--prompt 128] [--gen 64]

For each config (a Hugging Face config.json; random bf16 weights built on the GPU, nothing downloaded):
  * `generate` (eager attention, greedy): decode tokens/s per batch size, measured as
    B * (gen - 1) / (t(gen) - t(1)) so that the prefill is not counted as decode;
  * `generate_batch` (continuous batching, paged attention): output tokens/s for R requests of
    `prompt` tokens + `gen` new tokens.
Prints one JSON object per measurement (lines starting with "PEER ") and a summary table.
"""
import argparse
import json
import sys
import time

import torch
from transformers import AutoConfig, AutoModelForCausalLM
from transformers.generation import GenerationConfig


def timed(fn):
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    fn()
    torch.cuda.synchronize()
    return time.perf_counter() - t0


def report(row):
    print("PEER " + json.dumps(row), flush=True)


def build(config_path, attn):
    with open(config_path) as f:
        fields = json.load(f)
    model_type = fields.pop("model_type")
    for k in ("architectures", "transformers_version", "torch_dtype", "dtype"):
        fields.pop(k, None)
    cfg = AutoConfig.for_model(model_type, **fields)
    with torch.device("cuda"):
        model = AutoModelForCausalLM.from_config(cfg, dtype=torch.bfloat16, attn_implementation=attn)
    return model.eval(), cfg


def generate_decode(model, cfg, batch, prompt, gen):
    ids = torch.randint(100, cfg.vocab_size - 100, (batch, prompt), device="cuda")
    mask = torch.ones_like(ids)
    kw = dict(do_sample=False, eos_token_id=None, pad_token_id=0)

    def run(n):
        with torch.no_grad():
            model.generate(ids, attention_mask=mask, max_new_tokens=n, min_new_tokens=n, **kw)

    run(2)  # warm-up
    t1 = timed(lambda: run(1))
    tn = timed(lambda: run(gen))
    return batch * (gen - 1) / (tn - t1), t1


def generate_batch(model, cfg, requests, prompt, gen):
    g = torch.Generator().manual_seed(0)
    inputs = [torch.randint(100, cfg.vocab_size - 100, (prompt,), generator=g).tolist() for _ in range(requests)]
    gc = GenerationConfig(max_new_tokens=gen, min_new_tokens=gen, do_sample=False, eos_token_id=None, pad_token_id=0)
    with torch.no_grad():
        model.generate_batch(inputs=inputs[:4], generation_config=gc, progress_bar=False)  # warm-up
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        out = model.generate_batch(inputs=inputs, generation_config=gc, progress_bar=False)
        torch.cuda.synchronize()
        elapsed = time.perf_counter() - t0
    produced = sum(len(getattr(o, "generated_tokens", []) or []) for o in out.values()) or requests * gen
    return produced / elapsed, elapsed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("configs", nargs="+")
    ap.add_argument("--batches", default="1,8,32,64")
    ap.add_argument("--prompt", type=int, default=128)
    ap.add_argument("--gen", type=int, default=64)
    ap.add_argument("--requests", type=int, default=128)
    ap.add_argument("--paged-attn", default="paged|sdpa", help="attention of generate_batch, e.g. paged|eager")
    args = ap.parse_args()
    print(f"torch {torch.__version__}, transformers {__import__('transformers').__version__}, "
          f"{torch.cuda.get_device_name(0)}", flush=True)
    for path in args.configs:
        name = path.rsplit("/", 1)[-1].removesuffix(".json")
        try:
            t0 = time.perf_counter()
            model, cfg = build(path, "eager")
            torch.cuda.synchronize()
            print(f"{name}: built in {time.perf_counter() - t0:.1f} s, "
                  f"{sum(p.numel() for p in model.parameters()) / 1e9:.2f} B params", flush=True)
            for b in [int(x) for x in args.batches.split(",") if x]:
                try:
                    tps, prefill_s = generate_decode(model, cfg, b, args.prompt, args.gen)
                    report(dict(model=name, peer="hf-generate-eager", batch=b, decode_tok_s=round(tps, 1),
                                prefill_s=round(prefill_s, 4)))
                except Exception as e:  # keep measuring the other batch sizes
                    report(dict(model=name, peer="hf-generate-eager", batch=b, error=repr(e)[:300]))
            try:
                model.set_attn_implementation(args.paged_attn)
                tps, elapsed = generate_batch(model, cfg, args.requests, args.prompt, args.gen)
                report(dict(model=name, peer="hf-generate_batch", requests=args.requests, prompt=args.prompt,
                            gen=args.gen, output_tok_s=round(tps, 1), seconds=round(elapsed, 2)))
            except Exception as e:
                report(dict(model=name, peer="hf-generate_batch", error=repr(e)[:300]))
            del model
            torch.cuda.empty_cache()
        except Exception as e:
            report(dict(model=name, error=repr(e)[:300]))
    sys.stdout.flush()


if __name__ == "__main__":
    main()

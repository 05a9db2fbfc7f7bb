#!/usr/bin/env python3
"""Peer measurements for docs/performance.md: Hugging Face transformers on the same GPU, same shapes, same run.

  python3 hf_peers.py CONFIG.json [CONFIG.json ...] [--batches 1,8,32,64] [--prompt 128] [--gen 64]

For each config (a Hugging Face config.json; random bf16 weights built on the GPU, nothing downloaded):
  * `generate` (eager attention, greedy): decode tokens/s per batch size, measured as
    B * (gen - 1) / (t(gen) - t(1)) so that the prefill is not counted as decode;
  * `generate_batch` (continuous batching, paged attention): output tokens/s for R requests of
    `prompt` tokens + `gen` new tokens;
  * with --gen-range MIN..MAX, the continuous-batching manager (`init_continuous_batching`) with each request's own
    output length drawn uniformly from MIN..MAX (seeded), the same workload as the engine's `bench --output-len`.
    --requests takes a list (e.g. 128,512).
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


def build(config_path, attn, layers=0):
    """Random bf16 weights of CONFIG on the GPU; `layers` > 0 keeps only that many layers (full per-layer shapes)."""
    with open(config_path) as f:
        fields = json.load(f)
    model_type = fields.pop("model_type")
    for k in ("architectures", "transformers_version", "torch_dtype", "dtype"):
        fields.pop(k, None)
    if layers:
        fields["num_hidden_layers"] = layers
        if isinstance(fields.get("mlp_only_layers"), list):
            fields["mlp_only_layers"] = [l for l in fields["mlp_only_layers"] if l < layers]
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


def continuous_varlen(model, cfg, requests, prompt, lo, hi):
    """Requests with their own max_new_tokens through transformers' continuous-batching manager."""
    g = torch.Generator().manual_seed(1)
    inputs = [torch.randint(100, cfg.vocab_size - 100, (prompt,), generator=g).tolist() for _ in range(requests)]
    lengths = torch.randint(lo, hi + 1, (requests,), generator=g).tolist()
    gc = GenerationConfig(max_new_tokens=hi, do_sample=False, eos_token_id=None, pad_token_id=0)
    manager = model.init_continuous_batching(generation_config=gc)
    manager.start()
    try:
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        for i, (ids, n) in enumerate(zip(inputs, lengths)):
            manager.add_request(ids, request_id=f"r{i}", max_new_tokens=n)
        produced, done = 0, 0
        while done < requests:
            result = manager.get_result(timeout=600)
            if result is None:
                raise RuntimeError(f"no result after {done} of {requests} requests")
            if getattr(result, "is_finished", lambda: True)():
                produced += len(getattr(result, "generated_tokens", []) or [])
                done += 1
        torch.cuda.synchronize()
        elapsed = time.perf_counter() - t0
    finally:
        manager.stop(block=True)
    return produced / elapsed, elapsed, produced


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("configs", nargs="+")
    ap.add_argument("--batches", default="1,8,32,64")
    ap.add_argument("--prompt", type=int, default=128)
    ap.add_argument("--gen", type=int, default=64)
    ap.add_argument("--requests", default="128", help="continuous-batching request counts, e.g. 128,512")
    ap.add_argument("--gen-range", default="", help="MIN..MAX: per-request output lengths for the manager run")
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
            model.set_attn_implementation(args.paged_attn)
            for requests in [int(x) for x in args.requests.split(",") if x]:
                try:
                    tps, elapsed = generate_batch(model, cfg, requests, args.prompt, args.gen)
                    report(dict(model=name, peer="hf-generate_batch", requests=requests, prompt=args.prompt,
                                gen=str(args.gen), output_tok_s=round(tps, 1), seconds=round(elapsed, 2)))
                except Exception as e:
                    report(dict(model=name, peer="hf-generate_batch", requests=requests, gen=str(args.gen),
                                error=repr(e)[:300]))
                if args.gen_range:
                    lo, hi = (int(x) for x in args.gen_range.split(".."))
                    try:
                        tps, elapsed, produced = continuous_varlen(model, cfg, requests, args.prompt, lo, hi)
                        report(dict(model=name, peer="hf-generate_batch", requests=requests, prompt=args.prompt,
                                    gen=args.gen_range, output_tok_s=round(tps, 1), seconds=round(elapsed, 2),
                                    tokens=produced))
                    except Exception as e:
                        report(dict(model=name, peer="hf-generate_batch", requests=requests, gen=args.gen_range,
                                    error=repr(e)[:300]))
            del model
            torch.cuda.empty_cache()
        except Exception as e:
            report(dict(model=name, error=repr(e)[:300]))
    sys.stdout.flush()


if __name__ == "__main__":
    main()

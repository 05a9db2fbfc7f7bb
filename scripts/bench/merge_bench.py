#!/usr/bin/env python3
"""Merges the parts of one GPU benchmark run into ONE markdown table per model.

  python3 merge_bench.py RESULTS_DIR [--out FILE]

Reads what gpu-bench.sh wrote to RESULTS_DIR: bench-<model>.json (the engine's `bench` JSON), peers-<model>.log
(hf_peers.py's "PEER {json}" lines), check-<model>.json (the engine's `check-logits` JSON), tests.txt (the JUnit
console tree) and device.txt; writes the markdown to --out (default RESULTS_DIR/bench-table.md) and prints it.
Missing parts show as "not run".
"""
import argparse
import glob
import json
import os
import re


def load_json(path):
    try:
        with open(path) as f:
            lines = [l for l in f.read().splitlines() if l.strip().startswith("{")]
        return json.loads(lines[-1]) if lines else None
    except (OSError, ValueError):
        return None


def peers(path):
    rows = []
    try:
        with open(path) as f:
            for line in f:
                if line.startswith("PEER "):
                    rows.append(json.loads(line[5:]))
    except OSError:
        pass
    return rows


def fmt(x, digits=1):
    if x is None:
        return ""
    if isinstance(x, str):
        return x
    return f"{x:,.{digits}f}"


def model_section(name, bench, peer_rows, check):
    out = [f"### {name}", ""]
    if bench is None:
        out.append("Engine benchmark: not run.")
    else:
        load = bench.get("load", {})
        gpu = bench.get("gpuMemory") or {}
        out.append(f"Backend `{bench.get('backend')}` on {gpu.get('device', 'unknown device')}; load "
                   f"{fmt(load.get('weightBytes', 0) / 1e9)} GB in {fmt(load.get('seconds'))} s "
                   f"({fmt(load.get('gigabytesPerSecond'), 2)} GB/s, dummy weights generated on the GPU); KV pool "
                   f"{fmt(gpu.get('kvCacheBytes', 0) / 1e9)} GB; roofline bandwidth "
                   f"{fmt(bench.get('bandwidth', 0) / 1e12, 2)} TB/s.")
        out.append("")
    eager = {r["batch"]: r.get("decode_tok_s") for r in peer_rows if r.get("peer") == "hf-generate-eager"
             and "batch" in r}
    results = (bench or {}).get("results", [])
    roofs = {r["batch"]: r for r in (bench or {}).get("decodeRoofline", [])}
    if results or eager:
        out += ["| batch | decode tok/s (ours) | ITL p50 ms | expected experts / layer | roofline tok/s | % of roofline "
                "| HF `generate` eager tok/s | ours / HF |", "|---:|---:|---:|---:|---:|---:|---:|---:|"]
        batches = sorted(set(r["batch"] for r in results) | set(eager))
        by_batch = {r["batch"]: r for r in results}
        for b in batches:
            r, roof, hf = by_batch.get(b, {}), roofs.get(b, {}), eager.get(b)
            ours = r.get("decodeTokensPerSecond")
            ratio = f"{ours / hf:.1f}x" if ours and hf else ""
            out.append(f"| {b} | {fmt(ours)} | {fmt(r.get('itlP50Ms'), 2)} | {fmt(roof.get('expectedExpertsPerLayer'))} "
                       f"| {fmt(roof.get('rooflineTokensPerSecond'), 0)} | {fmt(roof.get('percentOfRoofline'))} "
                       f"| {fmt(hf)} | {ratio} |")
        out.append("")
    prefill = (bench or {}).get("prefill")
    if prefill:
        out.append(f"Prefill, {prefill['promptLength']}-token prompt alone (median of 3): "
                   f"{fmt(prefill['tokensPerSecond'], 0)} tok/s, {fmt(prefill['teraflopsPerSecond'])} TFLOP/s "
                   f"({fmt(prefill['percentOfPeak'])}% of {fmt(bench.get('peakFlops', 0) / 1e12, 0)} TFLOP/s).")
        out.append("")
    serving = (bench or {}).get("serving", [])
    batch_peers = [r for r in peer_rows if r.get("peer") == "hf-generate_batch"]
    if serving or batch_peers:
        out += ["| requests x (prompt + output) | output tok/s (ours) | TTFT p50 / p90 / p99 ms | ITL p50 / p90 / p99 ms "
                "| HF `generate_batch` tok/s | ours / HF |", "|---|---:|---:|---:|---:|---:|"]
        keys = [(s["requests"], str(s["outputLengths"])) for s in serving]
        keys += [(p.get("requests"), str(p.get("gen"))) for p in batch_peers
                 if (p.get("requests"), str(p.get("gen"))) not in keys]
        for requests, lengths in keys:
            s = next((x for x in serving if x["requests"] == requests and str(x["outputLengths"]) == lengths), {})
            p = next((x for x in batch_peers if x.get("requests") == requests and str(x.get("gen")) == lengths), {})
            ours, hf = s.get("outputTokensPerSecond"), p.get("output_tok_s")
            prompt = s.get("promptLength", p.get("prompt", ""))
            ttft = " / ".join(fmt(s.get(k), 0) for k in ("ttftP50Ms", "ttftP90Ms", "ttftP99Ms")) if s else ""
            itl = " / ".join(fmt(s.get(k), 2) for k in ("itlP50Ms", "itlP90Ms", "itlP99Ms")) if s else ""
            hf_cell = fmt(hf) if hf else ("error: " + p["error"][:80] if "error" in p else "")
            ratio = f"{ours / hf:.1f}x" if ours and hf else ""
            out.append(f"| {requests} x ({prompt} + {lengths}) | {fmt(ours)} | {ttft} | {itl} | {hf_cell} | {ratio} |")
        out.append("")
    if check:
        out.append(f"Correctness at full shape ({check.get('layers', '?')} layers, random bf16 weights, "
                   f"{check['positions']} positions, CUDA vs transformers bf16): top-1 agreement "
                   f"{100 * check['top1Agreement']:.1f}% ({100 * check.get('decisiveTop1Agreement', 0):.1f}% of the "
                   f"{check.get('decisivePositions', '?')} positions whose reference top-2 margin exceeds 4% of the "
                   f"largest logit), relative error mean {check['meanRelativeError']:.4f}, "
                   f"max {check['maxRelativeError']:.4f}.")
        fp32, base = check.get("fp32"), check.get("baseline")
        if fp32 and base:
            out.append(f"Against transformers fp32 on the same weights: CUDA top-1 agreement "
                       f"{100 * fp32['top1Agreement']:.1f}% (relative error mean {fp32['meanRelativeError']:.4f}); "
                       f"transformers' own bf16 forward agrees with its fp32 forward on "
                       f"{100 * base['top1Agreement']:.1f}% (relative error mean {base['meanRelativeError']:.4f}), "
                       f"the floor any bf16 implementation is read against.")
    else:
        out.append("Correctness at full shape: not run.")
    out.append("")
    return out


def tests_summary(path):
    try:
        text = open(path).read()
    except OSError:
        return "GPU tests: not run."
    counts = {k: int(v) for v, k in re.findall(r"\[\s*(\d+) tests (successful|failed|skipped|aborted)\s*\]", text)}
    return (f"GPU tests (JUnit tag `gpu`): {counts.get('successful', 0)} passed, {counts.get('failed', 0)} failed, "
            f"{counts.get('skipped', 0)} skipped, {counts.get('aborted', 0)} aborted.")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--out")
    args = ap.parse_args()
    d = args.results
    names = set()
    for pattern in ("bench-*.json", "peers-*.log", "check-*.json"):
        for p in glob.glob(os.path.join(d, pattern)):
            if not p.endswith(".meta.json"):
                names.add(re.sub(r"^(bench|peers|check)-", "", os.path.basename(p)).rsplit(".", 1)[0])
    lines = ["## GPU benchmark", ""]
    try:
        lines += ["Device: " + " ".join(open(os.path.join(d, "device.txt")).read().split("\n")[1:]).strip(), ""]
    except OSError:
        pass
    lines += [tests_summary(os.path.join(d, "tests.txt")), ""]
    for name in sorted(names):
        ref = load_json(os.path.join(d, f"check-{name}.json"))
        meta = load_json(os.path.join(d, f"check-{name}.meta.json"))
        if ref and meta:
            ref["layers"] = meta.get("layers")
        if ref:
            ref["fp32"] = load_json(os.path.join(d, f"fp32check-{name}.json"))
            ref["baseline"] = load_json(os.path.join(d, f"baseline-{name}.json"))
        lines += model_section(name, load_json(os.path.join(d, f"bench-{name}.json")),
                               peers(os.path.join(d, f"peers-{name}.log")), ref)
    text = "\n".join(lines)
    with open(args.out or os.path.join(d, "bench-table.md"), "w") as f:
        f.write(text + "\n")
    print(text)


if __name__ == "__main__":
    main()

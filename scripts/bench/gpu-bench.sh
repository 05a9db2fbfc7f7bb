#!/usr/bin/env bash
# The GPU benchmark and GPU tests in parts that each fit one device call (<= 600 s), on the GPU host (no JDK, no
# network), from a folder made by stage-gpu-bench.sh on a development machine:
#   bash gpu-bench.sh --part PART [--part PART ...]
# Parts:
#   tests         every JUnit test tagged gpu (CUDA golden logits vs transformers and CPU, kernels, the engine's
#                 scheduler invariants on CUDA)                                  -> tests.txt
#   kernels       the kernel GPU tests only (KERNEL_TESTS, default MoeKernels, MoeRouting, PrefillAttention,
#                 ExpertMma, L2Prefetch GpuTests) and the decode attention microbenchmark at ATTENTION_SHAPES (SEQSxLEN,...;
#                 none skips it)                                                 -> kernels.txt, attention.txt
#   olmoe, qwen3  the engine's `bench` on dummy weights of configs/<model>.json: decode at BATCHES with the memory
#                 roofline, prefill of PREFILL_LEN tokens, continuous batching of REQUESTS x (128 + OUTPUT_LEN)
#                                                                                -> bench-<model>.json / .txt
#   decode-olmoe, decode-qwen3   decode only at BATCHES (default 1,64) with the JVM options in JVM_OPTS (A/B runs of
#                 the moe.cuda.* switches)                                      -> decode-<model>[-TAG].txt
#   ab-olmoe, ab-qwen3   decode-* once per switch set of VARIANTS (default: base all pfattn pfdown fused early
#                 base2; see variant_options), each with -Dmoe.cuda.graphTiming=true, and a summary per variant:
#                 tok/s and the graph's device time per step (A/B of the batch-1 switches in one call)
#                                                                                -> decode-<model>-<variant>.txt
#   profile-olmoe, profile-qwen3   CudaBenchmark with -Dmoe.cuda.profile=true: eager steps, device time per operation
#                 for the prefill of B x PROMPT_LEN tokens and for decode at PROFILE_BATCHES (32,128)
#                                                                                -> profile-<model>.txt
#   peers-olmoe, peers-qwen3   hf_peers.py: `generate` eager at PEER_BATCHES, `generate_batch` for the same
#                 continuous-batching workloads                                  -> peers-<model>.log
#   deepseek      the engine's `bench` at the DeepSeek-V2-Lite shape: decode at DS_BATCHES (1,32,128) with the roofline,
#                 prefill of PREFILL_LEN tokens, the latent KV cache's bytes per token and 4k-token capacity
#                                                                                -> bench-deepseek-v2-lite.json / .txt
#   peers-deepseek  hf_peers.py `generate` eager at DS_PEER_BATCHES (1,32) -> peers-deepseek-v2-lite.log
#   check-deepseek  hf_logits.py + check-logits at the DeepSeek-V2-Lite shape          -> check-deepseek-v2-lite.json
#   check-olmoe, check-qwen3   hf_logits.py writes a random bf16 checkpoint (CHECK_DIR, default /tmp) and
#                 transformers' logits; the engine's `check-logits` compares on CUDA -> check-<model>.json
#   merge         merge_bench.py: ONE markdown table of every part found in $OUT -> bench-table.md
#   quick         validation of the scripts: tests, a small olmoe bench (REQUESTS=32), check-olmoe, merge
# Results go to $OUT (default ./gpu-results); parts of earlier calls are read back by merge from the same folder,
# so copy earlier results into $OUT before `--part merge` when $OUT starts empty. Environment: BATCHES
# (1,8,32,64,128,256), REQUESTS (128,512), OUTPUT_LEN (64..512,64), PREFILL_LEN (2048), PROMPT_LEN (128), GEN_LEN
# (64), JVM_OPTS (extra JVM options, e.g. -Dmoe.cuda.pdl=false), TAG (suffix of decode-* files), WARMUP_TOKENS
# (256: the unmeasured request that JIT-compiles the host code), PEER_BATCHES (1,8,16,32,64), MAX_BATCH_TOKENS
# (4096), PART_TIMEOUT seconds per part (560),
# CHECK_LAYERS_QWEN3 (24 on an 80 GB GPU: transformers holds the model twice while writing the checkpoint; 0 = all 48
# on a 141 GB H200), BANDWIDTH (3.0e12 on H100, 4.3e12 on H200). Exit status: non-zero when a part failed.
set -uo pipefail
stage=$(cd "$(dirname "$0")" && pwd)
out=${OUT:-$PWD/gpu-results}
mkdir -p "$out"
parts=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --part) parts+=("$2"); shift 2 ;;
    *) echo "usage: gpu-bench.sh --part tests|kernels|olmoe|qwen3|decode-olmoe|decode-qwen3|ab-olmoe|ab-qwen3|profile-olmoe|profile-qwen3|deepseek|peers-olmoe|peers-qwen3|peers-deepseek|check-olmoe|check-qwen3|check-deepseek|merge|quick" >&2
       exit 2 ;;
  esac
done
[[ ${#parts[@]} -gt 0 ]] || { echo "give at least one --part" >&2; exit 2; }

nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used --format=csv > "$out/device.txt" 2>&1
gpu=$(sed -n 2p "$out/device.txt")
echo "device: $gpu"
case $gpu in *H200*) default_bw=4.3e12; big_gpu=true ;; *) default_bw=3.0e12; big_gpu=false ;; esac
bandwidth=${BANDWIDTH:-$default_bw}

jre=${JRE_DIR:-/tmp/moe-jre-bench}
if [[ ! -x $jre/bin/java ]]; then
  mkdir -p "$jre" && tar xzf "$stage/jre.tgz" -C "$jre" --strip-components=1 || exit 1
fi
java=$jre/bin/java
cp=$stage/platform-inference.jar:$stage/test-classes:$(ls "$stage"/lib/*.jar | tr '\n' ':')
jvm=(--enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector -Xss4m -Xmx64g ${JVM_OPTS:-})
cli=io.moeplatform.inference.cli.EngineCli
limit=${PART_TIMEOUT:-560}
failed=0

config_of() {
  case $1 in
    olmoe) echo "$stage/configs/olmoe-1b-7b.json" ;;
    qwen3) echo "$stage/configs/qwen3-30b-a3b.json" ;;
    deepseek) echo "$stage/configs/deepseek-v2-lite.json" ;;
  esac
}
name_of() { basename "$(config_of "$1")" .json; }

run_tests() {
  timeout "$limit" "$java" "${jvm[@]}" -jar "$stage"/junit-platform-console-standalone-*.jar execute --disable-banner \
    --details=tree --class-path "$cp" --include-tag gpu --select-package io.moeplatform.inference.cuda \
    --select-class io.moeplatform.inference.engine.CudaEngineGpuTests 2>&1 | tee "$out/tests.txt"
  return "${PIPESTATUS[0]}"
}

run_kernels() { # the kernel tests (KERNEL_TESTS), then decode attention per kernel at ATTENTION_SHAPES (none: skip)
  local sel=() c
  for c in ${KERNEL_TESTS:-MoeKernelsGpuTests MoeRoutingGpuTests PrefillAttentionGpuTests ExpertMmaGpuTests L2PrefetchGpuTests}; do
    sel+=(--select-class "io.moeplatform.inference.cuda.$c")
  done
  timeout "$limit" "$java" "${jvm[@]}" -jar "$stage"/junit-platform-console-standalone-*.jar execute --disable-banner \
    --details=tree --class-path "$cp" --include-tag gpu "${sel[@]}" 2>&1 | tee "$out/kernels.txt"
  local rc=${PIPESTATUS[0]}
  [[ ${ATTENTION_SHAPES:-} == none ]] && return "$rc"
  timeout "$limit" "$java" "${jvm[@]}" -Dmicro.attention="${ATTENTION_SHAPES:-128x144,256x200,64x2048,8x8192,1x450}" \
    -cp "$cp" io.moeplatform.inference.cuda.CudaMicroBenchmark 2>&1 | tee "$out/attention.txt"
  return "$rc"
}

run_bench() { # olmoe|qwen3 [extra bench options]
  local model=$1; shift
  local name; name=$(name_of "$model")
  timeout "$limit" "$java" "${jvm[@]}" -cp "$cp" $cli bench --dummy "$(config_of "$model")" --tokenizer none \
    --device cuda --batch "${BATCHES:-1,8,32,64,128,256}" --prompt-len "${PROMPT_LEN:-128}" --gen-len "${GEN_LEN:-64}" \
    --prefill-len "${PREFILL_LEN:-2048}" --requests "${REQUESTS:-128,512}" --output-len "${OUTPUT_LEN:-64..512,64}" \
    --max-batch-tokens "${MAX_BATCH_TOKENS:-4096}" --bandwidth "$bandwidth" \
    --warmup-tokens "${WARMUP_TOKENS:-256}" "$@" 2>&1 | tee "$out/bench-$name.txt"
  local rc=${PIPESTATUS[0]}
  grep '^{' "$out/bench-$name.txt" | tail -1 > "$out/bench-$name.json"
  return "$rc"
}

run_decode() { # olmoe|qwen3 [JVM options]: decode only at BATCHES (default 1,64), for A/B runs of switches given in
  # JVM_OPTS or as further arguments
  local model=$1 name; name=$(name_of "$1"); shift
  local file=$out/decode-$name${TAG:+-$TAG}.txt
  timeout "$limit" "$java" "${jvm[@]}" "$@" -cp "$cp" $cli bench --dummy "$(config_of "$model")" --tokenizer none \
    --device cuda --batch "${BATCHES:-1,64}" --prompt-len "${PROMPT_LEN:-128}" --gen-len "${GEN_LEN:-64}" \
    --max-batch-tokens "${MAX_BATCH_TOKENS:-4096}" --bandwidth "$bandwidth" \
    --warmup-tokens "${WARMUP_TOKENS:-256}" 2>&1 | tee "$file"
  return "${PIPESTATUS[0]}"
}

# The moe.cuda.* switch sets of the ab-* parts. Written in session 8 and not yet run on a GPU: the L2 prefetch of
# the weights after latency-bound kernels, the gate/up + down fused launch, OLMoE's whole-row q/k norms fused with
# the RoPE (rownorm: no effect on per-head models such as Qwen3), and the batch-1 attention and down kernels that
# load before their grid wait.
variant_options() {
  local early="-Dmoe.cuda.attentionEarlyKv=true -Dmoe.cuda.decodePartitionTokens=32 -Dmoe.cuda.downEarlyWeights=true"
  case $1 in
    base|base2) echo "" ;;
    pfattn) echo "-Dmoe.cuda.prefetch=attention" ;;
    pfdown) echo "-Dmoe.cuda.prefetch=attention,down" ;;
    fused) echo "-Dmoe.cuda.fusedExperts=true" ;;
    rownorm) echo "-Dmoe.cuda.rowNormRope=true" ;;
    early) echo "$early" ;;
    all) echo "-Dmoe.cuda.prefetch=attention,down -Dmoe.cuda.fusedExperts=true -Dmoe.cuda.rowNormRope=true $early" ;;
    *) echo "unknown variant $1" >&2; return 1 ;;
  esac
}

run_ab() { # olmoe|qwen3: run_decode per variant of VARIANTS, then one summary line pair per variant
  local model=$1 name v opts rc=0; name=$(name_of "$1")
  for v in ${VARIANTS:-base all pfattn pfdown fused early base2}; do
    opts=$(variant_options "$v") || { rc=1; continue; }
    # shellcheck disable=SC2086 # the options are separate words
    TAG=$v BATCHES=${BATCHES:-1} run_decode "$model" -Dmoe.cuda.graphTiming=true $opts > /dev/null 2>&1 || rc=1
  done
  for v in ${VARIANTS:-base all pfattn pfdown fused early base2}; do
    local f=$out/decode-$name-$v.txt
    echo "-- $name $v: $(grep -A3 'decode tok/s' "$f" 2>/dev/null | tail -n +2 | grep -v 'graph timing' | tr -s ' ' | paste -sd';')"
    grep -h "graph timing" "$f" 2>/dev/null | tail -1 | cut -c1-200
    grep -h -m2 -i -E "exception|error" "$f" 2>/dev/null
  done
  return "$rc"
}

run_profile() { # olmoe|qwen3: where an eager step's device time goes, per operation (prefill and decode)
  local model=$1 name; name=$(name_of "$1")
  timeout "$limit" "$java" "${jvm[@]}" -Dmoe.cuda.profile=true -Dbench.batches="${PROFILE_BATCHES:-32,128}" \
    -Dbench.prompt="${PROMPT_LEN:-128}" -Dbench.steps=4 -Dbench.bandwidth="$bandwidth" -cp "$cp" \
    io.moeplatform.inference.cuda.CudaBenchmark "$(config_of "$model")" 2>&1 | tee "$out/profile-$name${TAG:+-$TAG}.txt"
  return "${PIPESTATUS[0]}"
}

run_bench_deepseek() { # decode and prefill only (the issue's table); no continuous-batching workload
  local name; name=$(name_of deepseek)
  timeout "$limit" "$java" "${jvm[@]}" -cp "$cp" $cli bench --dummy "$(config_of deepseek)" --tokenizer none \
    --device cuda --batch "${DS_BATCHES:-1,32,128}" --prompt-len "${PROMPT_LEN:-128}" --gen-len "${GEN_LEN:-64}" \
    --prefill-len "${PREFILL_LEN:-2048}" --max-batch-tokens "${MAX_BATCH_TOKENS:-4096}" --bandwidth "$bandwidth" \
    --warmup-tokens "${WARMUP_TOKENS:-256}" \
    2>&1 | tee "$out/bench-$name.txt"
  local rc=${PIPESTATUS[0]}
  grep '^{' "$out/bench-$name.txt" | tail -1 > "$out/bench-$name.json"
  return "$rc"
}

run_peers() { # olmoe|qwen3
  local name; name=$(name_of "$1")
  local lo_hi=${OUTPUT_LEN:-64..512,64}
  local batches=${PEER_BATCHES:-1,8,16,32,64} requests=${REQUESTS:-128,512}
  [[ $1 == deepseek ]] && { batches=${DS_PEER_BATCHES:-1,32}; requests=; }
  timeout "$limit" python3 "$stage/hf_peers.py" "$(config_of "$1")" --batches "$batches" \
    --prompt "${PROMPT_LEN:-128}" --gen 64 --requests "$requests" --gen-range "${lo_hi%%,*}" 2>&1 \
    | tee "$out/peers-$name.log"
  return "${PIPESTATUS[0]}"
}

run_check() { # olmoe|qwen3
  local model=$1 name; name=$(name_of "$model")
  local layers=0 verify=(--verify-reload)
  [[ $model == qwen3 || $model == deepseek ]] && verify=()  # no room for a second copy of the model
  [[ $model == qwen3 && $big_gpu == false ]] && layers=${CHECK_LAYERS_QWEN3:-24}
  local dir=${CHECK_DIR:-/tmp}/moe-check-$name
  rm -rf "$dir"
  timeout "$limit" python3 "$stage/hf_logits.py" "$(config_of "$model")" --out "$dir" --layers "$layers" "${verify[@]}" 2>&1 \
    | tee "$out/check-$name.txt" || { rm -rf "$dir"; return 1; }
  cp "$dir/ref/reference.json" "$out/check-$name.meta.json.tmp" 2>/dev/null \
    && python3 -c "import json,sys; d=json.load(open(sys.argv[1])); json.dump({'layers': d['layers'], 'config': d['config']}, open(sys.argv[2],'w'))" \
       "$out/check-$name.meta.json.tmp" "$out/check-$name.meta.json"; rm -f "$out/check-$name.meta.json.tmp"
  timeout "$limit" "$java" "${jvm[@]}" -cp "$cp" $cli check-logits --model "$dir/model" --reference "$dir/ref" \
    --device cuda > "$out/check-$name.json" 2>> "$out/check-$name.txt"
  local rc=$?
  if [[ -f $dir/ref-fp32/logits.f32 ]]; then  # the same check against transformers in fp32, and its own bf16 baseline
    cp "$dir/ref-fp32/bf16-vs-fp32.json" "$out/baseline-$name.json"
    timeout "$limit" "$java" "${jvm[@]}" -cp "$cp" $cli check-logits --model "$dir/model" \
      --reference "$dir/ref-fp32" --device cuda --min-agreement 0 > "$out/fp32check-$name.json" \
      2>> "$out/check-$name.txt"
  fi
  cat "$out/check-$name.json"; tail -3 "$out/check-$name.txt"
  rm -rf "$dir"
  return "$rc"
}

for part in "${parts[@]}"; do
  echo "== part $part ($(date -u +%H:%M:%S))"
  case $part in
    tests) run_tests || failed=1 ;;
    kernels) run_kernels || failed=1 ;;
    olmoe|qwen3) run_bench "$part" || failed=1 ;;
    decode-olmoe|decode-qwen3) run_decode "${part#decode-}" || failed=1 ;;
    ab-olmoe|ab-qwen3) run_ab "${part#ab-}" || failed=1 ;;
    profile-olmoe|profile-qwen3) run_profile "${part#profile-}" || failed=1 ;;
    deepseek) run_bench_deepseek || failed=1 ;;
    peers-olmoe|peers-qwen3|peers-deepseek) run_peers "${part#peers-}" || failed=1 ;;
    check-olmoe|check-qwen3|check-deepseek) run_check "${part#check-}" || failed=1 ;;
    merge) python3 "$stage/merge_bench.py" "$out" || failed=1 ;;
    quick)
      run_tests || failed=1
      BATCHES=${BATCHES:-1,8,32} REQUESTS=${REQUESTS:-32} OUTPUT_LEN=${OUTPUT_LEN:-64..128,64} \
        PREFILL_LEN=${PREFILL_LEN:-2048} run_bench olmoe || failed=1
      run_check olmoe || failed=1
      python3 "$stage/merge_bench.py" "$out" || failed=1 ;;
    *) echo "unknown part $part" >&2; failed=1 ;;
  esac
done
exit "$failed"

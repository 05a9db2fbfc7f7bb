#!/usr/bin/env bash
# Stages what gpu-bench.sh needs on the GPU host (no JDK, no network) into one folder, default .gpu/bench of the
# repository (keep it under the 64 MiB device transfer limit). Run from the repository root after
#   ./mvnw -q -B -ntp -pl platform-inference -am test-compile     (builds the kernel fatbin where nvcc exists)
#   scripts/bench/stage-gpu-bench.sh [STAGE_DIR]
# On top of scripts/gpu/stage-backend.sh (runtime, engine jar, test classes, JUnit launcher, configs) it adds the jars
# the engine loop needs (Micrometer, SLF4J), the benchmark scripts, and the golden-checkpoint script that
# hf_logits.py borrows the hub layout from. The engine benchmark runs on token ids (`bench --tokenizer none`), so no
# tokenizer or template jars travel.
set -euo pipefail
root=$(git rev-parse --show-toplevel)
stage=${1:-$root/.gpu/bench}
EXTRA_LIBS='micrometer-(core|commons|observation)-|HdrHistogram-|LatencyUtils-|slf4j-api-' \
  "$root/scripts/gpu/stage-backend.sh" "$stage" >/dev/null
# the real tokenizers and chat templates are for the CPU-side text tests, which do not run there
rm -rf "$stage/test-classes/tokenizers" "$stage/test-classes/golden/templates"

cp "$root"/scripts/bench/{gpu-bench.sh,hf_peers.py,hf_logits.py,merge_bench.py} "$stage/"
cp "$root/scripts/golden/make_goldens.py" "$stage/"
du -sh "$stage"

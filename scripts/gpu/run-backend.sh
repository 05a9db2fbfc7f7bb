#!/usr/bin/env bash
# On the GPU host: the CUDA backend's GPU tests (golden checkpoints vs transformers and vs the CPU backend,
# chunked-prefill and batching invariance), then the full-scale decode benchmark for each config in configs/.
#   run-backend.sh [STAGE_DIR]    (default: this script's folder; made by stage-backend.sh)
# Results go to $OUT (default ./gpu-results): device.txt, tests.txt, bench-<config>.txt.
# BENCH_TIMEOUT (seconds per config, default 200) bounds each benchmark; SKIP_BENCH=true runs the tests only;
# TEST_OPTS adds JVM options to the test run (e.g. -Dmoe.cuda.expertGemmRows=1 to run every expert through cuBLAS). Exit status: the tests'.
set -uo pipefail
stage=$(cd "${1:-$(dirname "$0")}" && pwd)
out=${OUT:-$PWD/gpu-results}
mkdir -p "$out"
nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used --format=csv > "$out/device.txt" 2>&1
cat "$out/device.txt"

jre=${JRE_DIR:-/tmp/moe-jre-h8}
if [[ ! -x $jre/bin/java ]]; then
  mkdir -p "$jre" && tar xzf "$stage/jre.tgz" -C "$jre" --strip-components=1 || exit 1
fi
java=$jre/bin/java
cp=$stage/platform-inference.jar:$stage/test-classes:$(ls "$stage"/lib/*.jar | tr '\n' ':')
jvm=(--enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector -Xss4m)
pkg=io.moeplatform.inference.cuda

"$java" "${jvm[@]}" ${TEST_OPTS:-} -jar "$stage"/junit-platform-console-standalone-*.jar execute --disable-banner \
  --details=tree --class-path "$cp" --include-tag gpu --select-class $pkg.CudaGoldenModelGpuTests \
  ${EXTRA_TEST_ARGS:-} 2>&1 | tee "$out/tests.txt"
tests_rc=${PIPESTATUS[0]}

[[ ${SKIP_BENCH:-false} == true ]] && { echo "tests exit status: $tests_rc"; exit "$tests_rc"; }
for config in "$stage"/configs/*.json; do
  name=$(basename "$config" .json)
  timeout "${BENCH_TIMEOUT:-200}" "$java" "${jvm[@]}" -Xmx48g ${BENCH_OPTS:-} -cp "$cp" $pkg.CudaBenchmark "$config" 2>&1 \
    | tee "$out/bench-$name.txt"
done
echo "tests exit status: $tests_rc"
exit "$tests_rc"

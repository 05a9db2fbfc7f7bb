#!/usr/bin/env bash
# Runs the CUDA backend's GPU tests (JUnit tag "gpu") and its micro-benchmark on a GPU host that has the NVIDIA driver
# and CUDA 13 libraries but no JDK and no network. Everything it needs comes in one staging folder, made on a
# development machine by stage-gpu-tests.sh:
#   jre-engine.tgz                          a jlink'd Java 25 runtime (/work/shared/gpu/make-jre.sh)
#   platform-inference.jar                  main classes with the kernel fatbin
#   platform-inference-cuda-tests.jar       the io.moeplatform.inference.cuda test classes
#   junit-platform-console-standalone-*.jar the JUnit console launcher
# Usage: run-gpu-tests.sh [STAGE_DIR]   (default: this script's folder). Results go to $OUT (default ./gpu-results):
#   device.txt (nvidia-smi), tests.txt (JUnit tree), bench.txt (benchmark numbers).
# Exit status: the tests' (the benchmark runs either way).
set -uo pipefail
stage=$(cd "${1:-$(dirname "$0")}" && pwd)
out=${OUT:-$PWD/gpu-results}
mkdir -p "$out"

nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,power.limit --format=csv > "$out/device.txt" 2>&1
cat "$out/device.txt"

jre=${JRE_DIR:-/tmp/moe-jre}
if [[ ! -x $jre/bin/java ]]; then
  mkdir -p "$jre" && tar xzf "$stage/jre-engine.tgz" -C "$jre" --strip-components=1 || exit 1
fi
java=$jre/bin/java
"$java" -version 2>&1 | head -1

launcher=$(ls "$stage"/junit-platform-console-standalone-*.jar | head -1)
cp=$stage/platform-inference.jar:$stage/platform-inference-cuda-tests.jar
jvm=(--enable-native-access=ALL-UNNAMED -Xss4m)
pkg=io.moeplatform.inference.cuda

"$java" "${jvm[@]}" -jar "$launcher" execute --disable-banner --details=tree --class-path "$cp" \
  --include-tag gpu --select-class $pkg.CudaDriverGpuTests --select-class $pkg.MoeKernelsGpuTests \
  --select-class $pkg.CublasGemmGpuTests 2>&1 | tee "$out/tests.txt"
tests_rc=${PIPESTATUS[0]}

timeout 300 "$java" "${jvm[@]}" -cp "$cp" $pkg.CudaMicroBenchmark 2>&1 | tee "$out/bench.txt"
echo "tests exit status: $tests_rc"
exit "$tests_rc"

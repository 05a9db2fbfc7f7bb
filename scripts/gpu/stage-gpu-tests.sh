#!/usr/bin/env bash
# Stages what run-gpu-tests.sh needs on the GPU host into one folder (default .gpu/h6 of the repository; keep it under
# the device transfer limit, about 30 MB here). Run from the repository root after building platform-inference:
#   ./mvnw -q -B -ntp -pl platform-inference test-compile && scripts/gpu/stage-gpu-tests.sh [STAGE_DIR]
# MAKE_JRE points at the runtime builder (default /work/shared/gpu/make-jre.sh); JUNIT_CONSOLE_VERSION picks the
# JUnit console launcher fetched through Maven (default 6.0.3, the JUnit that Spring Boot 4.1 manages).
set -euo pipefail
root=$(git rev-parse --show-toplevel)
stage=${1:-$root/.gpu/h6}
module=$root/platform-inference
mkdir -p "$stage"
[[ -f $module/target/classes/io/moeplatform/inference/cuda/moe-kernels.fatbin ]] \
  || echo "warning: no kernel fatbin in target/classes (built without nvcc?); the GPU tests will report it" >&2

jar=${JAVA25_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/jar
"$jar" --create --file "$stage/platform-inference.jar" -C "$module/target/classes" .
"$jar" --create --file "$stage/platform-inference-cuda-tests.jar" \
  -C "$module/target/test-classes" io/moeplatform/inference/cuda

version=${JUNIT_CONSOLE_VERSION:-6.0.3}
if ! ls "$stage"/junit-platform-console-standalone-*.jar >/dev/null 2>&1; then
  (cd "$root" && ./mvnw -q -B -ntp dependency:copy \
    -Dartifact=org.junit.platform:junit-platform-console-standalone:$version -DoutputDirectory="$stage")
fi
[[ -f $stage/jre-engine.tgz ]] || bash "${MAKE_JRE:-/work/shared/gpu/make-jre.sh}" "$stage" engine
cp "$root/scripts/gpu/run-gpu-tests.sh" "$stage/"
du -sh "$stage"

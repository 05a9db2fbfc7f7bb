#!/usr/bin/env bash
# Stages what run-backend.sh needs on the GPU host (no JDK, no network) into one folder, default .gpu/h8 of the
# repository; keep it under the device transfer limit. Run from the repository root after
#   ./mvnw -q -B -ntp -pl platform-inference test-compile
#   scripts/gpu/stage-backend.sh [STAGE_DIR]
# Contents: a jlink'd Java 25 runtime (engine modules plus java.sql/java.xml for Jackson, jdk.jfr for flight
# recordings of the host side), the main classes with the
# kernel fatbin, all platform-inference test classes and resources as a folder (golden checkpoints), the few dependency jars the
# engine and the tests load, the JUnit console launcher, the benchmark configs and run-backend.sh.
set -euo pipefail
root=$(git rev-parse --show-toplevel)
stage=${1:-$root/.gpu/h8}
module=$root/platform-inference
jdk=${JAVA25_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
mkdir -p "$stage/lib"
[[ -f $module/target/classes/io/moeplatform/inference/cuda/moe-kernels.fatbin ]] \
  || { echo "no kernel fatbin in target/classes: build platform-inference where nvcc is installed" >&2; exit 1; }

"$jdk/bin/jar" --create --file "$stage/platform-inference.jar" -C "$module/target/classes" .
# test classes as a folder: the golden checkpoints must be real directories for the model loader
rm -rf "$stage/test-classes" && cp -r "$module/target/test-classes" "$stage/test-classes"

cp_file=$(mktemp)
(cd "$root" && ./mvnw -q -B -ntp -pl platform-inference dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$cp_file" >/dev/null)
# EXTRA_LIBS: more jar name prefixes to stage, as an extended regular expression (e.g. 'micrometer-core-|slf4j-api-')
tr ':' '\n' < "$cp_file" \
  | grep -E "/(jackson-(core|databind)-3|jackson-annotations-|jspecify-|assertj-core-|byte-buddy-[0-9]${EXTRA_LIBS:+|$EXTRA_LIBS})" \
  | xargs -I{} cp {} "$stage/lib/"
rm -f "$cp_file"

version=${JUNIT_CONSOLE_VERSION:-6.0.3}
if ! ls "$stage"/junit-platform-console-standalone-*.jar >/dev/null 2>&1; then
  (cd "$root" && ./mvnw -q -B -ntp dependency:copy \
    -Dartifact=org.junit.platform:junit-platform-console-standalone:$version -DoutputDirectory="$stage")
fi
if [[ ! -f $stage/jre.tgz ]]; then
  tmp=$(mktemp -d)
  "$jdk/bin/jlink" --add-modules java.base,java.logging,jdk.unsupported,jdk.incubator.vector,java.management,java.sql,java.xml,jdk.jfr \
    --strip-debug --no-man-pages --no-header-files --compress=zip-9 --output "$tmp/jre"
  tar czf "$stage/jre.tgz" -C "$tmp" jre
  rm -rf "$tmp"
fi
mkdir -p "$stage/configs"
cp "$root"/scripts/gpu/configs/*.json "$stage/configs/"
cp "$root/scripts/gpu/run-backend.sh" "$stage/"
du -sh "$stage"

#!/usr/bin/env bash
# Compiles every *.cu file here into ONE fatbin for the CUDA backend, loaded at run time with cuModuleLoadData.
#   compile-kernels.sh SOURCE_DIR OUTPUT_DIR
# Writes OUTPUT_DIR/moe-kernels.fatbin (sm_80, sm_89, sm_90a machine code + compute_90 PTX for newer GPUs) and
# OUTPUT_DIR/moe-kernels.status, one line: "compiled ..." or the reason why not. A machine without nvcc still
# builds: the status then says so and the backend reports "kernels were not compiled: <reason>".
# A kernel that does not compile fails the build. NVCC=/path/to/nvcc overrides the search (PATH, then
# NVCC_CANDIDATES, by default the usual install paths); MOE_SKIP_NVCC=true skips compilation on purpose.
set -euo pipefail
src=${1:?usage: compile-kernels.sh SOURCE_DIR OUTPUT_DIR}
out=${2:?usage: compile-kernels.sh SOURCE_DIR OUTPUT_DIR}
mkdir -p "$out"
fatbin=$out/moe-kernels.fatbin
status=$out/moe-kernels.status

skip() {
  rm -f "$fatbin"
  echo "$1" > "$status"
  echo "[cuda] kernels not compiled: $1"
  exit 0
}

[[ ${MOE_SKIP_NVCC:-false} == true ]] && skip "nvcc was skipped at build time (MOE_SKIP_NVCC=true)"
nvcc=${NVCC:-}
if [[ -z $nvcc ]]; then
  for c in "$(command -v nvcc || true)" ${NVCC_CANDIDATES-/usr/local/cuda/bin/nvcc /usr/local/bin/nvcc}; do
    [[ -n $c && -x $c ]] && { nvcc=$c; break; }
  done
fi
[[ -n $nvcc && -x $nvcc ]] || skip "nvcc was not found at build time (set NVCC or put nvcc on PATH)"

# Rebuild only when a source is newer than the fatbin: nvcc for four targets takes a while on a small machine.
if [[ -f $fatbin ]] && grep -q '^compiled' "$status" 2>/dev/null \
   && [[ -z $(find "$src" -newer "$fatbin" \( -name '*.cu' -o -name '*.cuh' -o -name '*.sh' \)) ]]; then
  echo "[cuda] kernels up to date: $fatbin"
  exit 0
fi

# One translation unit that includes every kernel file, so the fatbin is a single module.
unit=$out/moe-kernels-all.cu
: > "$unit"
for f in "$src"/*.cu; do echo "#include \"$(cd "$(dirname "$f")" && pwd)/$(basename "$f")\"" >> "$unit"; done
echo "[cuda] compiling $(ls "$src"/*.cu | wc -l) kernel files with $nvcc"
"$nvcc" -fatbin -O3 -std=c++17 -lineinfo -I"$src" \
  -gencode arch=compute_80,code=sm_80 \
  -gencode arch=compute_89,code=sm_89 \
  -gencode arch=compute_90a,code=sm_90a \
  -gencode arch=compute_90,code=compute_90 \
  -o "$fatbin.tmp" "$unit" || { rm -f "$fatbin.tmp" "$fatbin"; echo "nvcc failed at build time" > "$status"; exit 1; }
mv "$fatbin.tmp" "$fatbin"
rm -f "$unit"
echo "compiled by nvcc $("$nvcc" --version | grep -o 'release [0-9.]*') for sm_80 sm_89 sm_90a compute_90" > "$status"
echo "[cuda] wrote $fatbin ($(stat -c %s "$fatbin") bytes)"

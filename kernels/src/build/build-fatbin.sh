#!/usr/bin/env bash
# Compiles the shared kernels (CUDA dialect) into OUT_DIR/cells.fatbin: SASS for sm_80 and sm_90, PTX for
# compute_75 so that newer GPUs JIT it. Run by the kernels module's build (exec-maven-plugin, generate-resources).
# Without nvcc the build goes on without the fatbin, and the cuda backend's probe says the kernels are missing.
#   build-fatbin.sh OUT_DIR SOURCE_DIR
set -euo pipefail
out="$1"
src="$2"
nvcc="${RNN4J_NVCC:-$(command -v nvcc || true)}"
if [ -z "$nvcc" ] && [ -x /usr/local/cuda/bin/nvcc ]; then
  nvcc=/usr/local/cuda/bin/nvcc
fi
mkdir -p "$out"
if [ -z "$nvcc" ]; then
  echo "rnn4j-kernels: nvcc not found (set RNN4J_NVCC or put it on PATH); building without cells.fatbin," \
       "so the cuda backend will report its kernels missing"
  rm -f "$out/cells.fatbin"
  exit 0
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# The body is the files sources.list names, in its order (as KernelSource.body() reads them).
{
  cat "$src/prelude_cuda.h"
  grep -v -e '^#' -e '^[[:space:]]*$' "$src/sources.list" | while read -r f; do cat "$src/$f"; echo; done
} > "$tmp/cells.cu"
"$nvcc" -fatbin -Werror all-warnings \
  -gencode arch=compute_80,code=sm_80 \
  -gencode arch=compute_90,code=sm_90 \
  -gencode arch=compute_75,code=compute_75 \
  -o "$out/cells.fatbin" "$tmp/cells.cu"
echo "rnn4j-kernels: built cells.fatbin with $("$nvcc" --version | tail -1)"

#!/usr/bin/env bash
# Runs on the GPU machine from the repository root, with .gpu/ (bench/gpu/prepare.sh) carried along: the CUDA and
# OpenCL conformance suites (the CUDA one with cuBLAS and with the tiled GEMM), rnn4j info, DeepBench rows
# against PyTorch/cuDNN in one run, and compute-sanitizer over a short CUDA run. Results go to $OUT (or ./gpu-out).
set -uo pipefail
out="${OUT:-gpu-out}"
mkdir -p "$out"
java=.gpu/jre/bin/java
export LD_PRELOAD="$PWD/.gpu/jre/lib/libjsig.so"
opts=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC)
cp=".gpu/lib/rnn4j.jar:$(ls .gpu/lib/rnn4j-conformance-*.jar):.gpu/lib/cuda-backend-tests.jar:.gpu/lib/opencl-backend-tests.jar"
# suite NAME SECONDS --select-class ...: JUnit's console launcher over the classes, within SECONDS.
suite() { timeout "$2" "$java" "${opts[@]}" -jar .gpu/lib/junit-platform-console-standalone-*.jar execute -cp "$cp" \
  --details=summary --disable-banner --reports-dir "$out/junit-$1" "${@:3}"; }

# The device lends one command at most 10 minutes: every part has its own limit (the most telling first), so a hang
# costs that part only and what finished is kept. Budget: 20 (find) + 20 + 134 + 60 + 80 + 120 + 116 + 40 s (the persistent
# form, whose barrier between blocks has never run, gets its own part: a hang there costs only its 60 s).
{ nvidia-smi; nvidia-smi -q | head -40; } > "$out/nvidia-smi.txt" 2>&1
# cuBLAS for the CUDA backend's JNA path (JCublas 12 needs libcublas.so.12, which CUDA 13 lacks): where the dynamic
# linker does not know libcublas.so.13 (a pip wheel's copy, say), put its directory on LD_LIBRARY_PATH.
cublas=$(ldconfig -p 2>/dev/null | grep -o '/[^ ]*libcublas.so.13$' | head -1)
if [ -z "$cublas" ]; then
  # Never the cuBLAS stand-in that cuda-backend's tests build beside their emulated libcuda.so.1 (target/emulated-cuda):
  # its directory on LD_LIBRARY_PATH would put the emulated driver in front of the real one.
  cublas=$(timeout 20 find / -xdev -name 'libcublas.so.13' -not -path '*emulated-cuda*' 2>/dev/null | head -1)
  [ -n "$cublas" ] && export LD_LIBRARY_PATH="$(dirname "$cublas")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
echo "libcublas.so.13: ${cublas:-not found}; LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}" > "$out/cublas.txt"
timeout 20 "$java" "${opts[@]}" -cp "$cp" dev.rnn4j.bench.Rnn4jCommand info > "$out/info.txt" 2>&1
suite cuda 134 --select-class dev.rnn4j.cuda.CudaConformanceTest \
  --select-class dev.rnn4j.cuda.TiledGemmCudaConformanceTest --select-class dev.rnn4j.cuda.CudaProbeTest \
  --select-class dev.rnn4j.cuda.CudaTransfersTest --select-class dev.rnn4j.cuda.StagedTransfersTest \
  > "$out/cuda-suite.txt" 2>&1
suite cuda-persistent 60 --select-class dev.rnn4j.cuda.PersistentStepCudaConformanceTest \
  > "$out/cuda-persistent-suite.txt" 2>&1
suite opencl 80 --select-class dev.rnn4j.opencl.OpenClConformanceTest \
  --select-class dev.rnn4j.opencl.PersistentStepOpenClConformanceTest --select-class dev.rnn4j.opencl.PersistentStepTest \
  --select-class dev.rnn4j.opencl.TiledGemmOpenClConformanceTest > "$out/opencl-suite.txt" 2>&1
# One command for rnn4j's rows and PyTorch's (cuDNN), so the ratio comes from one run on one device: DeepBench rows
# of the CUDA backend's targets against cuDNN (training; inference at batch <= 4), a few of each cell and size.
deep=train:RNN_RELU:1760:1760:64:50,train:RNN_RELU:2560:2560:128:50,train:LSTM:1024:1024:64:25,train:LSTM:2048:2048:32:25,train:LSTM:256:256:32:150,train:GRU:1536:1536:32:375,infer:LSTM:512:512:1:25,infer:LSTM:1024:1024:4:25,infer:LSTM:256:256:2:150,infer:LSTM:1536:1536:4:50
{ timeout 30 python3 ../shared/tools/torch_rnn_bench.py --device cuda --rows "$deep"
  for backend in cuda opencl; do
    timeout 45 "$java" "${opts[@]}" -cp "$cp" dev.rnn4j.bench.Rnn4jCommand bench --backend $backend \
      --rows "$deep" --verify --no-progress --warmup-ms 500 --json "$out/bench-deep-$backend.json"
  done; } > "$out/bench-deep.txt" 2>&1
# The small-batch step forms (unfused GEMM + cell, fused recurrent_forward, persistent recurrent_sequence; fused with
# CUDA graphs) beside cuDNN, in one run; the persistent form keeps W_hh on chip where it fits (GRU 1536 just does
# on 132 SMs).
small=infer:LSTM:256:256:1:100,infer:LSTM:512:512:4:100,infer:LSTM:1024:1024:1:100,infer:GRU:512:512:2:100,infer:RNN_TANH:1024:1024:1:100,infer:GRU:1536:1536:1:375,infer:LSTM:1024:1024:4:375,train:LSTM:512:512:8:50
{ timeout 20 python3 ../shared/tools/torch_rnn_bench.py --device cuda --rows "$small"
  for form in cuda:unfused cuda:fused cuda:persistent opencl:fused opencl:persistent cuda:fused:graphs; do
    graphs=false; [ "${form##*:}" = graphs ] && graphs=true && form=${form%:graphs}
    echo "# ${form%%:*}, -Drnn4j.kernels.stepForm=${form#*:} -Drnn4j.cuda.graphs=$graphs"
    timeout 16 "$java" "${opts[@]}" -Drnn4j.kernels.stepForm=${form#*:} -Drnn4j.cuda.graphs=$graphs -cp "$cp" \
      dev.rnn4j.bench.Rnn4jCommand bench --backend ${form%%:*} --rows "$small" --verify --no-progress --warmup-ms 300
  done; } > "$out/step-forms.txt" 2>&1
if command -v compute-sanitizer >/dev/null; then
  timeout 40 compute-sanitizer --tool memcheck --leak-check full "$java" "${opts[@]}" -cp "$cp" \
    dev.rnn4j.bench.Rnn4jCommand demo --backend cuda --cell lstm --hidden 32 --input 16 --steps 5 --batch 3 \
    > "$out/memcheck.txt" 2>&1
fi
tail -n 5 "$out"/*.txt

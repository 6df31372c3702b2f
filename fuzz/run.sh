#!/usr/bin/env bash
# A long fuzzing run of one target through Jazzer's own command line (libFuzzer's flags after the target):
#   fuzz/run.sh TARGET [RUNS] [more libFuzzer flags]
# TARGET: model-file, onnx-model, checkpoint, run-inputs, npz or bench-arguments; RUNS defaults to 1000000.
# The corpus grows in fuzz/target/corpus/TARGET (kept between runs); a finding is written to fuzz/target/findings/TARGET/
# and the run stops with a non-zero status: move the file into the target's Inputs directory under src/test/resources,
# where `mvn verify` replays it from then on, and fix what it shows.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
target=${1:?usage: fuzz/run.sh TARGET [RUNS] [libFuzzer flags]}
runs=${2:-1000000}
shift $(( $# < 2 ? $# : 2 ))
case "$target" in
  model-file) class=dev.rnn4j.fuzz.ModelFileFuzzTest; inputs=dev/rnn4j/fuzz/ModelFileFuzzTestInputs/modelFile ;;
  onnx-model) class=dev.rnn4j.fuzz.OnnxModelFuzzTest; inputs=dev/rnn4j/fuzz/OnnxModelFuzzTestInputs/onnxModel ;;
  checkpoint) class=dev.rnn4j.fuzz.CheckpointFuzzTest; inputs=dev/rnn4j/fuzz/CheckpointFuzzTestInputs/checkpoint ;;
  run-inputs) class=dev.rnn4j.fuzz.RunInputsFuzzTest; inputs=dev/rnn4j/fuzz/RunInputsFuzzTestInputs/runInputs ;;
  npz) class=dev.rnn4j.fuzz.NpzFuzzTest; inputs=dev/rnn4j/fuzz/NpzFuzzTestInputs/npz ;;
  bench-arguments) class=dev.rnn4j.bench.BenchArgumentsFuzzTest
    inputs=dev/rnn4j/bench/BenchArgumentsFuzzTestInputs/benchArguments ;;
  *) echo "fuzz/run.sh: unknown target '$target' (model-file, onnx-model, checkpoint, run-inputs, npz, bench-arguments)" >&2
     exit 2 ;;
esac
cd "$here"
if [ ! -f target/test-classpath.txt ] || [ ! -d target/test-classes ]; then
  # The modules it tests must be installed first: mvn -B -q -DskipTests install (from the project root).
  mvn -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
fi
corpus=target/corpus/$target
findings=target/findings/$target
mkdir -p "$corpus" "$findings"
# A 1 GiB heap: an input of a few kilobytes that needs more is a finding (OutOfMemoryError), not a slow run.
# DocumentedOutcome holds each input to 1 s once the JVM is warm; libFuzzer's -timeout catches a hang, and is longer
# because the first inputs also load and instrument the readers.
exec java -Xmx1g -cp "target/test-classes:$(cat target/test-classpath.txt)" com.code_intelligence.jazzer.Jazzer \
  --target_class="$class\$LongRun" --instrumentation_includes='dev.rnn4j.**' --reproducer_path="$findings" \
  -runs="$runs" -timeout=10 -artifact_prefix="$findings/" -print_final_stats=1 "$@" \
  "$corpus" "src/test/resources/$inputs"

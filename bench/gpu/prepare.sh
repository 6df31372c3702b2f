#!/usr/bin/env bash
# Packs what a GPU machine (no Java, no Maven, no network; 64 MiB carried) needs to run rnn4j's CUDA and OpenCL
# suites and benchmarks, into .gpu/ at the repository root (kept out of git): a jlink'd JRE, rnn4j.jar without
# the natives other platforms need, the conformance and backend test classes, and JUnit's console launcher.
# Then, on the device machine: bash bench/gpu/checks.sh (writes its results under $OUT).
#   bench/gpu/prepare.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
grep -qx '/.gpu/' .git/info/exclude 2>/dev/null || echo '/.gpu/' >> .git/info/exclude
mvn -B -q -DskipTests package  # -DskipTests still compiles the test classes
rm -rf .gpu
mkdir -p .gpu/lib
java_home=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
"$java_home/bin/jlink" --add-modules java.base,java.logging,java.management,java.naming,java.xml,jdk.unsupported,jdk.incubator.vector \
  --strip-debug --strip-native-debug-symbols=objcopy=/usr/bin/objcopy --no-man-pages --no-header-files \
  --compress=2 --output .gpu/jre
cp bench/target/rnn4j.jar .gpu/lib/rnn4j.jar
# Natives for other systems and JCuda's PTX compiler (unused: the kernels come as a fatbin) only cost room.
zip -q -d .gpu/lib/rnn4j.jar 'lib/apple/*' 'lib/windows/*' '*.dll' '*.dylib' '*arm64*' '*ppc64*' \
  'lib/libJNvPTXCompiler*' 'lib/libJNvrtc*' 'lib/libJCufft*' 'lib/libJCurand*' 'lib/libJCusparse*' \
  'lib/libJCusolver*' 'lib/libJNvJitLink*' 'com/sun/jna/aix*' 'com/sun/jna/sunos*' 'com/sun/jna/*bsd*' \
  'com/sun/jna/darwin*' 'com/sun/jna/win32*' 'com/sun/jna/linux-[!x]*' 'com/sun/jna/linux-x86/*' >/dev/null || true
cp conformance/target/rnn4j-conformance-*.jar .gpu/lib/
for m in cuda-backend opencl-backend; do
  (cd "$m/target/test-classes" && "$java_home/bin/jar" cf "$root/.gpu/lib/$m-tests.jar" .)
done
mvn -B -q dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:1.14.1 \
  -DoutputDirectory="$root/.gpu/lib"
cp bench/gpu/checks.sh .gpu/
du -sh .gpu/jre .gpu/lib; du -sh .gpu

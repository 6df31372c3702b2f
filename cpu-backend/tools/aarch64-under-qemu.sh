#!/usr/bin/env bash
# Runs CPU-backend tests on an arm64 JVM under qemu-user, once on NEON (128-bit vectors) and once on SVE at a chosen
# vector length, and says what each JVM had (os.arch, preferred species, FMA, SVE level, the backend's kernels).
# Not part of `mvn -B verify`: emulation makes the suite 7-25 times slower. From the project root, after
#   mvn -B -q -DskipTests install
# run
#   cpu-backend/tools/aarch64-under-qemu.sh [TESTS] [SVE_BYTES]
# TESTS is surefire's -Dtest pattern (default CpuConformanceTest); SVE_BYTES the SVE vector length in bytes (default
# 64: 512 bits). On Debian, the emulator and the JDK come from qemu-user and openjdk-17-jdk-headless:arm64
# (`dpkg --add-architecture arm64`); the script installs them when it runs as root and they are missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
tests=${1:-CpuConformanceTest}
sve_bytes=${2:-64}
arm_jdk=${ARM64_JDK:-/usr/lib/jvm/java-17-openjdk-arm64}

if ! command -v qemu-aarch64 >/dev/null || [ ! -x "$arm_jdk/bin/java" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "aarch64-under-qemu: needs qemu-aarch64 and an arm64 JDK at $arm_jdk (Debian: dpkg --add-architecture arm64;" \
      "apt-get install qemu-user openjdk-17-jdk-headless:arm64), or run as root to install them" >&2
    exit 2
  fi
  dpkg --add-architecture arm64
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user openjdk-17-jdk-headless:arm64 >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Surefire wants a path ending in bin/java; each wrapper starts the arm64 JVM on one emulated CPU.
wrapper() {
  mkdir -p "$work/$1/bin"
  printf '#!/bin/sh\nexec qemu-aarch64 -cpu %s -L / %s/bin/java "$@"\n' "$2" "$arm_jdk" > "$work/$1/bin/java"
  chmod +x "$work/$1/bin/java"
}
wrapper neon "max,sve=off"
wrapper sve "max,sve-default-vector-length=$sve_bytes"

status=0
for isa in neon sve; do
  java_bin="$work/$isa/bin/java"
  echo "== $isa: $("$java_bin" -XX:+PrintFlagsFinal -version 2>/dev/null | awk '$2 ~ /^(UseSVE|UseFMA|MaxVectorSize)$/ {printf "%s=%s ", $2, $4}')"
  JAVA="$java_bin" ./rnn4j info 2>/dev/null | grep -E "^rnn4j |^cpu " || true
  rm -rf cpu-backend/target/surefire-reports
  # The avx2-tests profile's executions pass x86-only JVM flags.
  if ! mvn -B -o surefire:test@default-test -pl cpu-backend -Djvm="$java_bin" -Dtest="$tests" \
      -Dsurefire.failIfNoSpecifiedTests=false -P '!avx2-tests' | grep -E "Tests run:|FAIL|ERROR"; then
    status=1
  fi
  echo "ran on: $(grep -ho 'name="os.arch" value="[^"]*"' cpu-backend/target/surefire-reports/TEST-*.xml | sort -u)"
done
exit $status

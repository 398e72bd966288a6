#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/CMakeLists.txt, clang with ASan
# and UBSan) into BUILD_DIR and runs each for SECONDS on a copy of its seed
# corpus (tests/fuzz/corpus/TARGET), after replaying every input that once
# crashed it (tests/fuzz/regressions/TARGET). Exit 0 when nothing was found,
# 1 with the crashing input's path otherwise, 77 (skipped) without clang.
#   bash tests/fuzz/run_fuzzers.sh BUILD_DIR [SECONDS] [TARGET ...]
# Longer runs: SECONDS=600 (see docs/benchmarks.md, "Fuzzing"). The seed is
# fixed (FUZZ_SEED, default 1) so that a run in CI is repeatable; FUZZ_SEED=0
# draws a new one each run (libFuzzer's own default), for hunting.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:?usage: run_fuzzers.sh BUILD_DIR [SECONDS] [TARGET ...]}"
seconds="${2:-5}"
shift $(( $# < 2 ? $# : 2 ))
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  targets=(meme jaspar homer bed fragments barcodes gtf expression fasta tss_bed sample_sheet messages)
fi
cxx="$(command -v clang++-14 || command -v clang++ || true)"
if [[ -z "$cxx" ]]; then
  echo "skipped: no clang++ (launch/setup.sh installs clang-14 and libclang-rt-14-dev)"
  exit 77
fi
launcher=()
command -v ccache > /dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$here" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" "${launcher[@]}" > "$build.configure.log" 2>&1 \
  || { cat "$build.configure.log"; exit 1; }
cmake --build "$build" > "$build.build.log" 2>&1 || { tail -40 "$build.build.log"; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="print_stacktrace=1"
status=0
for t in "${targets[@]}"; do
  bin="$build/fuzz_$t"
  regressions=("$here/regressions/$t"/*)
  if [[ -e "${regressions[0]}" ]]; then
    if ! "$bin" "${regressions[@]}" > "$work/$t.replay.log" 2>&1; then
      echo "fuzz_$t: a regression input crashes again:"; tail -30 "$work/$t.replay.log"; status=1; continue
    fi
  fi
  cp -r "$here/corpus/$t" "$work/$t"
  if "$bin" -seed="${FUZZ_SEED:-1}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$work/$t-" \
       "$work/$t" > "$work/$t.log" 2>&1; then
    echo "fuzz_$t: $(grep -aE '^#[0-9]+.*DONE' "$work/$t.log" | tail -1)"
  else
    artifact="$(ls "$work/$t"-* 2>/dev/null | head -1 || true)"
    keep="$build/findings"; mkdir -p "$keep"
    [[ -n "$artifact" ]] && cp "$artifact" "$keep/" && artifact="$keep/$(basename "$artifact")"
    echo "fuzz_$t: FOUND a failing input: ${artifact:-(none written)}"
    grep -E "ERROR|SUMMARY|==[0-9]+==|terminate|what\(\)" "$work/$t.log" | head -20
    echo "(add it to tests/fuzz/regressions/$t/ once fixed)"
    status=1
  fi
done
exit $status

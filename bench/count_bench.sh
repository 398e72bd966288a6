#!/usr/bin/env bash
# Fragment-counting benchmark: `getps count` against `bedtools intersect -c`
# (with -sorted and without) on the same files of a `getps simulate --scale
# bench` world (220 k peaks, 51.6 M fragments, BGZF), in one run; the
# counts must be identical.
#   bench/count_bench.sh [BUILD_DIR] [WORLD_DIR]
# (defaults: build/ and BUILD_DIR/bench-world, simulated when missing: about
# 2 minutes and 0.9 GB). Prints one line per command: wall seconds, peak
# memory (the median of 3 runs, each listed), and the ratio to bedtools
# -sorted.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build}
world=${2:-$build/bench-world}
getps=$build/launch/getps
command -v bedtools >/dev/null || { echo "bedtools is missing (launch/setup.sh installs it)" >&2; exit 1; }
if [ ! -f "$world/fragments.tsv.gz" ]; then
  "$getps" simulate --out "$world" --scale bench --seed 1 --quiet
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
frags=$world/fragments.tsv.gz
cut -f1-3 "$world/peaks.bed" >"$tmp/peaks.bed"
cut -f1,2 "$world/genome.fa.fai" >"$tmp/genome.txt"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p') ($(nproc) cores); $(bedtools --version)"
echo "input: $(wc -l <"$tmp/peaks.bed") peaks, $frags ($(du -h "$frags" | cut -f1), BGZF)"

# run REPEAT NAME LOG COMMAND...: times COMMAND REPEAT times (stdout to
# LOG.out, stderr to LOG.err) and records the median seconds: this
# machine's run-to-run spread is 20-40 %, so one run proves little.
declare -A seconds
run() {
  local repeat=$1 name=$2 log=$3
  shift 3
  local all=() kb=0 s k
  for ((i = 0; i < repeat; i++)); do
    /usr/bin/time -f "%e %M" -o "$tmp/time" "$@" >"$log.out" 2>"$log.err" ||
      { cat "$log.err" >&2; exit 1; }
    read -r s k <"$tmp/time"
    all+=("$s")
    ((k > kb)) && kb=$k
  done
  s=$(printf '%s\n' "${all[@]}" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
  seconds[$name]=$s
  printf '%-52s %7.2f s  %6d MB  (runs: %s)\n' "$name" "$s" $((kb / 1024)) "${all[*]}"
}
# The file is in the page cache for every timed run; bedtools unsorted (16
# GB) goes last, since it pushes the file out of the cache.
cat "$frags" >/dev/null
run 3 "bedtools intersect -c -sorted" "$tmp/sorted" \
  bedtools intersect -c -sorted -g "$tmp/genome.txt" -a "$tmp/peaks.bed" -b "$frags"
for threads in 1 2; do
  run 3 "getps count --threads $threads" "$tmp/getps-$threads" \
    "$getps" count --peaks "$tmp/peaks.bed" --fragments "$frags" --threads "$threads" \
    --out "$tmp/getps-$threads.tsv"
done
run 3 "getps count --barcodes (16 cell types) --threads 2" "$tmp/celltypes" \
  "$getps" count --peaks "$tmp/peaks.bed" --fragments "$frags" --barcodes "$world/barcodes.tsv" \
  --threads 2 --quiet --out "$tmp/celltypes.tsv"
run 1 "bedtools intersect -c (unsorted)" "$tmp/unsorted" \
  bedtools intersect -c -a "$tmp/peaks.bed" -b "$frags"

# Identical counts: getps's column against both bedtools runs, peak by peak.
tail -n +2 "$tmp/getps-2.tsv" | cut -f1-4 | sort -k1,1 -k2,2n >"$tmp/a"
for f in sorted unsorted; do
  sort -k1,1 -k2,2n "$tmp/$f.out" >"$tmp/b"
  cmp -s "$tmp/a" "$tmp/b" || { echo "counts differ from bedtools ($f)" >&2; exit 1; }
done
cmp -s <(tail -n +2 "$tmp/getps-1.tsv") <(tail -n +2 "$tmp/getps-2.tsv") ||
  { echo "--threads 1 and 2 differ" >&2; exit 1; }
fragments=$(sed -n 's/.*count: all: .*library size //p' "$tmp/getps-2.err")
overlaps=$(awk '{n += $4} END {print n}' "$tmp/sorted.out")
echo "counts identical to bedtools (both runs): $fragments fragments, $overlaps peak overlaps"
ref=${seconds["bedtools intersect -c -sorted"]}
for name in "getps count --threads 1" "getps count --threads 2" \
  "getps count --barcodes (16 cell types) --threads 2"; do
  awk -v n="$name" -v r="$ref" -v s="${seconds[$name]}" \
    'BEGIN {printf "%s: %.1fx bedtools -sorted\n", n, r / s}'
done

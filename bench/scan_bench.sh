#!/usr/bin/env bash
# Motif-scan benchmark: getps's scanner (every CPU kernel, 1 core) and MOODS
# (the reference, 1 core) on the same sequence and motifs, in one run.
#   bench/scan_bench.sh [BUILD_DIR]   (defaults: build/, the real chr1 500 kb
#   and the 2,179 Vierstra motifs from ../shared/data, p = 1e-4, uniform bg)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build}
data=${GETPS_SHARED_DATA:-$root/../shared/data}
genome=$data/genome/hg38_chr1_1-549900.fa
motifs=$(ls "$data"/motifs/vierstra-v1.0/*.meme | tr '\n' ',')
python=${GETPS_PYENV:-$HOME/.cache/getps/py3.11-torch-2.11.0}/bin/python
echo "machine: $(lscpu | sed -n 's/^Model name: *//p') ($(nproc) cores)"
"$build/bench/scan_bench" "$genome" "$motifs"
moods=$("$python" "$root/bench/moods_scan.py" "$genome" "$motifs")
echo "$moods"

# End to end: the whole `getps scan` command (process start, parsing, the
# thresholds, the scan, the output) on one thread, 3 runs, against MOODS's
# thresholds + scan above (its parsing and Python start not counted).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'chr1\t0\t%s\n' "$(grep -v '>' "$genome" | tr -d '\n' | wc -c)" >"$tmp/whole.bed"
times=()
for _ in 1 2 3; do
  /usr/bin/time -f %e -o "$tmp/t" "$build/launch/getps" scan --genome "$genome" \
    --regions "$tmp/whole.bed" --motifs "$motifs" --threads 1 --background uniform \
    --out "$tmp/matches.tsv" --quiet
  times+=("$(cat "$tmp/t")")
done
median=$(printf '%s\n' "${times[@]}" | sort -g | sed -n 2p)
reference=$(echo "$moods" | sed -E 's/.*thresholds ([0-9.]+) s, scan ([0-9.]+) s.*/\1 \2/')
echo "getps scan, whole command, 1 thread: ${times[*]} s (median $median s), $(($(wc -l <"$tmp/matches.tsv") - 1)) matches"
echo "$median $reference" | awk '{printf "end to end vs MOODS thresholds + scan (%.2f + %.2f s): %.1fx\n", $2, $3, ($2 + $3) / $1}'

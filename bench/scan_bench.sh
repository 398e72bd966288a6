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
"$python" "$root/bench/moods_scan.py" "$genome" "$motifs"

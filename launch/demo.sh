#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to the main job on built-in demo
# data: installs what is missing, builds, then builds a demo feature store
# (synthetic values over generated regions: 8 cell types x 60,000 regions)
# and queries it the ways users do. Output lands in $GETPS_DEMO_DIR
# (default: out/demo in the clone).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
setup_out=$(bash "$root/launch/setup.sh")
GETPS_PYENV=$(printf '%s\n' "$setup_out" | sed -n 's/^GETPS_PYENV=//p')
export GETPS_PYENV
build=$(bash "$root/launch/build.sh" getps | tail -n 1)
getps=$build/launch/getps
out=${GETPS_DEMO_DIR:-$root/out/demo}
mkdir -p "$out"
store=$out/store

step() { printf '\n==> %s\n' "$*"; }

step "getps store synth: a demo feature store"
"$getps" store synth --out "$store" --celltypes 8 --regions 60000 --seed 1 --overwrite
# Queries write to files first: `head` on a live pipe would cut getps off.
step "getps store info"
"$getps" store info --store "$store" >"$out/info.txt"
head -n 20 "$out/info.txt"
step "getps store celltypes"
"$getps" store celltypes --store "$store"
step "getps store window: window 3 of celltype_2 on chr2 (first 5 regions, first 6 columns)"
"$getps" store window --store "$store" --celltype celltype_2 --chrom chr2 --index 3 >"$out/window.tsv"
head -n 6 "$out/window.tsv" | cut -f 1-6
step "getps store gene GENE6009P --celltype celltype_1: the window centred on a gene's TSS"
"$getps" store gene GENE6009P --store "$store" --celltype celltype_1 >"$out/gene.tsv"
grep -E '^#|\*' "$out/gene.tsv" | cut -f 1-5
step "getps store region chr1:1-200000 --celltype celltype_0 (first columns and labels)"
"$getps" store region chr1:1-200000 --store "$store" --celltype celltype_0 >"$out/region.tsv"
head -n 6 "$out/region.tsv" | cut -f 1-4,285-291
step "getps store export: fine-tuning windows (stride 100) of chr21 and chr22"
"$getps" store export --store "$store" --out "$out/export" --chroms chr21,chr22 --stride 100
"$GETPS_PYENV/bin/python" - "$out/export" <<'PY'
import sys, numpy as np
d = sys.argv[1]
f = np.load(f"{d}/features.npy"); e = np.load(f"{d}/expression.npy")
print(f"features.npy {f.shape} {f.dtype}: motif columns in [{f[..., :282].min():.2f}, {f[..., :282].max():.2f}], "
      f"accessibility in [{f[..., 282].min():.2f}, {f[..., 282].max():.2f}]; expression.npy {e.shape}")
PY
step "getps store verify"
"$getps" store verify --store "$store"
printf '\ndemo finished: store %s, export %s\n' "$store" "$out/export"

#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to the main job on built-in demo
# data: installs what is missing, builds, then simulates a regulatory world
# (getps simulate), featurizes it into a feature store (getps featurize:
# motif scan, fragment counting, labels), queries the store the ways users
# do, pretrains GET (masked regions) and runs a leave-one-chromosome-out
# fine-tuning sweep from that checkpoint, ending with the sweep's HTML report
# (about 13 minutes on 2 cores). Output lands in $GETPS_DEMO_DIR (default:
# out/demo in the clone).
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

step "getps simulate: a synthetic world with a known regulatory grammar"
"$getps" simulate --out "$out/world" --scale small --seed 1
step "getps featurize: peaks + genome + motifs + fragments + genes -> feature store"
rm -rf "$store"
"$getps" featurize --config "$out/world/featurize.cfg" --out "$store"
# Queries write to files first: `head` on a live pipe would cut getps off.
step "getps store info"
"$getps" store info --store "$store" >"$out/info.txt"
cat "$out/info.txt"
step "getps store celltypes"
"$getps" store celltypes --store "$store"
step "getps store window: window 3 of celltype_2 on chr2 (first 5 regions, first 7 columns)"
"$getps" store window --store "$store" --celltype celltype_2 --chrom chr2 --index 3 >"$out/window.tsv"
head -n 6 "$out/window.tsv" | cut -f 1-7
step "getps store gene SIMG2 --celltype celltype_1: the window centred on a gene's TSS"
"$getps" store gene SIMG2 --store "$store" --celltype celltype_1 >"$out/gene.tsv"
grep -E '^#|\*' "$out/gene.tsv" | cut -f 1-5
step "getps store region chr1:1-60000 --celltype celltype_0 (first motif columns and the labels)"
"$getps" store region chr1:1-60000 --store "$store" --celltype celltype_0 >"$out/region.tsv"
head -n 6 "$out/region.tsv" | cut -f 1-5,27-
step "getps store export: fine-tuning windows (stride 100) of chr5 and chr6"
"$getps" store export --store "$store" --out "$out/export" --chroms chr5,chr6 --stride 100
"$GETPS_PYENV/bin/python" - "$out/export" <<'PY'
import sys, numpy as np
d = sys.argv[1]
f = np.load(f"{d}/features.npy"); e = np.load(f"{d}/expression.npy")
print(f"features.npy {f.shape} {f.dtype}: motif columns in [{f[..., :-1].min():.2f}, {f[..., :-1].max():.2f}], "
      f"accessibility in [{f[..., -1].min():.2f}, {f[..., -1].max():.2f}]; expression.npy {e.shape}, "
      f"{(e > 0).sum()} labelled TSS entries")
PY
step "getps store verify"
"$getps" store verify --store "$store"
step "getps train --mode pretrain: masked-region pretraining on every chromosome and cell type"
rm -rf "$out/pretrain"
"$getps" train --mode pretrain --store "$store" --run-dir "$out/pretrain" --epochs 30 --patience 30 \
  --batch-size 4 --lr 0.2
step "getps sweep loco: fine-tune from the pretrained model once per held-out chromosome"
rm -rf "$out/loco"
"$getps" sweep loco --store "$store" --run-dir "$out/loco" --init "$out/pretrain" \
  --train "--epochs 30 --patience 8 --batch-size 16 --lr 0.05"
step "getps report: the sweep's plots in one HTML file (written by the sweep; re-made here)"
"$getps" report "$out/loco"
printf '\ndemo finished: store %s, pretraining %s, LOCO table %s\n' "$store" "$out/pretrain" \
  "$out/loco/sweep.md"
printf 'report: %s (open it in a browser; it needs no network)\n' "$out/loco/report.html"

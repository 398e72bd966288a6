#!/usr/bin/env bash
# The one GPU check (issue 16), for a host with one GPU, a CUDA toolkit, a
# Python with the CUDA torch wheel (/opt/torch/.venv on the device tool's
# machines), CMake and ninja, and no registry. Prepare here with
# bench/gpu_prepare.sh (.gpu-carry/: the Debian packages and the data);
# there, from the repository root:
#   OUT=DIR bash bench/gpu_check.sh        (device tool: carry [".gpu-carry"])
# It builds getps against that torch (-DTorch_DIR, GETPS_WERROR off: the
# host's compiler may warn where Debian 12's does not), runs the `gpu`
# tests, and measures, each beside its reference in the same run:
#   1. a one-rank --sync nccl training run end to end, its weights against
#      the one-process run's, and its data wait (the data path); the same
#      for a GPU replica with a shard on the MPI data plane (--sync ps);
#   2. the paper model's training step (B=256, bf16 autocast, fused SDPA and
#      AdamW): samples/s and MFU against the datasheet peak, beside PyTorch
#      in fp32 and in bf16 autocast;
#   3. getps scan --device cuda against the CPU SIMD scanner on the real chr1
#      input (identical output; wall time and peak memory).
# Writes summary.txt, build.log, tests.log and bench.log under $OUT. Every
# step is bounded by what is left of GETPS_GPU_CHECK_SECONDS (default 500,
# inside the device tool's 600 s per command); a step with no time left is
# skipped and says so.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${OUT:?set OUT to the folder for the results}
carry=$root/.gpu-carry
peak=${GETPS_PEAK_TFLOPS:-989}  # H100/H200 SXM dense bf16, the datasheet's
mkdir -p "$out"
summary=$out/summary.txt
say() { echo "$*" | tee -a "$summary"; }
budget=${GETPS_GPU_CHECK_SECONDS:-500}
step() { # step NAME SECONDS LOG COMMAND...: bounded by SECONDS and by what is left
  local name=$1 limit=$2 log=$3
  shift 3
  local left=$((budget - SECONDS))
  if [ "$left" -lt 10 ]; then
    say "[$name] skipped: the time budget is spent"
    return 124
  fi
  [ "$limit" -lt "$left" ] || limit=$left
  local t0=$SECONDS
  echo "== $name: $*" >>"$log"
  timeout "$limit" "$@" >>"$log" 2>&1
  local rc=$?
  say "[$name] rc=$rc in $((SECONDS - t0)) s"
  return $rc
}
# "${measured[@]}" COMMAND...: wall time and peak resident memory of one command
# (python with the host's libraries; the command with the carried ones)
host_ld=${LD_LIBRARY_PATH:-}
measured=(env LD_LIBRARY_PATH="$host_ld" python3 -c 'import os, resource, subprocess, sys, time
os.environ["LD_LIBRARY_PATH"] = os.environ.pop("GETPS_CHILD_LD")
t = time.time(); rc = subprocess.run(sys.argv[1:]).returncode
print(f"{time.time() - t:.2f} s wall, {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss >> 10} MB peak")
sys.exit(rc)')

: >"$summary"
say "gpu_check $(git -C "$root" rev-parse --short HEAD 2>/dev/null) on $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -1), $(nproc) cores"

# The carried Debian packages, and their pkg-config files pointed at them
# (Debian's hdf5.pc is made by a postinst that dpkg -x does not run; the
# status server's cpp-httplib.pc names openssl, whose libssl3 the host
# has, for static links only: a stub satisfies it).
# shellcheck disable=SC1091
. "$carry/deps/env.sh" "$carry/deps"
prefix=/opt/getps-deps/usr
pc=$prefix/lib/x86_64-linux-gnu/pkgconfig
sed -i "s#=/usr\$#=$prefix#; s#=/usr/#=$prefix/#g; s# -I/usr/# -I$prefix/#g; s# -L/usr/# -L$prefix/#g" \
  "$pc"/*.pc "$prefix"/share/pkgconfig/*.pc 2>/dev/null
[ -f "$pc/hdf5.pc" ] || cp "$pc/hdf5-serial.pc" "$pc/hdf5.pc"
[ -f "$pc/openssl.pc" ] || printf 'Name: openssl\nDescription: host libssl (stub)\nVersion: 3.0.0\nLibs: -lssl -lcrypto\nCflags:\n' >"$pc/openssl.pc"
export PKG_CONFIG_PATH=$pc:$prefix/share/pkgconfig
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none
python=$(command -v python3)
measured=(env GETPS_CHILD_LD="$LD_LIBRARY_PATH" "${measured[@]}")
# "${hostpy[@]}" ARGS...: the host's python3 under the host's libraries (the carried
# Debian 12 ones, older than the host's, would shadow them)
hostpy=(env LD_LIBRARY_PATH="$host_ld" "$python")
generator=Ninja
command -v ninja >/dev/null || generator="Unix Makefiles"
say "host: $(g++ --version 2>&1 | head -1); $(cmake --version 2>&1 | head -1); generator $generator; $python $("${hostpy[@]}" -c 'import torch; print(torch.__version__, torch.cuda.is_available())' 2>&1 | tail -1)"
torch_dir=$("${hostpy[@]}" -c 'import torch.utils; print(torch.utils.cmake_prefix_path)')/Torch
build=/tmp/getps-gpu-build
step configure 90 "$out/build.log" cmake -S "$root" -B "$build" -G "$generator" -DCMAKE_BUILD_TYPE=Release \
  -DTorch_DIR="$torch_dir" -DGETPS_WERROR=OFF -DGETPS_PYTHON="$python" \
  -DPKG_CONFIG_EXECUTABLE="$prefix/bin/pkgconf" || { tail -30 "$out/build.log"; exit 1; }
step build 300 "$out/build.log" cmake --build "$build" -j "$(nproc)" \
  --target getps getps_gpu_tests train_bench explain_bench -- -k 0 || { grep -E "^FAILED|error:" "$out/build.log" | head -80; exit 1; }
getps=$build/launch/getps

# The gpu-labelled tests (run directly: their lines unprefixed).
step gpu-tests 90 "$out/tests.log" "$build/tests/getps_gpu_tests"
grep -E "\[ *(OK|FAILED|SKIPPED) *\]|an absent peer" "$out/tests.log" | tee -a "$summary"

# 1. --sync nccl on one rank, end to end, against the one-process run.
bench=$out/bench.log
world=/tmp/gpu-world store=/tmp/gpu-store
rm -rf "$world" "$store" /tmp/run-one /tmp/run-nccl /tmp/run-ps
step simulate 30 "$bench" "$getps" simulate --out "$world" --scale tiny --quiet
step featurize 30 "$bench" "$getps" featurize --config "$world/featurize.cfg" --out "$store" --quiet
common=(--store "$store" --batch-size 8 --epochs 2 --lr 0.05 --leave-out-chromosomes chr4 --drop-path 0
  --device cuda --precision fp32)
step "train one process" 60 "$bench" "$getps" train --run-dir /tmp/run-one "${common[@]}"
step "train --sync nccl" 60 "$bench" mpirun --bind-to none -np 2 "$getps" train --sync nccl \
  --bind tcp://127.0.0.1:0 --run-dir /tmp/run-nccl "${common[@]}"
# A replica on the GPU with a parameter server shard on the MPI data plane:
# the weights come back over MPI into a staging buffer, then to the GPU.
step "train --sync ps --servers 1 --data-plane mpi" 60 "$bench" mpirun --bind-to none -np 3 "$getps" \
  train --sync ps --servers 1 --data-plane mpi --bind tcp://127.0.0.1:0 --run-dir /tmp/run-ps "${common[@]}"
"${hostpy[@]}" - <<'PY' 2>&1 | tee -a "$summary"
import json, math, os, torch
def last(run):
    d = max(x for x in os.listdir(f"{run}/checkpoints") if x.startswith("step-"))
    return torch.load(f"{run}/checkpoints/{d}/model.pt", map_location="cpu")
for name, run in (("--sync nccl", "/tmp/run-nccl"), ("--sync ps --servers 1 --data-plane mpi", "/tmp/run-ps")):
    try:
        a, b = last("/tmp/run-one"), last(run)
        num = sum(float((a[k] - b[k]).double().pow(2).sum()) for k in a)
        den = sum(float(a[k].double().pow(2).sum()) for k in a)
        print(f"{name} vs one process: weights relative difference {math.sqrt(num / den):.2e}")
        for line in open(f"{run}/metrics.jsonl"):
            r = json.loads(line)
            if "throughput" in r:
                print(name, "epoch", r.get("epoch"), "throughput", json.dumps(r["throughput"]))
    except Exception as e:  # a run above failed: its log says why
        print(f"{name} comparison not made: {e}")
PY

# 2. The training step, getps and PyTorch, same GPU, same run.
for precision in bf16 fp32; do
  step "train getps $precision" 60 "$bench" "$build/bench/train_bench" paper 256 10 cuda "$precision" "$peak"
  step "train pytorch $precision" 60 "$bench" "${hostpy[@]}" "$root/bench/train_bench.py" paper 256 10 cuda "$precision"
done
grep -E "samples/s" "$bench" | tee -a "$summary"

# 3. The scan: CUDA against the SIMD scanner on the real chr1 input.
data=$carry/data
genome=$data/genome/hg38_chr1_1-549900.fa
motifs=$(ls "$data"/motifs/vierstra-v1.0/*.meme | tr '\n' ',')
motifs=${motifs%,}
awk '!/^>/ { n += length($0) } END { for (s = 0; s + 1000 <= n; s += 1000) print "chr1\t" s "\t" s + 1000 }' \
  "$genome" >/tmp/chr1_tiles.bed
rm -f /tmp/scan-cpu.tsv /tmp/scan-cuda.tsv
for device in cpu cuda; do
  step "scan $device" 60 "$bench" "${measured[@]}" "$getps" scan --genome "$genome" --regions /tmp/chr1_tiles.bed \
    --motifs "$motifs" --device "$device" --threads "$(nproc)" --out "/tmp/scan-$device.tsv" --quiet
  grep -E "s wall, .* MB peak" "$bench" | tail -1 | sed "s/^/scan $device: /" | tee -a "$summary"
done
if [ -s /tmp/scan-cpu.tsv ] && [ -s /tmp/scan-cuda.tsv ]; then
  if cmp -s /tmp/scan-cpu.tsv /tmp/scan-cuda.tsv; then
    say "scan: cuda output identical to cpu ($(wc -l </tmp/scan-cpu.tsv) lines)"
  else
    say "scan: cuda output DIFFERS from cpu"
  fi
else
  say "scan: not compared (a scan above failed or was skipped)"
fi
# 4. Explaining genes (issue 20): getps and PyTorch, same GPU, same run;
# with one gene of --method ism on the small model.
for size in small paper; do
  ism=0
  [ "$size" = small ] && ism=1
  step "explain getps $size" 60 "$bench" "$build/bench/explain_bench" "$size" 64 5 cuda 0.3 "$ism"
  step "explain pytorch $size" 45 "$bench" "${hostpy[@]}" "$root/bench/explain_bench.py" "$size" 64 5 cuda 0.3
done
grep -E "genes/s|ism" "$bench" | grep -i explain | tee -a "$summary"
say "gpu_check done in $SECONDS s"

"""Step time of `mpirun getps train --sync ps --servers K` for several K:
the real parameter-server path (coordinator or K shard ranks; AdamW applied
there; replicas push and pull over CURVE, or with K >= 1 over MPI
point-to-point, `--data-plane mpi`), not a model of it.

For each K: one epoch of `--model-size paper` (85,486,366 parameters, fp32
on the wire) with R replicas of batch B on STORE; from metrics.jsonl, per
replica: wall, compute and communication seconds per optimizer step (the
engine's step-time breakdown), averaged over the replicas. The reference is K = 0, the coordinator
serving every parameter, measured in the same invocation.
Usage: python bench/servers_bench.py GETPS STORE OUT_DIR [--servers 0,1,2]
       [--planes zmq,mpi] [--replicas 2] [--batch-size 2] [--train-fraction 0.25]
Each K >= 1 runs once per data plane in --planes; K = 0 (the coordinator
takes the pushes) has the ZeroMQ plane only."""
import argparse
import json
import os
import shutil
import subprocess
import time

ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1", OMP_NUM_THREADS="1")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("getps")
    ap.add_argument("store")
    ap.add_argument("out")
    ap.add_argument("--servers", default="0,1,2")
    ap.add_argument("--planes", default="zmq,mpi")
    ap.add_argument("--replicas", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=2)
    ap.add_argument("--train-fraction", type=float, default=0.5)
    args = ap.parse_args()
    mpirun = shutil.which("mpirun")
    print("| --servers | data plane | steps | wall s/step | compute s/step | communication s/step | comm vs first |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    base = None
    runs = [(k, plane) for k in [int(x) for x in args.servers.split(",")]
            for plane in (["zmq"] if k == 0 else args.planes.split(","))]
    for k, plane in runs:
        run_dir = os.path.join(args.out, f"servers-{k}-{plane}")
        shutil.rmtree(run_dir, ignore_errors=True)
        cmd = [mpirun, "--oversubscribe", "--bind-to", "none", "-np", str(1 + k + args.replicas), args.getps,
               "train", "--sync", "ps", "--servers", str(k), *(["--data-plane", plane] if k else []), "--bind", "tcp://127.0.0.1:0", "--timeout", "600",
               "--store", args.store, "--run-dir", run_dir, "--model-size", "paper", "--epochs", "1",
               "--batch-size", str(args.batch_size), "--train-fraction", str(args.train_fraction),
               "--leave-out-chromosomes", "chr4", "--quiet"]
        t0 = time.time()
        p = subprocess.run(cmd, capture_output=True, text=True, env=ENV)
        if p.returncode != 0:
            raise SystemExit(f"--servers {k} --data-plane {plane} failed:\n{p.stderr[-3000:]}")
        with open(os.path.join(run_dir, "metrics.jsonl")) as f:
            record = next(r for r in map(json.loads, f) if r["kind"] == "validation")
        steps = record["step"]
        per = lambda key: sum(t[key] for t in record["throughput"]) / len(record["throughput"]) / steps  # noqa: E731
        comm = per("communication_s")
        base = base if base is not None else comm
        print(f"| {k} | {plane} | {steps} | {per('wall_s'):.2f} | {per('compute_s'):.2f} | {comm:.2f} | "
              f"{comm / base:.2f}× |  (job {time.time() - t0:.0f} s)", flush=True)


if __name__ == "__main__":
    main()

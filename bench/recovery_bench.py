"""Recovery time and work lost of a whole-job restart or of recovery inside
the job, for several --commit-every K.

For each K: `getps launch -- [mpirun -np N] getps train --commit-every K
--status-port 0 ...` is started; once the run is past step kill_at(K) the
training process (or, under mpirun, the coordinator) is SIGKILLed. Measured:
  recovery  = kill -> the restarted job has finished its first step again
              (its status server, from RUN/status.json, reports a step
              beyond the resumed one);
  redone    = steps done before the kill that the restart trains again
              (the step at the kill minus the step it resumed from).
With --ranks N --hang-replica, a replica is SIGSTOPped instead (a hang, not
a crash): the coordinator finds it lost after the heartbeat timeout (10 s by
default). With --ranks N --kill-replica, a replica is SIGKILLed, and mpirun
runs with OpenMPI's recovery settings. In both the run recovers inside the
job (no restart): recovery = the fault -> the coordinator's status server
reports generation 1 and a step beyond the one it rolled back to.
Usage: python bench/recovery_bench.py GETPS STORE OUT_DIR [--ks 1,10,100]
       [--ranks 0|N [--hang-replica|--kill-replica]] [--restart-delay S]
       [--batch-size B] [--epochs E]"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from process_tree import child_pids  # noqa: E402


def scrape(run_dir, old_url=None, generation=0):
    """(url, step) from the run's status server, or (url, None); None also
    while it serves `old_url` or a generation below `generation`."""
    try:
        with open(os.path.join(run_dir, "status.json")) as f:
            url = json.load(f)["url"]
        if url == old_url:
            return url, None
        with urllib.request.urlopen(url + "metrics", timeout=2) as r:
            gauges = {line.split("{")[0]: float(line.rsplit(" ", 1)[1])
                      for line in r.read().decode().splitlines() if line.startswith("getps_")}
        if gauges.get("getps_generation", 0) < generation:
            return url, None
        return url, gauges.get("getps_step")
    except (OSError, ValueError, KeyError):
        return None, None


def one(args, k):
    run_dir = os.path.join(args.out, f"k{k}")
    shutil.rmtree(run_dir, ignore_errors=True)
    kill_at = 2 * k + k // 2 + 1  # mid-way between commits 2 and 3
    train = ["train", "--store", args.store, "--run-dir", run_dir, "--batch-size", str(args.batch_size),
             "--epochs", str(args.epochs), "--lr", "0.05", "--commit-every", str(k), "--status-port", "0", "--quiet"]
    if args.ranks:
        recovery = ["--mca", "orte_enable_recovery", "1", "--mca", "orte_abort_on_non_zero_status", "0"]
        job = [shutil.which("mpirun"), "--oversubscribe", "--bind-to", "none",
               *(recovery if args.kill_replica else []), "-np", str(args.ranks), args.getps,
               *train, "--sync", "ps", "--bind", "tcp://127.0.0.1:0"]
    else:
        job = [args.getps, *train]
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    p = subprocess.Popen([args.getps, "launch", "--max-restarts", "1", "--restart-delay", str(args.restart_delay),
                          "--", *job], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    url, step = None, None
    while step is None or step < kill_at:
        url, step = scrape(run_dir)
        if p.poll() is not None:
            sys.exit(f"K={k}: the run ended before step {kill_at}; use a larger store or smaller batch")
        time.sleep(0.005)
    with open(os.path.join(run_dir, "status.json")) as f:  # the trainer, or mpirun's coordinator
        serving = json.load(f)["pid"]
    in_job = args.hang_replica or args.kill_replica
    if in_job:
        (mpirun,) = child_pids(p.pid)
        hung = next(pid for pid in child_pids(mpirun) if pid != serving)
        os.kill(hung, signal.SIGSTOP if args.hang_replica else signal.SIGKILL)
    else:
        os.kill(serving, signal.SIGKILL)
    killed = time.time()
    resumed_step = None
    while True:
        new_url, new_step = scrape(run_dir, generation=1) if in_job else scrape(run_dir, old_url=url)
        if new_step is not None and resumed_step is None:
            resumed_step = new_step
        if new_step is not None and new_step > resumed_step:
            recovered = time.time()
            break
        if p.poll() is not None:
            sys.exit(f"K={k}: the job ended without resuming")
        time.sleep(0.005)
    p.terminate()
    if args.hang_replica:
        try:
            os.kill(hung, signal.SIGCONT)
        except ProcessLookupError:
            pass
    _, err = p.communicate(timeout=120)
    pattern = r"generation 1 with \d+ replica\(s\), from step (\d+)" if in_job else r"resuming from .*step (\d+)"
    from_step = int(re.search(pattern, err).group(1))
    return {"k": k, "kill_step": step, "resumed_from": from_step, "redone": step - from_step,
            "recovery_s": recovered - killed}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("getps")
    ap.add_argument("store")
    ap.add_argument("out")
    ap.add_argument("--ks", default="1,10,100")
    ap.add_argument("--ranks", type=int, default=0, help="0: one process; N: mpirun -np N --sync ps")
    ap.add_argument("--restart-delay", type=float, default=1.0)
    ap.add_argument("--hang-replica", action="store_true", help="SIGSTOP a replica instead (needs --ranks)")
    ap.add_argument("--kill-replica", action="store_true", help="SIGKILL a replica instead (needs --ranks)")
    ap.add_argument("--batch-size", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=3, help="enough for 2.5 K + 1 steps")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    print("| K | killed at step | resumed from | steps redone | recovery (kill → next step) |")
    print("| --- | --- | --- | --- | --- |")
    for k in map(int, args.ks.split(",")):
        r = one(args, k)
        print(f"| {r['k']} | {r['kill_step']:.0f} | {r['resumed_from']} | {r['redone']:.0f} | "
              f"{r['recovery_s']:.2f} s |", flush=True)


if __name__ == "__main__":
    main()

"""A `--sync ps` step over a rate-limited link against the written model.

  GETPS_BIN=build/launch/getps python bench/rate_limited_bench.py [MBIT ...]

Three network-namespace hosts (tests/netns_hosts.py): the coordinator (the
parameter server) and one replica on host 0, one `getps worker` replica on
host 1 whose link is shaped with tc tbf to MBIT Mb/s both ways (default
1000, 200 and 50). For each rate: 2 epochs of the small model on the tiny
simulated store, batch 2; the last epoch's throughput record gives host 1's
compute and communication seconds and the windows it trained. The written
model (bench/scaling_model.py: 80 % of line rate, no overlap) predicts host
1's communication as the bytes it moves over 80 % of the rate: the fp32
parameters pulled every step, plus the fp32 gradient pushed in each step it
was granted a shard; the share is that over (compute + communication).
Printed: measured and predicted seconds for the epoch and the ratio of the
shares. A benchmark, not a test: nothing here asserts a
duration. Root only."""
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))
from getps_cli import final_weights, GETPS, MPI_ENV, mpirun, records, simulated_store  # noqa: E402
import netns_hosts  # noqa: E402

BATCH = 2
TRAIN = ["--epochs", "2", "--batch-size", str(BATCH), "--lr", "0.05", "--leave-out-chromosomes", "chr4",
         "--drop-path", "0", "--timeout", "120"]


def parameters(run_dir):
    """Values in the run's newest checkpoint: what each step pushes and pulls."""
    return sum(t.numel() for t in final_weights(run_dir).values() if t.is_floating_point())


def one_rate(hosts, store, run_dir, mbit):
    hosts.limit(1, mbit)
    job = subprocess.Popen(hosts.command(0, *mpirun(2), GETPS, "train", "--sync", "ps",
                                         "--external-workers", "1", "--bind", "tcp://eth0:0",
                                         "--store", store, "--run-dir", run_dir, "--quiet", *TRAIN),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=MPI_ENV)
    info = os.path.join(run_dir, "coordinator.json")
    while not os.path.exists(info):
        if job.poll() is not None:
            raise SystemExit(job.stdout.read())
        time.sleep(0.05)
    with open(info) as f:
        endpoint = json.load(f)["endpoint"]
    worker = subprocess.run(hosts.command(1, GETPS, "worker", "--coordinator", endpoint, "--key-file",
                                          os.path.join(run_dir, "run.key"), "--run-dir",
                                          run_dir + "-worker", "--quiet"),
                            capture_output=True, text=True, env=MPI_ENV)
    out, _ = job.communicate()
    if job.returncode or worker.returncode:
        raise SystemExit(out[-3000:] + worker.stderr[-3000:])
    epochs = [r for r in records(run_dir) if r["kind"] == "validation"]
    return epochs[-1], epochs[-1]["step"] - epochs[-2]["step"]


def main():
    rates = [int(a) for a in sys.argv[1:]] or [1000, 200, 50]
    reason = netns_hosts.unavailable()
    if reason:
        raise SystemExit(f"rate_limited_bench: {reason}")
    with tempfile.TemporaryDirectory(prefix="getps-rate-") as tmp:
        store = simulated_store(tmp)
        hosts = netns_hosts.NetnsHosts(2)
        hosts.start()
        try:
            rows = []
            for mbit in rates:
                run_dir = os.path.join(tmp, f"run-{mbit}")
                last, steps = one_rate(hosts, store, run_dir, mbit)  # the last epoch's steps
                remote = next(t for t in last["throughput"] if t["replica"] == 1)
                params = parameters(run_dir)
                # Every step the replica pulls the new parameters; it pushes a
                # gradient only in the steps it was granted a shard (the local
                # replica takes most: shards go to whoever asks).
                pushes = remote["windows"] / BATCH
                tensor = 4 * params  # fp32
                predicted = (steps + pushes) * tensor / (mbit / 8 * 1e6 * 0.8)
                measured = remote["communication_s"]
                compute = remote["compute_s"] + remote["data_wait_s"]
                rows.append((mbit, params, steps, pushes, compute, measured, predicted,
                             measured / remote["wall_s"], predicted / (predicted + compute)))
        finally:
            hosts.stop()
    print("| link | parameters | steps, pushes of host 1 | compute s | communication s, measured "
          "| written model | measured / model | share measured | share model |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for mbit, params, steps, pushes, compute, measured, predicted, share, share_model in rows:
        print(f"| {mbit} Mb/s | {params:,} | {steps}, {pushes:.0f} | {compute:.3f} | {measured:.3f} | "
              f"{predicted:.3f} | {measured / predicted:.2f} | {share:.0%} | {share_model:.0%} |")

if __name__ == "__main__":
    main()

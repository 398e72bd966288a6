"""A chaos run: one `getps launch --max-restarts` job (`mpirun` with
OpenMPI's recovery settings: rank 0 coordinates, rank 1 is a parameter
server shard, ranks 2-4 train, `--sync ps`), as root over three
network-namespace hosts (netns_hosts.py: ranks 0 and 1 on host 0, 2 and 3
on host 1, 4 on host 2; else all on loopback), under a seeded schedule of
CHAOS_FAULTS faults (default 20), one after each commit that follows the
previous fault's recovery, drawn from:
- replica-kill: SIGKILL of a replica (the survivors go on in the job);
- replica-hang: SIGSTOP of a replica for longer than the heartbeat timeout,
  then SIGCONT (dropped, then it rejoins at a commit point);
- shard-kill: SIGKILL of the shard (the job ends; launch restarts it);
- coordinator-kill: SIGKILL of rank 0 (the same);
- checkpoint-truncated: the newest checkpoint's model.pt cut in half on
  disk, then the coordinator killed (the restart skips it for the previous
  one);
- disk-full: the run directory, a small tmpfs of its own, filled until a
  checkpoint is refused, then emptied again (training goes on, commits
  resume; drawn only where the test may mount, i.e. as root);
- link-cut: host 2's link down for longer than the heartbeat timeout, then
  up again (its replica is dropped, then rejoins at a commit point; drawn
  only over the hosts, while that replica is alive).
Replica faults are drawn only while two replicas are left to lose one.
What must hold: every fault survived and the run finishes; every epoch's
committed windows tile its plan (RUN/epochs.jsonl: nothing lost, nothing
twice); RUN/metrics.jsonl has every epoch's validation record and the
test record, each line whole JSON; and the final
weights equal the uninterrupted run's (1e-5 relative; steps are sized for
the planned replicas). Prints the table: fault, detected
after, recovered after (the next commit), windows trained again.
"""
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from commit_audit_check import assert_nothing_lost_or_doubled, commits, wait_for  # noqa: E402
from getps_cli import (final_weights, GETPS, last_checkpoint, MPI_ENV, MPIRUN, mpirun,  # noqa: E402
                       relative_difference, SimulatedStoreTest)
import netns_hosts  # noqa: E402

FAULTS = int(os.environ.get("CHAOS_FAULTS", "20"))
SEED = int(os.environ.get("CHAOS_SEED", "7"))
HEARTBEAT = 2
EPOCHS = 6 + FAULTS
TRAIN = ["--epochs", str(EPOCHS), "--batch-size", "2", "--lr", "0.05", "--leave-out-chromosomes", "chr4",
         "--drop-path", "0", "--commit-every", "3", "--heartbeat-timeout", str(HEARTBEAT), "--timeout", "60",
         "--servers", "1"]
DETECTED = re.compile(r"generation \d+ ended|was lost|attempt \d+ (exited|was killed)|not written")
REFUSED = re.compile(r"not written")


def directory_megabytes(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(path) for f in files) >> 20


def rank_of(pid, run_dir):
    """(MPI rank, start time) of process `pid` when it is a live rank of a
    run in `run_dir`, else None (ranks on every host are processes here)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            if run_dir.encode() not in f.read().split(b"\0"):
                return None
        with open(f"/proc/{pid}/environ", "rb") as f:
            env = dict(kv.split(b"=", 1) for kv in f.read().split(b"\0") if b"=" in kv)
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read().rsplit(")", 1)[1].split()
        if stat[0] == "Z":
            return None
        return int(env[b"OMPI_COMM_WORLD_RANK"]), int(stat[19])
    except (OSError, KeyError, ValueError, IndexError):
        return None


class SmallDisk:
    """A tmpfs of `megabytes` mounted at `path` (an empty folder); fill()
    takes all its free space, empty() gives it back."""

    def __init__(self, path, megabytes):
        self.path = path
        self.filler = os.path.join(path, "filler")
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", path], check=True,
                       capture_output=True)

    @classmethod
    def mount(cls, path, megabytes):
        """A SmallDisk, or None where this process may not mount."""
        if os.geteuid() != 0:
            return None
        try:
            return cls(path, megabytes)
        except (OSError, subprocess.CalledProcessError):
            return None

    def fill(self):
        st = os.statvfs(self.path)
        fd = os.open(self.filler, os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            os.posix_fallocate(fd, 0, st.f_bavail * st.f_frsize)
        finally:
            os.close(fd)

    def empty(self):
        os.remove(self.filler)

    def unmount(self):
        subprocess.run(["umount", "-l", self.path], check=False)


class Output:
    """The job's output lines with the time each was read."""

    def __init__(self, stream):
        self.lines = []
        self.thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.thread.start()

    def _read(self, stream):
        for line in stream:
            self.lines.append((time.time(), line))

    def first_after(self, t, pattern):
        return next((at for at, line in list(self.lines) if at >= t and pattern.search(line)), None)

    def text(self):
        return "".join(line for _, line in self.lines)


@unittest.skipIf(MPIRUN is None, "no mpirun (openmpi-bin)")
class Chaos(SimulatedStoreTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hosts = None
        if netns_hosts.unavailable() is not None:
            print(f"all ranks on loopback, no link cuts: {netns_hosts.unavailable()}")
            return
        cls.hosts = netns_hosts.NetnsHosts.started(3)

    @classmethod
    def tearDownClass(cls):
        if cls.hosts is not None:
            cls.hosts.stop()
        super().tearDownClass()

    def command(self, run_dir, over_hosts):
        train = [GETPS, "train", "--sync", "ps", "--store", self.store, "--run-dir", run_dir, *TRAIN]
        if not over_hosts:
            return [*mpirun(5, recovery=True), *train, "--bind", "tcp://127.0.0.1:0"]
        return self.hosts.command(0, *mpirun(5, *self.hosts.mpi_hosts([2, 2, 1]), recovery=True), *train,
                                  "--bind", "tcp://eth0:0")

    def ranks(self, job, run_dir, want):
        """{rank: pid} of the running attempt (the newest process of each
        rank), once ranks `want` are up."""
        found = {}

        def up():
            found.clear()
            started = {}
            for entry in os.listdir("/proc"):
                r = rank_of(int(entry), run_dir) if entry.isdigit() else None
                if r is not None and r[1] > started.get(r[0], -1):
                    found[r[0]], started[r[0]] = int(entry), r[1]
            return want <= set(found)
        wait_for(up, f"ranks {sorted(want)}", timeout=120, job=job)
        return dict(found)

    def inject(self, fault, pids, run_dir, disk=None, refused=None):
        if fault == "replica-kill":
            os.kill(pids[max(r for r in pids if r >= 2)], signal.SIGKILL)
        elif fault == "replica-hang":
            victim = pids[min(r for r in pids if r >= 2)]
            os.kill(victim, signal.SIGSTOP)
            time.sleep(HEARTBEAT + 1)
            os.kill(victim, signal.SIGCONT)
        elif fault == "shard-kill":
            os.kill(pids[1], signal.SIGKILL)
        elif fault == "link-cut":
            self.hosts.set_link(2, up=False)
            time.sleep(HEARTBEAT + 1)
            self.hosts.set_link(2, up=True)
        elif fault == "disk-full":
            disk.fill()
            try:
                refused()
            finally:
                disk.empty()
        else:
            if fault == "checkpoint-truncated":
                model = os.path.join(run_dir, "checkpoints", last_checkpoint(run_dir), "model.pt")
                os.truncate(model, os.path.getsize(model) // 2)
            os.kill(pids[0], signal.SIGKILL)

    def test_twenty_faults_lose_nothing_and_end_at_the_uninterrupted_weights(self):
        reference = self.path("reference")
        p = subprocess.run(self.command(reference, False), capture_output=True, text=True, env=MPI_ENV, timeout=600)
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        run_dir = self.path("chaos")
        os.makedirs(run_dir)
        disk = SmallDisk.mount(run_dir, max(64, 4 * directory_megabytes(reference)))
        if disk is None:
            print("no disk-full faults: mounting a tmpfs needs root")
        else:
            self.addCleanup(disk.unmount)
        job = subprocess.Popen([GETPS, "launch", "--max-restarts", str(FAULTS), "--restart-delay", "0.2", "--",
                                *self.command(run_dir, self.hosts is not None)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, env=MPI_ENV)
        out = Output(job.stdout)
        rng = random.Random(SEED)
        replicas = {2, 3, 4}  # alive in this attempt
        table = []
        try:
            for n in range(FAULTS):
                c = commits(run_dir)
                wait_for(lambda: commits(run_dir) > c, "a commit before the next fault", timeout=120, job=job)
                pids = self.ranks(job, run_dir, {0, 1} | replicas)
                kinds = ["shard-kill", "coordinator-kill", "checkpoint-truncated"]
                if disk is not None:
                    kinds.append("disk-full")
                if len(replicas) >= 2:
                    kinds += ["replica-kill", "replica-hang"] * 2
                if self.hosts is not None and 4 in replicas:
                    kinds.append("link-cut")
                fault = rng.choice(kinds)
                before, t0 = commits(run_dir), time.time()
                self.inject(fault, pids, run_dir, disk, lambda: wait_for(
                    lambda: out.first_after(t0, REFUSED), "a checkpoint refused by the full disk", job=job))
                wait_for(lambda: commits(run_dir) > before, f"a commit after fault {n + 1} ({fault})",
                         timeout=180, job=job)
                recovered = time.time() - t0
                detected = out.first_after(t0, DETECTED)
                if fault == "replica-kill":
                    replicas.discard(max(replicas))
                elif fault not in ("replica-hang", "disk-full", "link-cut"):
                    replicas = {2, 3, 4}  # a restarted job has all its ranks again
                table.append((n + 1, fault, None if detected is None else detected - t0, recovered))
            try:
                job.wait(timeout=300)
            except subprocess.TimeoutExpired:
                self.fail(f"the job did not end after its faults {table}:\n{out.text()[-6000:]}")
        finally:
            if job.poll() is None:
                job.kill()
            out.thread.join(timeout=10)
        print("| # | fault | detected after s | recovered after s (next commit) |")
        print("| --- | --- | --- | --- |")
        for n, fault, detected, recovered in table:
            d = "-" if detected is None else f"{detected:.1f}"
            print(f"| {n} | {fault} | {d} | {recovered:.1f} |")
        self.assertEqual(job.returncode, 0, out.text()[-4000:])
        if os.environ.get("CHAOS_DEBUG"):
            with open(os.path.join(run_dir, "epochs.jsonl")) as f:
                print(f.read()[:6000])
            print(out.text()[-20000:])
        by_epoch = assert_nothing_lost_or_doubled(self, run_dir, EPOCHS)
        with open(os.path.join(run_dir, "metrics.jsonl")) as f:
            records = [json.loads(line) for line in f]  # a full disk cut no line
        # ... and lost none: every epoch's validation record and the test's are there.
        self.assertEqual({r["epoch"] for r in records if r.get("kind") == "validation"},
                         set(range(1, EPOCHS + 1)))
        self.assertTrue(any(r.get("kind") == "test" for r in records))
        redone = sum(line.get("reissued", 0) for lines in by_epoch.values() for line in lines)
        diff = relative_difference(final_weights(reference), final_weights(run_dir))
        attempts = len(re.findall(r"attempt \d+ (exited|was killed)", out.text())) + 1
        print(f"{FAULTS} faults (seed {SEED}): {attempts} attempts, every epoch tiles its plan, "
              f"{redone} windows trained again; final weights vs uninterrupted: {diff:.1e}")
        self.assertLess(diff, 1e-5)


if __name__ == "__main__":
    unittest.main(verbosity=2)

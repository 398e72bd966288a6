"""Recovery inside a running job (issue 6), `mpirun … getps train --sync ps`
with real processes on 127.0.0.1, CPU, no restart. mpirun runs with
OpenMPI's recovery settings (a dead rank does not abort the job):
- SIGKILL one of 3 replicas at a random moment (3 seeds): the coordinator
  ends the generation, the 2 survivors roll back to the last commit and
  go on; the job completes in one attempt, every epoch's committed windows
  tile its plan (none lost, none twice), the windows trained again are
  counted in the audit, and, since the survivors train the very same
  steps, the final weights are those of an uninterrupted run (1e-4) and so
  is the final training loss;
- with parameter server shards (--servers 2, gradients and weights over
  the MPI data plane, the default), SIGKILL of a replica: the
  shards are told the generation ended, get the commit back, and the run
  ends with the uninterrupted run's weights (1e-4);
- SIGKILL of a parameter server shard: the coordinator finds it silent
  within the heartbeat timeout and ends the job (its slice of the state is
  gone), `getps launch` restarts it from the last commit, and the run ends
  with the uninterrupted run's weights; SIGSTOP of a shard on the MPI data
  plane ends the job too (nobody hangs in an MPI wait);
- SIGSTOP a replica (a hang): dropped within the heartbeat timeout and the
  run goes on with 2; SIGCONT: it is told it is stale and rejoins at the
  next commit point (a generation of 3 again); the same with --servers 2
  on the MPI data plane (its bytes stop mid-exchange);
- a 4th worker (`getps worker`) joins mid-epoch at a commit point and
  trains;
- --min-workers 2 with one of 2 replicas killed: the run waits and goes on
  when a worker joins; with nobody joining, it fails after
  --rendezvous-timeout naming --min-workers;
- a host that lost --host-failures replicas is kept out: the hung replica
  coming back is refused and the run finishes without it;
- a --sync mpi run takes no outside workers.
Each test prints what it injected and what it checked."""
import json
import os
import random
import re
import signal
import subprocess
import time
import unittest


from getps_cli import (final_weights, GETPS, MPI_ENV, MPIRUN, mpirun, records,  # noqa: E402
                       relative_difference, run, SimulatedStoreTest)
from process_tree import child_pids  # noqa: E402
from commit_audit_check import assert_nothing_lost_or_doubled, audit, commits, wait_for  # noqa: E402

TRAIN = ["--epochs", "8", "--batch-size", "2", "--lr", "0.05", "--leave-out-chromosomes", "chr4",
         "--drop-path", "0", "--commit-every", "3", "--heartbeat-timeout", "2"]


@unittest.skipIf(MPIRUN is None, "no mpirun (openmpi-bin)")
class InJobRecovery(SimulatedStoreTest):
    def command(self, run_dir, ranks, *extra):
        return [*mpirun(ranks, recovery=True), GETPS, "train",
                "--sync", "ps", "--bind", "tcp://127.0.0.1:0", "--timeout", "60", "--store", self.store,
                "--run-dir", run_dir, *TRAIN, *extra]

    def start(self, run_dir, ranks, *extra):
        return subprocess.Popen(self.command(run_dir, ranks, *extra), stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, env=MPI_ENV)

    def replicas(self, job, run_dir):
        """The replica ranks' pids (not the coordinator's)."""
        wait_for(lambda: os.path.exists(os.path.join(run_dir, "coordinator.json")), "coordinator.json", job=job)
        with open(os.path.join(run_dir, "coordinator.json")) as f:
            coordinator = json.load(f)["pid"]
        return [p for p in child_pids(job.pid) if p != coordinator]

    @staticmethod
    def rank(pid):
        """The mpirun rank of process `pid`."""
        with open(f"/proc/{pid}/environ", "rb") as f:
            env = dict(kv.split(b"=", 1) for kv in f.read().split(b"\0") if b"=" in kv)
        return int(env[b"OMPI_COMM_WORLD_RANK"])

    def join_worker(self, run_dir):
        """`getps worker` joining the run, until it has finished."""
        with open(os.path.join(run_dir, "coordinator.json")) as f:
            endpoint = json.load(f)["endpoint"]
        return subprocess.run([GETPS, "worker", "--coordinator", endpoint, "--key-file",
                               os.path.join(run_dir, "run.key")],
                              capture_output=True, text=True, timeout=300, env=MPI_ENV)

    def finish(self, job, run_dir):
        out, _ = job.communicate(timeout=300)
        self.assertEqual(job.returncode, 0, out[-4000:])
        self.assertIn("coordinator: all replicas finished", out)
        with open(os.path.join(run_dir, "outcome.json")) as f:
            self.assertEqual(json.load(f)["status"], "finished")
        return out

    def test_a_killed_replica_is_dropped_and_the_survivors_go_on(self):
        reference = self.path("reference")
        self.finish(self.start(reference, 4), reference)
        ref_loss = [r for r in records(reference) if r["kind"] == "validation"][-1]["train_loss"]
        for seed in (1, 2, 3):
            with self.subTest(seed=seed):
                rng = random.Random(seed)
                after, delay = rng.randint(1, 6), rng.uniform(0.2, 1.0)
                run_dir = self.path(f"killed-{seed}")
                job = self.start(run_dir, 4)
                wait_for(lambda: commits(run_dir) >= after, f"{after} commits", job=job)
                time.sleep(delay)
                victim = rng.choice(self.replicas(job, run_dir))
                os.kill(victim, signal.SIGKILL)
                out = self.finish(job, run_dir)
                self.assertIn("generation 0 ended (replica", out)
                self.assertIn("generation 1 with 2 replica(s)", out)
                self.assertIn("trained 8 epochs", out)
                by_epoch = assert_nothing_lost_or_doubled(self, run_dir, 8)
                lines = [l for ls in by_epoch.values() for l in ls]
                first = [l for l in lines if l["generation"] == 1 and "resumed_at" in l]
                self.assertEqual(len(first), 1)
                self.assertEqual(first[0]["replicas"], 2)
                # The windows trained again, as the survivors counted them.
                again = [int(n) for n in re.findall(r"\((\d+) windows to train again\)", out)]
                self.assertEqual(len(set(again)), 1, again)
                self.assertEqual(first[0].get("reissued", 0), again[0])
                loss = [r for r in records(run_dir) if r["kind"] == "validation"][-1]["train_loss"]
                # The survivors train the same steps (the step is sized for the
                # planned 3 replicas): the run ends where the uninterrupted one did.
                diff = relative_difference(final_weights(reference), final_weights(run_dir))
                print(f"seed {seed}: SIGKILL of replica pid {victim} {delay:.2f} s after commit {after}: generation 1 "
                      f"with 2 replicas from window {first[0]['resumed_at']} of epoch {first[0]['epoch']}, "
                      f"{again[0]} windows trained again; every epoch tiles its plan; final training loss "
                      f"{loss:.6f} vs uninterrupted {ref_loss:.6f}, final weights {diff:.1e} apart")
                self.assertLess(abs(loss - ref_loss), 1e-4 * ref_loss)
                self.assertLess(diff, 1e-4)

    def test_a_killed_replica_with_server_shards(self):
        reference, run_dir = self.path("reference-servers"), self.path("killed-servers")
        self.finish(self.start(reference, 6, "--servers", "2"), reference)
        job = self.start(run_dir, 6, "--servers", "2")
        wait_for(lambda: commits(run_dir) >= 3, "3 commits", job=job)
        time.sleep(0.3)
        # Ranks 1 and 2 are the shards; kill a replica (rank 3..5).
        ranks = {self.rank(pid): pid for pid in self.replicas(job, run_dir)}
        self.assertEqual(sorted(ranks), [1, 2, 3, 4, 5])
        os.kill(ranks[4], signal.SIGKILL)
        # A worker from outside mpirun takes its place: it finds the shards
        # in the coordinator's welcome (it joins once generation 1 commits).
        wait_for(lambda: any(l["generation"] == 1 for ls in audit(run_dir).values() for l in ls),
                 "a commit of generation 1", job=job)
        worker = self.join_worker(run_dir)
        out = self.finish(job, run_dir)
        self.assertEqual(worker.returncode, 0, worker.stderr)
        self.assertRegex(worker.stdout, r"trained 8 epochs \(\d+ steps\) as replica 2 of 3")
        self.assertIn("generation 0 ended (replica", out)
        self.assertIn("generation 1 with 2 replica(s)", out)
        self.assertIn("generation 2 with 3 replica(s)", out)
        assert_nothing_lost_or_doubled(self, run_dir, 8)
        diff = relative_difference(final_weights(reference), final_weights(run_dir))
        print(f"--servers 2: SIGKILL of rank 4 after 3 commits, a `getps worker` joined in its place; final "
              f"weights {diff:.1e} from the uninterrupted run")
        self.assertLess(diff, 1e-4)

    def test_a_killed_server_shard_ends_the_job_and_launch_restarts_it(self):
        reference, run_dir = self.path("shard-reference"), self.path("killed-shard")
        self.finish(self.start(reference, 5, "--servers", "2"), reference)
        job = subprocess.Popen([GETPS, "launch", "--max-restarts", "1", "--restart-delay", "0.2", "--",
                                *self.command(run_dir, 5, "--servers", "2")],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=MPI_ENV)
        wait_for(lambda: commits(run_dir) >= 2, "2 commits", job=job)
        (mpirun,) = child_pids(job.pid)
        shard = next(pid for pid in child_pids(mpirun) if self.rank(pid) == 2)
        os.kill(shard, signal.SIGKILL)
        out, _ = job.communicate(timeout=300)
        self.assertEqual(job.returncode, 0, out[-3000:])
        lost = re.search(r"coordinator: parameter server shard 1 on tcp://127\.0\.0\.1:\d+ was lost "
                         r"\(silent for (\d+) ms\)", out)
        self.assertIsNotNone(lost, out[-3000:])
        self.assertIn("the job finished on attempt 2", out)
        assert_nothing_lost_or_doubled(self, run_dir, 8)
        diff = relative_difference(final_weights(reference), final_weights(run_dir))
        print(f"SIGKILL of parameter server shard 1 after 2 commits: the coordinator found it silent for "
              f"{lost.group(1)} ms and ended the job; getps launch restarted it from the last commit; final "
              f"weights {diff:.1e} from the uninterrupted run")
        self.assertLess(diff, 1e-4)

    def test_a_hung_server_shard_ends_the_job(self):
        # SIGSTOP of a shard on the MPI data plane, its peers perhaps mid-
        # transfer with it: the coordinator finds it silent within the
        # heartbeat timeout and ends the run, and `getps launch` (no restart
        # allowed) ends the job with the run's exit code; no rank is left
        # waiting on MPI.
        run_dir = self.path("hung-shard")
        job = subprocess.Popen([GETPS, "launch", "--max-restarts", "0", "--",
                                *self.command(run_dir, 5, "--servers", "2", "--data-plane", "mpi")],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=MPI_ENV)
        wait_for(lambda: commits(run_dir) >= 2, "2 commits", job=job)
        (mpirun,) = child_pids(job.pid)
        shard = next(pid for pid in child_pids(mpirun) if self.rank(pid) == 2)
        os.kill(shard, signal.SIGSTOP)
        stopped = time.time()
        out, _ = job.communicate(timeout=300)
        ended = time.time() - stopped
        self.assertNotEqual(job.returncode, 0, out[-3000:])
        lost = re.search(r"parameter server shard 1 on tcp://127\.0\.0\.1:\d+ was lost \(silent for (\d+) ms\)",
                         out)
        self.assertIsNotNone(lost, out[-3000:])
        self.assertIn("the coordinator ended the run", out)
        with open(os.path.join(run_dir, "outcome.json")) as f:
            self.assertEqual(json.load(f)["status"], "failed")
        print(f"SIGSTOP of parameter server shard 1 (--data-plane mpi, heartbeat timeout 2 s): the coordinator "
              f"found it silent for {lost.group(1)} ms; the job ended {ended:.1f} s after the stop "
              f"(exit {job.returncode})")

    def test_a_hung_replica_is_dropped_and_rejoins_when_it_comes_back(self):
        self.hang_a_replica(self.path("hung"))

    def test_a_hung_replica_with_server_shards_over_mpi(self):
        # Its pushes stop mid-exchange on the MPI data plane: the shards drop
        # the step when the coordinator ends the generation, the bytes it
        # still owes are drained once it comes back.
        out = self.hang_a_replica(self.path("hung-servers"), "--servers", "2", "--data-plane", "mpi")
        self.assertIn("over MPI (--data-plane mpi)", out)

    def hang_a_replica(self, run_dir, *extra):
        """SIGSTOP one of 3 replicas after 2 commits, SIGCONT once the
        survivors commit again; returns the job's output."""
        servers = int(extra[1]) if extra[:1] == ("--servers",) else 0
        job = self.start(run_dir, 4 + servers, *extra)
        wait_for(lambda: commits(run_dir) >= 2, "2 commits", job=job)
        victim = next(p for p in self.replicas(job, run_dir) if self.rank(p) > servers)
        os.kill(victim, signal.SIGSTOP)
        stopped = time.time()
        try:
            wait_for(lambda: any(l["generation"] == 1 for ls in audit(run_dir).values() for l in ls),
                     "a commit of generation 1", job=job)
            recovered = time.time() - stopped
        finally:
            os.kill(victim, signal.SIGCONT)
        out = self.finish(job, run_dir)
        self.assertIn("generation 0 ended", out)
        self.assertIn("generation 1 with 2 replica(s)", out)
        # The replica that comes back hears it from the coordinator, or with
        # server shards perhaps first from a shard it was exchanging with.
        self.assertRegex(out, r"generation 0 is over(: the run is now in generation 1| \(parameter server shard on)")
        self.assertIn("waits to join at the next commit point", out)
        self.assertIn("generation 2 with 3 replica(s)", out)
        by_epoch = assert_nothing_lost_or_doubled(self, run_dir, 8)
        rejoined = [l for ls in by_epoch.values() for l in ls if l["generation"] == 2 and "resumed_at" in l]
        self.assertEqual([l["replicas"] for l in rejoined], [3])
        self.assertEqual(rejoined[0].get("reissued", 0), 0)  # admitted at a commit: nothing redone
        print(f"SIGSTOP of replica pid {victim} {' '.join(extra)} (heartbeat timeout 2 s): the survivors "
              f"committed again {recovered:.1f} s after the stop; SIGCONT: told stale, rejoined at window "
              f"{rejoined[0]['resumed_at']} of epoch {rejoined[0]['epoch']} (3 replicas); audit tiles")
        return out

    def test_a_fourth_worker_joins_mid_epoch_and_gets_work(self):
        run_dir = self.path("joined")
        job = self.start(run_dir, 4)
        wait_for(lambda: commits(run_dir) >= 2, "2 commits", job=job)
        worker = self.join_worker(run_dir)
        out = self.finish(job, run_dir)
        self.assertEqual(worker.returncode, 0, worker.stderr)
        self.assertRegex(worker.stdout, r"trained 8 epochs \(\d+ steps\) as replica 3 of 4")
        self.assertIn("generation 1 with 4 replica(s)", out)
        by_epoch = assert_nothing_lost_or_doubled(self, run_dir, 8)
        joined = [l for ls in by_epoch.values() for l in ls if l["generation"] == 1 and "resumed_at" in l]
        self.assertEqual([l["replicas"] for l in joined], [4])
        last = [r for r in records(run_dir) if r["kind"] == "validation"][-1]
        self.assertEqual([t["replica"] for t in last["throughput"]], [0, 1, 2, 3])
        self.assertGreater(last["throughput"][3]["samples_per_s"], 0)
        print(f"a 4th worker joined at window {joined[0]['resumed_at']} of epoch {joined[0]['epoch']} and "
              f"trained as replica 3 of 4 ({last['throughput'][3]['samples_per_s']:.0f} windows/s); audit tiles")

    def test_below_min_workers_the_run_waits_for_a_worker(self):
        run_dir = self.path("min-workers")
        job = self.start(run_dir, 3, "--min-workers", "2")
        wait_for(lambda: commits(run_dir) >= 2, "2 commits", job=job)
        os.kill(self.replicas(job, run_dir)[0], signal.SIGKILL)
        time.sleep(3)  # lost and waiting: no commit meanwhile
        paused_at = commits(run_dir)
        time.sleep(1)
        self.assertEqual(commits(run_dir), paused_at, "the run went on below --min-workers")
        worker = self.join_worker(run_dir)
        out = self.finish(job, run_dir)
        self.assertEqual(worker.returncode, 0, worker.stderr)
        self.assertIn("generation 1 with 2 replica(s)", out)
        assert_nothing_lost_or_doubled(self, run_dir, 8)
        print(f"--min-workers 2, one of 2 replicas killed: paused after {paused_at} commits until a worker "
              "joined, then finished with 2; audit tiles")
        # Nobody joins: a clear failure after the rendezvous timeout. (mpirun
        # with recovery settings exits 0 regardless; RUN/outcome.json says
        # how the job ended, and `getps launch` goes by it.)
        run_dir = self.path("min-workers-timeout")
        mpi = self.command(run_dir, 3, "--min-workers", "2", "--rendezvous-timeout", "2")
        job = subprocess.Popen([GETPS, "launch", "--max-restarts", "0", "--", *mpi], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, env=MPI_ENV)
        wait_for(lambda: commits(run_dir) >= 2, "2 commits", job=job)
        (mpirun,) = child_pids(job.pid)
        with open(os.path.join(run_dir, "coordinator.json")) as f:
            coordinator = json.load(f)["pid"]
        os.kill([p for p in child_pids(mpirun) if p != coordinator][0], signal.SIGKILL)
        out, _ = job.communicate(timeout=120)
        self.assertEqual(job.returncode, 5, out[-3000:])
        self.assertIn("1 replica(s) ready, but 2 are needed (--min-workers)", out)
        with open(os.path.join(run_dir, "outcome.json")) as f:
            outcome = json.load(f)
        self.assertEqual((outcome["status"], outcome["exit_code"]), ("failed", 5))
        self.assertIn("no restarts left", out)
        print("with nobody joining within --rendezvous-timeout 2: the job failed naming --min-workers; "
              "outcome.json says failed, and getps launch exits 5")

    def test_a_host_that_keeps_losing_replicas_is_kept_out(self):
        run_dir = self.path("cooldown")
        job = self.start(run_dir, 4, "--host-failures", "1", "--host-cooldown", "600")
        wait_for(lambda: commits(run_dir) >= 2, "2 commits", job=job)
        victim = self.replicas(job, run_dir)[0]
        os.kill(victim, signal.SIGSTOP)
        wait_for(lambda: any(l["generation"] == 1 for ls in audit(run_dir).values() for l in ls),
                 "a commit of generation 1", job=job)
        os.kill(victim, signal.SIGCONT)
        out = self.finish(job, run_dir)
        self.assertRegex(out, r"refused .*: host \S+ lost 1 replicas in the last 600 s; it is kept out")
        self.assertIn("the coordinator refused this replica: host", out)
        self.assertNotIn("generation 2", out)
        assert_nothing_lost_or_doubled(self, run_dir, 8)
        print("--host-failures 1: the hung replica came back and was refused (host cooling down); "
              "the run finished with 2; audit tiles")

    def test_a_mpi_run_takes_no_outside_workers(self):
        run_dir = self.path("mpi")
        job = subprocess.Popen([*mpirun(2), GETPS, "train",
                                "--sync", "mpi", "--bind", "tcp://127.0.0.1:0", "--store", self.store,
                                "--run-dir", run_dir, *TRAIN],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=MPI_ENV)
        wait_for(lambda: os.path.exists(os.path.join(run_dir, "coordinator.json")), "coordinator.json", job=job)
        with open(os.path.join(run_dir, "coordinator.json")) as f:
            endpoint = json.load(f)["endpoint"]
        p = run("worker", "--coordinator", endpoint, "--key-file", os.path.join(run_dir, "run.key"),
                "--timeout", "20", check=False)
        self.finish(job, run_dir)
        self.assertEqual(p.returncode, 5, p.stderr)
        self.assertIn("a --sync mpi run takes no workers from outside mpirun", p.stderr)
        print("a worker knocking at a --sync mpi run: refused")


if __name__ == "__main__":
    unittest.main(verbosity=2)

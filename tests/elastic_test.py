"""Whole-job restarts (issue 6), with real processes on 127.0.0.1, CPU:
- `getps launch --max-restarts R -- getps train --commit-every K`: SIGKILL
  the training process after a random number of commits (several seeds);
  the supervisor restarts it with --resume auto, the run completes, every
  epoch's committed windows in RUN/epochs.jsonl tile the epoch's plan exactly
  (none lost, none twice; digests add up), and the final weights equal an
  uninterrupted run's;
- the same with `mpirun … --sync ps`, killing the coordinator (rank 0)
  mid-epoch: mpirun aborts the job, the supervisor restarts it;
- a replica SIGKILLed (2 seeds) under a plain `mpirun … --sync ps` (without
  OpenMPI's recovery settings, mpirun aborts the job when a rank dies): the
  supervisor restarts it, and the audit and final weights are as above;
- a job resumed with fewer workers continues the epoch at the first window
  not committed;
- a damaged newest checkpoint is skipped on resume (the previous is used);
  an unwritable checkpoint folder is reported and training goes on;
- a job whose run finished (RUN/outcome.json) but which does not exit is
  ended --stop-grace later and counts as finished.
Each test prints what it injected and what it checked. Recovery inside a
running job (no restart): elastic_in_job_test.py."""
import json
import os
import random
import shutil
import signal
import subprocess
import unittest


from getps_cli import (final_weights, GETPS, last_checkpoint, MPI_ENV, MPIRUN, mpirun,  # noqa: E402
                       records, relative_difference, run, SimulatedStoreTest)
from process_tree import child_pids  # noqa: E402
from commit_audit_check import assert_nothing_lost_or_doubled, audit, commits, wait_for  # noqa: E402

TRAIN = ["--epochs", "4", "--batch-size", "4", "--lr", "0.05", "--leave-out-chromosomes", "chr4",
         "--drop-path", "0", "--commit-every", "3"]


class Elastic(SimulatedStoreTest):
    def assert_nothing_lost_or_doubled(self, run_dir, epochs):
        return assert_nothing_lost_or_doubled(self, run_dir, epochs)

    def test_a_job_that_outlives_its_finished_run_is_ended_as_finished(self):
        run_dir = self.path("lingers")
        os.makedirs(run_dir)
        # What mpirun over several hosts was seen to do: the run finished,
        # every rank gone, mpirun still there.
        script = f'echo \'{{"status": "finished", "exit_code": 0}}\' > {run_dir}/outcome.json; exec sleep 600'
        p = subprocess.run([GETPS, "launch", "--max-restarts", "2", "--stop-grace", "1", "--", "sh", "-c", script,
                            "sh", "--sync", "ps", "--run-dir", run_dir], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("the run finished", p.stderr)
        self.assertIn("still running 1.0s later", p.stderr)
        self.assertNotIn("attempt 2", p.stderr)
        print(f"a job that outlived its finished run: {p.stderr.strip().splitlines()[0]}")

    def test_a_killed_training_process_restarts_and_loses_nothing(self):
        reference = self.path("reference")
        run("train", "--store", self.store, "--run-dir", reference, *TRAIN)
        ref_step, ref = last_checkpoint(reference), final_weights(reference)
        for seed in (1, 2, 3):
            with self.subTest(seed=seed):
                kill_after = random.Random(seed).randint(1, 8)  # commits before the kill
                run_dir = self.path(f"killed-{seed}")
                job = subprocess.Popen([GETPS, "launch", "--max-restarts", "3", "--restart-delay", "0.2", "--",
                                        GETPS, "train", "--store", self.store, "--run-dir", run_dir, *TRAIN],
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                wait_for(lambda: commits(run_dir) >= kill_after, f"{kill_after} commits")
                victims = child_pids(job.pid)
                self.assertEqual(len(victims), 1)
                os.kill(victims[0], signal.SIGKILL)
                out, err = job.communicate(timeout=300)
                self.assertEqual(job.returncode, 0, err)
                self.assertIn("attempt 1 was killed by signal 9", err)
                self.assertIn("the job finished on attempt 2", err)
                by_epoch = self.assert_nothing_lost_or_doubled(run_dir, 4)
                resumed = [l for lines in by_epoch.values() for l in lines if "resumed_at" in l]
                self.assertEqual(len(resumed), 1)
                self.assertEqual(resumed[0]["generation"], 1)
                step, got = last_checkpoint(run_dir), final_weights(run_dir)
                self.assertEqual(step, ref_step)
                diff = relative_difference(ref, got)
                print(f"seed {seed}: SIGKILL after {kill_after} commits; resumed at window "
                      f"{resumed[0]['resumed_at']} of epoch {resumed[0]['epoch']}; every epoch tiles its plan; "
                      f"final weights vs uninterrupted: relative difference {diff:.1e}")
                self.assertLess(diff, 1e-6)
                self.assertEqual(records(run_dir)[-1]["pooled"], records(reference)[-1]["pooled"])

    @unittest.skipIf(MPIRUN is None, "no mpirun (openmpi-bin)")
    def test_killing_the_coordinator_under_the_supervisor(self):
        mpi = [*mpirun(3), GETPS, "train", "--sync", "ps",
               "--bind", "tcp://127.0.0.1:0", "--timeout", "60", "--store", self.store]
        reference = self.path("ps-reference")
        subprocess.run([*mpi, "--run-dir", reference, *TRAIN], check=True, env=MPI_ENV, capture_output=True)
        ref = final_weights(reference)
        run_dir = self.path("ps-killed")
        job = subprocess.Popen([GETPS, "launch", "--max-restarts", "2", "--restart-delay", "0.5", "--", *mpi,
                                "--run-dir", run_dir, *TRAIN], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=MPI_ENV)
        wait_for(lambda: commits(run_dir) >= 4, "4 commits")
        with open(os.path.join(run_dir, "coordinator.json")) as f:
            coordinator = json.load(f)["pid"]
        os.kill(coordinator, signal.SIGKILL)
        out, err = job.communicate(timeout=300)
        self.assertEqual(job.returncode, 0, err[-3000:])
        self.assertIn("restarting from the newest checkpoint", err)
        by_epoch = self.assert_nothing_lost_or_doubled(run_dir, 4)
        resumed = [l for lines in by_epoch.values() for l in lines if "resumed_at" in l]
        self.assertEqual(len(resumed), 1)
        got = final_weights(run_dir)
        diff = relative_difference(ref, got)
        print(f"ps: SIGKILL of the coordinator (pid {coordinator}) after 4 commits; resumed at window "
              f"{resumed[0]['resumed_at']} of epoch {resumed[0]['epoch']}; audit tiles every epoch; "
              f"final weights vs uninterrupted: relative difference {diff:.1e}")
        self.assertLess(diff, 1e-5)

    def supervised_ps(self, run_dir, ranks, *extra):
        return subprocess.Popen(
            [GETPS, "launch", "--max-restarts", "2", "--restart-delay", "0.5", "--", *mpirun(ranks), GETPS, "train", "--sync", "ps", "--bind", "tcp://127.0.0.1:0",
             "--timeout", "60", "--store", self.store, "--run-dir", run_dir, *TRAIN, *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=MPI_ENV)

    def replica_pids(self, job, run_dir):
        """The replica ranks of the supervised mpirun job (not the coordinator)."""
        wait_for(lambda: os.path.exists(os.path.join(run_dir, "coordinator.json")), "coordinator.json")
        with open(os.path.join(run_dir, "coordinator.json")) as f:
            coordinator = json.load(f)["pid"]
        (mpirun,) = child_pids(job.pid)
        return [p for p in child_pids(mpirun) if p != coordinator]

    @unittest.skipIf(MPIRUN is None, "no mpirun (openmpi-bin)")
    def test_a_lost_replica_ends_the_job_and_the_supervisor_restarts_it(self):
        reference = self.path("ps3-reference")
        subprocess.run([*mpirun(4), GETPS, "train", "--sync", "ps",
                        "--bind", "tcp://127.0.0.1:0", "--store", self.store, "--run-dir", reference, *TRAIN],
                       check=True, env=MPI_ENV, capture_output=True)
        ref = final_weights(reference)
        for seed in (1, 2):
            with self.subTest(seed=seed):
                rng = random.Random(seed)
                kill_after = rng.randint(1, 5)
                run_dir = self.path(f"ps3-killed-{seed}")
                # --min-workers 3: the coordinator waits instead of going on
                # with 2 replicas (recovery inside the job) in the moment
                # before mpirun aborts the job, so the restart is the only path.
                job = self.supervised_ps(run_dir, 4, "--min-workers", "3")
                wait_for(lambda: commits(run_dir) >= kill_after, f"{kill_after} commits")
                victims = self.replica_pids(job, run_dir)
                self.assertEqual(len(victims), 3)
                victim = rng.choice(victims)
                os.kill(victim, signal.SIGKILL)
                _, err = job.communicate(timeout=300)
                self.assertEqual(job.returncode, 0, err[-3000:])
                self.assertIn("restarting from the newest checkpoint", err)
                self.assert_nothing_lost_or_doubled(run_dir, 4)
                got = final_weights(run_dir)
                diff = relative_difference(ref, got)
                print(f"seed {seed}: SIGKILL of replica pid {victim} after {kill_after} commits: job restarted, "
                      f"audit tiles every epoch, final weights vs uninterrupted {diff:.1e}")
                self.assertLess(diff, 1e-5)

    @unittest.skipIf(MPIRUN is None, "no mpirun (openmpi-bin)")
    def test_a_job_resumed_with_fewer_workers_continues_at_the_right_window(self):
        run_dir = self.path("fewer")
        args = ["--sync", "mpi", "--bind", "tcp://127.0.0.1:0", "--timeout", "60", "--store", self.store,
                "--run-dir", run_dir, *TRAIN]
        job = subprocess.Popen([*mpirun(3), GETPS, "train", *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=MPI_ENV)
        wait_for(lambda: commits(run_dir) >= 2, "2 commits")
        job.terminate()
        job.communicate(timeout=60)
        self.assertNotEqual(job.returncode, 0, "the job finished before it could be stopped")
        # One replica instead of two: a smaller global step, the same cursor.
        p = subprocess.run([*mpirun(2), GETPS, "train", *args,
                            "--resume", "auto"], capture_output=True, text=True, env=MPI_ENV, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        self.assertIn("on 1 replicas", p.stdout)
        by_epoch = self.assert_nothing_lost_or_doubled(run_dir, 4)
        # (Read after the resume: it may have appended the stopped job's last
        # line, had the stop come between a checkpoint's rename and its line.)
        lines = [l for lines in by_epoch.values() for l in lines]
        last = max((l for l in lines if l["generation"] == 0), key=lambda l: (l["epoch"], l["to"]))
        first_new = min((l for l in lines if l["generation"] == 1), key=lambda l: (l["epoch"], l["from"]))
        expected_at = 0 if last["to"] == last["plan"] else last["to"]
        print(f"stopped after epoch {last['epoch']} window {last['to']} with 2 replicas; resumed with 1 at "
              f"window {first_new['resumed_at']} of epoch {first_new['epoch']}")
        self.assertEqual(first_new["resumed_at"], expected_at)

    def test_a_mid_epoch_commit_is_not_continued_in_another_window_order(self):
        run_dir = self.path("other-order")
        args = ["--store", self.store, "--run-dir", run_dir, "--batch-size", "4", "--commit-every", "3",
                "--leave-out-chromosomes", "chr4"]
        run("train", *args, "--epochs", "2")
        newest = last_checkpoint(run_dir)  # the epoch-2 end; the one before is mid-epoch 2
        shutil.rmtree(os.path.join(run_dir, "checkpoints", newest))
        p = run("train", *args, "--epochs", "2", "--resume", "auto", "--seed", "7", check=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("stopped mid-epoch in another window order", p.stderr)
        p = run("train", *args, "--epochs", "2", "--resume", "auto")
        self.assertIn("at window", p.stderr)
        print("a mid-epoch commit resumed with another --seed: refused; with its own seed: continued")

    def test_a_damaged_checkpoint_is_skipped_and_an_unwritable_folder_is_reported(self):
        run_dir = self.path("damaged")
        args = ["--store", self.store, "--run-dir", run_dir, "--batch-size", "8"]
        run("train", *args, "--epochs", "2")
        newest = last_checkpoint(run_dir)
        model = os.path.join(run_dir, "checkpoints", newest, "model.pt")
        os.truncate(model, os.path.getsize(model) // 2)
        p = run("train", *args, "--epochs", "3", "--resume", "auto")
        self.assertIn(f"{newest}: model.pt is damaged", p.stderr)
        self.assertIn("resuming from", p.stderr)
        self.assertNotIn(newest + " (epoch", p.stderr)
        self.assertIn(f"set aside {run_dir}/checkpoints/{newest}", p.stderr)
        # The damaged commit's line is no longer the state of record: the
        # audit drops it, and epoch 2 is committed once, by generation 1.
        by_epoch = self.assert_nothing_lost_or_doubled(run_dir, 3)
        self.assertEqual([l["generation"] for l in by_epoch[2]], [1])
        print(f"truncated {newest}/model.pt: skipped with a warning; resumed from the previous checkpoint")
        # A file where the checkpoints folder should be: every save fails.
        blocked = self.path("blocked")
        os.makedirs(blocked)
        open(os.path.join(blocked, "checkpoints"), "w").close()
        p = run("train", "--store", self.store, "--run-dir", blocked, "--epochs", "2", "--batch-size", "8",
                "--leave-out-chromosomes", "chr4")
        self.assertIn("(training goes on)", p.stderr)
        self.assertEqual([r["kind"] for r in records(blocked)], ["validation", "validation", "test"])
        print("checkpoint folder blocked by a file: each failed save reported, the run finished")


if __name__ == "__main__":
    unittest.main(verbosity=2)

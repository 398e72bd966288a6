"""The Slurm scripts of launch/slurm/ on a real single-node Slurm
(slurm_cluster.py: started for this test, stopped after it), 2 fake GPUs:
- pretrain.sbatch with mpirun inside the allocation completes; every epoch
  tiles its plan; RUN/slurm.jsonl records the job and Slurm's GPU layout;
- finetune.sbatch with LAUNCHER=srun (srun --mpi=pmix starts the ranks)
  completes from that checkpoint, its coordinator a task of step 0;
- a job killed with `scancel --signal=KILL`, and one whose every process is
  SIGKILLed at once (a lost node), each requeued with `scontrol requeue`,
  resume at their last commit: the audit is exact, one resume, the restart
  count recorded, the final weights those of the uninterrupted run;
- a LOCO sweep runs each fold as a job step (srun --exact --gres=gpu:1), folds
  side by side on different GPUs;
- explain.sbatch with 3 tasks explains every gene on 2 replicas under
  mpirun, and its rerun with one task (a requeue) finds every shard done;
- `getps launch` ends an srun step whose coordinator was SIGKILLed without
  leaving its replicas running into the restart, which resumes exactly;
- srun without an MPI plugin is refused with the fix in the message."""
import json
import os
import signal
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from commit_audit_check import assert_nothing_lost_or_doubled, commits, wait_for  # noqa: E402
from getps_cli import GETPS, final_weights, last_checkpoint, relative_difference, run, SimulatedStoreTest  # noqa: E402
import slurm_cluster  # noqa: E402

SCRIPTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "launch", "slurm")
TRAIN = "--epochs 5 --batch-size 4 --lr 0.05 --leave-out-chromosomes chr4 --drop-path 0"
# One node, a coordinator and 2 replicas, 1 CPU each, the node's 2 GPUs.
LAYOUT = ["--nodes=1", "--ntasks=3", "--cpus-per-task=1", f"--gpus-per-node={slurm_cluster.GPUS}"]


def slurm_lines(run_dir):
    with open(os.path.join(run_dir, "slurm.jsonl")) as f:
        return [json.loads(line) for line in f]


@unittest.skipIf(slurm_cluster.unavailable(), slurm_cluster.unavailable())
class Slurm(SimulatedStoreTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cluster = slurm_cluster.SlurmCluster()
        try:
            cls.cluster.start()
        except BaseException:
            cls.cluster.stop()
            raise
        # The uninterrupted pretraining: the others' reference and init.
        cls.reference = cls.path("pretrain")
        job = cls.submit("pretrain.sbatch", cls.reference, COMMIT_EVERY="2")
        cls.reference_job = cls.cluster.wait_for(job, {"COMPLETED", "FAILED", "CANCELLED"})

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop()
        super().tearDownClass()

    @classmethod
    def submit(cls, script, run_dir, *options, **env):
        return cls.cluster.sbatch(os.path.join(SCRIPTS, script), *LAYOUT, *options,
                                  f"--output={run_dir}.out", STORE=cls.store, RUN_DIR=run_dir,
                                  GETPS=GETPS, GETPS_TRAIN_ARGS=TRAIN, **env)

    def assert_completed(self, fields, run_dir):
        with open(f"{run_dir}.out") as f:
            out = f.read()
        self.assertEqual(fields["JobState"], "COMPLETED", out[-3000:])
        return out

    def test_an_sbatch_pretraining_job_with_mpirun_inside_completes(self):
        out = self.assert_completed(self.reference_job, self.reference)
        self.assertIn("trained 5 epochs (20 steps) on 2 replicas", out)
        assert_nothing_lost_or_doubled(self, self.reference, 5)
        [line] = slurm_lines(self.reference)
        self.assertEqual(line["job_id"], self.reference_job["JobId"])
        self.assertEqual(line["restart_count"], 0)
        self.assertEqual(line["step_id"], "")  # mpirun's ranks: the batch step's processes
        self.assertEqual((line["tasks"], line["gpus_on_node"], line["visible_gpus"]), (3, 2, "0,1"))
        self.assertIn(f"Slurm job {line['job_id']} on {self.cluster.node}, 2 GPU(s) on this node", out)
        print(f"sbatch pretrain.sbatch (mpirun inside): job {line['job_id']} completed, 20 steps, "
              f"audit exact, CUDA_VISIBLE_DEVICES {line['visible_gpus']}")

    def test_srun_with_pmix_starts_the_ranks_of_a_finetuning_job(self):
        run_dir = self.path("finetune-srun")
        job = self.submit("finetune.sbatch", run_dir, LAUNCHER="srun", INIT=self.reference)
        out = self.assert_completed(self.cluster.wait_for(job, {"COMPLETED", "FAILED"}), run_dir)
        self.assertIn("on 2 replicas", out)
        self.assertIn("held-out Pearson", out)
        assert_nothing_lost_or_doubled(self, run_dir, 5)
        [line] = slurm_lines(run_dir)
        self.assertEqual(line["step_id"], "0")  # the coordinator is task 0 of srun's step
        print(f"sbatch finetune.sbatch with srun --mpi=pmix: job {job} completed from the "
              f"pretrained checkpoint, audit exact")

    def killed_and_requeued(self, name, kill):
        """Runs pretrain.sbatch, kills it with `kill(job)` after 3 commits,
        requeues it, and checks the resumed run against the reference."""
        run_dir = self.path(name)
        job = self.submit("pretrain.sbatch", run_dir, "--requeue", COMMIT_EVERY="2")
        wait_for(lambda: commits(run_dir) >= 3, "3 commits", timeout=120)
        at_kill = commits(run_dir)
        kill(job)
        ended = self.cluster.wait_for(job, {"CANCELLED", "FAILED", "COMPLETED"})
        self.assertNotEqual(ended["JobState"], "COMPLETED")
        self.cluster.requeue_now(job)
        fields = self.cluster.wait_for(job, {"COMPLETED", "FAILED", "CANCELLED"})
        self.assert_completed(fields, run_dir)
        self.assertEqual(fields["Restarts"], "1")
        by_epoch = assert_nothing_lost_or_doubled(self, run_dir, 5)
        resumed = [line for lines in by_epoch.values() for line in lines if "resumed_at" in line]
        self.assertEqual(len(resumed), 1)
        self.assertEqual([line["restart_count"] for line in slurm_lines(run_dir)], [0, 1])
        self.assertEqual(last_checkpoint(run_dir), last_checkpoint(self.reference))
        diff = relative_difference(final_weights(self.reference), final_weights(run_dir))
        self.assertLess(diff, 1e-5)
        print(f"{name}: killed after {at_kill} commits ({ended['JobState']}), requeued, resumed at "
              f"window {resumed[0]['resumed_at']} of epoch {resumed[0]['epoch']}; audit exact; "
              f"final weights vs uninterrupted: {diff:.1e}")

    def test_a_job_killed_with_scancel_then_requeued_resumes_at_its_last_commit(self):
        self.killed_and_requeued(
            "scancel-kill",
            lambda job: self.cluster.client("scancel", "--signal=KILL", "--full", job))

    def test_a_job_whose_every_process_dies_at_once_resumes_at_its_last_commit(self):
        def kill_everything(job):  # as a node that loses power
            p = self.cluster.client("scontrol", "listpids", job)
            pids = [int(row.split()[0]) for row in p.stdout.splitlines()[1:] if row.split()]
            self.assertGreaterEqual(len(pids), 4)  # the script, launch, mpirun, 3 ranks
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        self.killed_and_requeued("sigkill-all", kill_everything)

    def test_launch_ends_an_srun_step_whose_coordinator_died_without_leaving_its_ranks(self):
        run_dir = self.path("srun-coordinator-killed")
        job = self.submit("finetune.sbatch", run_dir, LAUNCHER="srun", INIT=self.reference,
                          COMMIT_EVERY="2", MAX_RESTARTS="1")
        wait_for(lambda: commits(run_dir) >= 2, "2 commits", timeout=120)
        with open(os.path.join(run_dir, "coordinator.json")) as f:
            coordinator = json.load(f)["pid"]
        rows = [r.split() for r in self.cluster.client("scontrol", "listpids", job).stdout.splitlines()[1:]]
        tasks = [int(r[0]) for r in rows if len(r) >= 5 and r[2] == "0" and r[3] != "-"]
        replicas = [pid for pid in tasks if pid != coordinator]
        self.assertEqual((coordinator in tasks, len(replicas)), (True, 2), rows)
        os.kill(coordinator, signal.SIGKILL)
        wait_for(lambda: "restarting from the newest checkpoint" in open(f"{run_dir}.out").read(),
                 "launch's restart", timeout=120)
        # launch restarts only once srun has exited, and srun (SIGTERMed, not
        # SIGKILLed) exits only once its tasks have: none of the first
        # attempt's replicas may still be running into the second.
        alive = [pid for pid in replicas if os.path.exists(f"/proc/{pid}")]
        self.assertEqual(alive, [])
        fields = self.cluster.wait_for(job, {"COMPLETED", "FAILED", "CANCELLED"})
        out = self.assert_completed(fields, run_dir)
        self.assertIn("restart 1 of 1", out)
        by_epoch = assert_nothing_lost_or_doubled(self, run_dir, 5)
        resumed = [line for lines in by_epoch.values() for line in lines if "resumed_at" in line]
        self.assertEqual(len(resumed), 1)
        print(f"srun step, coordinator SIGKILLed after 2 commits: launch ended the step, its 2 "
              f"replicas were gone at the restart, resumed at window {resumed[0]['resumed_at']} "
              f"of epoch {resumed[0]['epoch']}; audit exact")

    def test_a_loco_sweep_runs_each_fold_as_a_job_step_on_its_own_gpu(self):
        run_dir = self.path("sweep")
        job = self.cluster.sbatch(
            os.path.join(SCRIPTS, "loco_sweep.sbatch"), "--nodes=1", "--ntasks=2",
            "--cpus-per-task=1", "--gpus-per-node=2", f"--output={run_dir}.out", STORE=self.store,
            RUN_DIR=run_dir, GETPS=GETPS, INIT=self.reference, FOLDS="chr1,chr2",
            GETPS_FOLD_ARGS="--epochs 2 --batch-size 8 --lr 0.05")
        self.assert_completed(self.cluster.wait_for(job, {"COMPLETED", "FAILED"}), run_dir)
        with open(os.path.join(run_dir, "sweep.csv")) as f:
            rows = f.read().splitlines()
        self.assertTrue(any(r.startswith("chr1,") for r in rows) and any(r.startswith("chr2,") for r in rows), rows)
        folds, shares = {}, set()
        for name in ("chr1", "chr2"):
            with open(os.path.join(run_dir, f"fold-{name}", "fold.json")) as f:
                record = json.load(f)
            self.assertEqual(record["command"][:5], ["srun", "--exact", "--kill-on-bad-exit=1",
                                                     f"--job-name=fold-{name}", "--ntasks=1"])
            self.assertIn("--gres=gpu:1", record["command"])
            # Each step asks for half the job's CPUs on the node (the 2 folds
            # side by side; the check below that they overlapped says it fit).
            self.assertIn("--nodes=1", record["command"])
            shares.add(next(a for a in record["command"] if a.startswith("--cpus-per-task=")))
            [line] = slurm_lines(os.path.join(run_dir, f"fold-{name}"))
            self.assertEqual(line["job_id"], job)
            self.assertNotEqual(line["step_id"], "")
            folds[name] = (record["started"], record["finished"], line)
        steps = {line["step_id"] for _, _, line in folds.values()}
        self.assertEqual(len(steps), 2)
        self.assertEqual(len(shares), 1, shares)  # the same share for both
        (s1, e1, l1), (s2, e2, l2) = folds.values()
        side_by_side = s1 < e2 and s2 < e1
        self.assertTrue(side_by_side, folds)
        self.assertNotEqual(l1["visible_gpus"], l2["visible_gpus"])
        print(f"sweep job {job}: folds chr1, chr2 as steps {sorted(steps)}, side by side on "
              f"GPUs {l1['visible_gpus']} and {l2['visible_gpus']}, each {shares.pop()}")

    def test_an_explain_job_explains_every_gene_and_its_rerun_resumes(self):
        finetuned, out = self.path("explain-ft"), self.path("explain")
        run("train", "--store", self.store, "--run-dir", finetuned, "--init", self.reference,
            "--epochs", "1", "--batch-size", "8", "--quiet")
        for tasks in (3, 1):  # rank 0 and 2 replicas; then the rerun alone
            job = self.cluster.sbatch(
                os.path.join(SCRIPTS, "explain.sbatch"), "--cpus-per-task=1", f"--ntasks={tasks}",
                f"--gpus-per-node={slurm_cluster.GPUS}", f"--output={out}.out", STORE=self.store,
                CHECKPOINT=finetuned, OUT=out, CELLTYPES="celltype_0,celltype_1", GETPS=GETPS,
                GETPS_EXPLAIN_ARGS="--shard-genes 64")
            text = self.assert_completed(self.cluster.wait_for(job, {"COMPLETED", "FAILED"}), out)
        self.assertTrue(os.path.exists(os.path.join(out, "explain.html")))
        with open(os.path.join(out, "gene_by_motif.rows.tsv")) as f:
            genes = len(f.read().splitlines()) - 1
        self.assertGreater(genes, 100)
        self.assertIn(f"explained {genes} genes x cell types", text)
        self.assertIn("by 2 replicas", text)  # the first job: 3 tasks under mpirun
        self.assertIn("(0 of", text.splitlines()[-1])  # the rerun computed nothing
        print(f"explain.sbatch: {genes} genes x cell types by 2 replicas, the 1-task rerun resumed "
              "with every shard done")

    def test_srun_without_an_mpi_plugin_is_refused_with_the_fix(self):
        run_dir = self.path("no-plugin")
        p = self.cluster.client("srun", "--mpi=none", "--ntasks=3", "--cpus-per-task=1",
                                "--kill-on-bad-exit=1", GETPS, "train", "--sync", "mpi", "--store",
                                self.store, "--run-dir", run_dir, "--epochs", "1", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("srun started 3 tasks without an MPI plugin", p.stderr)
        self.assertIn("srun --mpi=pmix", p.stderr)
        print("srun --mpi=none -n 3 getps train --sync mpi: refused, naming srun --mpi=pmix")


if __name__ == "__main__":
    unittest.main(verbosity=2)

"""`getps sweep loco` on a tiny simulated world (4 chromosomes, CPU): every
fold's metrics present and a table with mean/min/max; re-running a finished
sweep trains nothing; a fold whose result is lost is the only one re-run; a
sweep killed mid-way re-runs only the missing folds (the interrupted one
resuming from its checkpoint); a
fold that cannot succeed is retried, reported and does not stop the others;
`sweep fraction` trains each share from the checkpoint and from scratch and
writes the transfer-learning curve; with --devices, folds are packed onto
GPUs --gpus-per-fold at a time (checked on CPU through each fold's
fold.json: overlapping folds never share a device). Every sweep ends with
its report.html.
(The learning level of LOCO is checked by learning_test.py; the folds here
train 2 epochs to stay quick.)"""
import csv
import itertools
import json
import os
import shutil
import signal
import subprocess
import time
import unittest

from getps_cli import GETPS, run, SimulatedStoreTest  # noqa: E402

TRAIN = ["--train", "--epochs 2 --batch-size 8 --lr 0.05"]


class Sweep(SimulatedStoreTest):
    def test_loco_table_resume_and_rerun_of_a_lost_fold(self):
        sweep = self.path("loco")
        p = run("sweep", "loco", "--store", self.store, "--run-dir", sweep, "--parallel", "2", *TRAIN)
        with open(os.path.join(sweep, "sweep.csv")) as f:
            rows = list(csv.DictReader(f))
        self.assertEqual([r["chromosome"] for r in rows], ["chr1", "chr2", "chr3", "chr4", "mean", "min", "max"])
        pearsons = [float(r["pearson"]) for r in rows[:4]]
        self.assertAlmostEqual(float(rows[4]["pearson"]), sum(pearsons) / 4, places=5)
        self.assertAlmostEqual(float(rows[5]["pearson"]), min(pearsons), places=5)
        self.assertAlmostEqual(float(rows[6]["pearson"]), max(pearsons), places=5)
        for r in rows[:4]:
            self.assertGreater(int(r["n"]), 100)
            # Beside ours, the reference's eval_tss definition (both strands of every TSS region).
            self.assertLessEqual(abs(float(r["pearson_reference_tss"])), 1.0, r)
            self.assertNotEqual(r["pearson_reference_tss"], r["pearson"], r)
        self.assertIn("| **mean** |", p.stdout)
        self.assertIn(f"report: {sweep}/report.html", p.stdout)
        with open(os.path.join(sweep, "report.html")) as f:
            html = f.read()
        for plot in ("plot-folds", "plot-loss", "plot-scatter", "plot-specificity"):
            self.assertIn(f'id="{plot}"', html)
        # Finished: nothing is trained again.
        p = run("sweep", "loco", "--store", self.store, "--run-dir", sweep, *TRAIN)
        self.assertIn("4 of 4 folds already done", p.stderr)
        self.assertNotIn("started", p.stderr)
        # A lost fold is the only one re-run.
        shutil.rmtree(os.path.join(sweep, "fold-chr3"))
        p = run("sweep", "loco", "--store", self.store, "--run-dir", sweep, *TRAIN)
        self.assertIn("3 of 4 folds already done", p.stderr)
        self.assertIn("fold chr3 started", p.stderr)
        self.assertEqual(p.stderr.count("started"), 1)

    def test_an_accessibility_sweep_scores_held_out_regions(self):
        sweep = self.path("loco-atac")
        p = run("sweep", "loco", "--store", self.store, "--run-dir", sweep, "--target", "atac",
                "--chromosomes", "chr1,chr2", "--parallel", "2", *TRAIN)
        with open(os.path.join(sweep, "sweep.csv")) as f:
            rows = list(csv.DictReader(f))
        self.assertEqual([r["chromosome"] for r in rows], ["chr1", "chr2", "mean", "min", "max"])
        self.assertNotIn("pearson_reference_tss", rows[0])  # eval_tss is an expression metric
        for r in rows[:2]:
            with open(os.path.join(sweep, f"fold-{r['chromosome']}", "metrics.jsonl")) as f:
                test = [json.loads(line) for line in f if '"kind":"test"' in line.replace(" ", "")][-1]
            self.assertEqual(test["target"], "atac")
            self.assertEqual(int(r["n"]), test["pooled"]["n"])
        self.assertIn(f"report: {sweep}/report.html", p.stdout)
        bad = run("sweep", "loco", "--store", self.store, "--run-dir", sweep, "--target", "methylation",
                  *TRAIN, check=False)
        self.assertEqual(bad.returncode, 2, bad.stderr)
        self.assertIn("--target", bad.stderr)

    def test_a_killed_sweep_finishes_only_the_missing_folds(self):
        # Kill the sweep and its running fold (SIGKILL to the process group)
        # once the first fold is done and the second has a checkpoint; the
        # re-run skips the first, resumes the second from its checkpoint and
        # trains the third.
        sweep = self.path("killed")
        args = [GETPS, "sweep", "loco", "--store", self.store, "--run-dir", sweep, "--folds", "chr1,chr2,chr3",
                "--train", "--epochs 6 --batch-size 8 --lr 0.05"]
        p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             start_new_session=True)
        second = os.path.join(sweep, "fold-chr2", "checkpoints")
        deadline = time.time() + 300
        while not (os.path.isdir(second) and any(d.startswith("step-") and "." not in d for d in os.listdir(second))):
            self.assertLess(time.time(), deadline, "the second fold never wrote a checkpoint")
            self.assertIsNone(p.poll(), "the sweep ended before it could be killed")
            time.sleep(0.02)
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        self.assertFalse(os.path.exists(os.path.join(sweep, "fold-chr3")))
        again = run("sweep", "loco", *args[3:])
        self.assertIn("1 of 3 folds already done", again.stderr)
        self.assertNotIn("fold chr1 started", again.stderr)
        with open(os.path.join(sweep, "fold-chr2", "train.log")) as f:
            self.assertIn("resuming from", f.read())
        with open(os.path.join(sweep, "sweep.csv")) as f:
            self.assertEqual([r["chromosome"] for r in csv.DictReader(f)][:3], ["chr1", "chr2", "chr3"])
        print("killed the sweep during fold chr2: the re-run skipped chr1, resumed chr2, trained chr3")

    def test_fraction_sweep_writes_the_transfer_learning_curve(self):
        init = self.path("init")
        run("train", "--store", self.store, "--run-dir", init, "--epochs", "1", "--batch-size", "8", "--quiet")
        sweep = self.path("fraction")
        run("sweep", "fraction", "--store", self.store, "--run-dir", sweep, "--init", init,
            "--leave-out-chromosomes", "chr4", "--fractions", "0.5,1", "--seeds", "1", "--parallel", "2", *TRAIN)
        with open(os.path.join(sweep, "curve.csv")) as f:
            curve = list(csv.DictReader(f))
        self.assertEqual([(r["fraction"], r["start"], r["seeds"]) for r in curve],
                         [("0.5", "pretrained", "1"), ("0.5", "scratch", "1"), ("1", "pretrained", "1"),
                          ("1", "scratch", "1")])

        def training_windows(fold):
            with open(os.path.join(sweep, f"fold-{fold}", "train.log")) as f:
                line = next(l for l in f if "finetune:" in l)
            return int(line.split("finetune: ")[1].split(" training")[0])

        half, full = training_windows("f0.5-scratch-s1"), training_windows("f1-scratch-s1")
        self.assertAlmostEqual(half / full, 0.5, delta=0.15)
        with open(os.path.join(sweep, "fold-f1-pretrained-s1", "train.log")) as f:
            self.assertIn("initialised from", f.read())

    def test_a_failing_fold_is_retried_reported_and_does_not_stop_the_others(self):
        sweep = self.path("failing")
        p = run("sweep", "loco", "--store", self.store, "--run-dir", sweep, "--chromosomes", "chr1,chrZ",
                "--retries", "1", *TRAIN, check=False)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("fold chrZ failed 2 times", p.stderr)
        self.assertIn("fold chr1 done", p.stderr)
        bad = run("sweep", "loco", "--store", self.store, "--run-dir", sweep, "--celltypes", "celltype_0",
                  check=False)
        self.assertEqual(bad.returncode, 2)
        self.assertIn("--celltypes belongs to another kind of sweep", bad.stderr)
        self.assertIn("1 fold(s) failed: chrZ", p.stderr)
        with open(os.path.join(sweep, "fold-chrZ", "train.log")) as f:
            self.assertIn("chrZ", f.read())


    @unittest.skipIf(shutil.which("mpirun") is None, "no mpirun (openmpi-bin)")
    @unittest.skipIf(os.path.exists("/dev/nvidia0"), "device ids are only taken as given without a GPU")
    def test_folds_are_packed_onto_devices_side_by_side(self):
        # 4 "GPUs" (ids are taken as given on a machine without CUDA), 2 per
        # fold: 2 folds at a time, each under mpirun with 2 replicas.
        sweep = self.path("packed")
        env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
        p = run("sweep", "loco", "--store", self.store, "--run-dir", sweep, "--devices", "0,1,2,3",
                "--gpus-per-fold", "2", "--folds", "chr1,chr2,chr3", "--train", "--epochs 1 --batch-size 4", env=env)
        self.assertIn("2 fold(s) at a time, 2 GPU(s) each", p.stderr)
        folds = {}
        for name in ("chr1", "chr2", "chr3"):
            with open(os.path.join(sweep, f"fold-{name}", "fold.json")) as f:
                folds[name] = json.load(f)
            rec = folds[name]
            self.assertEqual(rec["status"], 0)
            self.assertEqual(len(rec["devices"]), 2)
            self.assertLessEqual(set(rec["devices"]), {0, 1, 2, 3})
            self.assertEqual(rec["command"][:3], ["mpirun", "-np", "3"])
            with open(os.path.join(sweep, f"fold-{name}", "train.log")) as f:
                self.assertIn("on 2 replicas", f.read())
        print("fold placements:", {n: (r["devices"], round(r["finished"] - r["started"], 1)) for n, r in folds.items()})
        overlapping = 0
        for (a, ra), (b, rb) in itertools.combinations(folds.items(), 2):
            if ra["started"] < rb["finished"] and rb["started"] < ra["finished"]:
                overlapping += 1
                self.assertFalse(set(ra["devices"]) & set(rb["devices"]), f"{a} and {b} shared a device")
        self.assertGreaterEqual(overlapping, 1)  # two ran side by side
        # Three folds never overlap pairwise at a capacity of two.
        self.assertLess(overlapping, 3)
        bad = run("sweep", "loco", "--store", self.store, "--run-dir", sweep, "--devices", "0,1",
                  "--gpus-per-fold", "3", check=False)
        self.assertEqual(bad.returncode, 2)
        self.assertIn("--gpus-per-fold 3 exceeds the 2 GPU(s)", bad.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)

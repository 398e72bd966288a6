"""`getps simulate --individuals` (issue 21's test data) and what is built on
it:
- the cohort's VCF is BGZF with a tabix index that bcftools reads (every
  variant of the truth, phased, one column per individual);
- each gene's realised heritability, recomputed here from the VCF, the
  truth's effects and the people's expression tables, is the one the truth
  states, and the mean per level is near the target (0.1, 0.3, 0.6);
- all-reference genotypes give every person the reference store's features
  exactly, and the imported cohort's causal alleles change their TF's
  feature the way the truth says (destroy: down, create: up);
- `getps genotypes evaluate` holds out the people of a fold (every person
  in exactly one of K), its per-gene Pearsons are numpy's over the
  held-out people of its own predictions table, and the cis ridge's R2
  follows the simulated heritability (high for h2 = 0.6 genes, near zero
  for h2 = 0);
- `getps train --genotypes` (training by people, Variformer's loss) from
  the reference-trained model predicts held-out people's expression of the
  heritable genes far better than the reference model does, approaching
  sqrt(h2); its test record and predictions are the held-out people's; two
  replicas under mpirun (--sync mpi) equal one process with twice the
  batch; options that do not fit are refused; `sweep individuals` runs a
  fold per fold of people;
- `getps variant-effect` with a quickly trained model ranks the causal
  variants above the neutral ones by the largest |delta| over the genes it
  scores (AUROC; the model matters little here: neutral variants avoid the
  planted instances, so most change no motif score)."""
import csv
import gzip
import json
import os
import shutil
import subprocess
import unittest

import numpy as np

from getps_cli import (GETPS, MPI_ENV, mpirun, records, relative_difference, run, SimulatedStoreTest,
                       train_one_epoch, weights)

PEOPLE = 100
# Training by people (with --genes: the heritable genes' windows only), in
# batches of 16 people of one gene window.
PEOPLE_TRAINING = ("--epochs", "5", "--batch-size", "16", "--lr", "0.1")


def auroc(positive, negative):
    """P(a positive scores above a negative), ties counting half."""
    wins = sum((p > n) + 0.5 * (p == n) for p in positive for n in negative)
    return wins / (len(positive) * len(negative))


class Cohort(SimulatedStoreTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()  # a world and its store, without a cohort
        run("simulate", "--out", cls.world, "--scale", "tiny", "--seed", "1", "--individuals", str(PEOPLE),
            "--quiet")  # the same world again (deterministic), now with its cohort
        cls.cfg = os.path.join(cls.world, "featurize.cfg")
        cls.vcf = os.path.join(cls.world, "cohort.vcf.gz")
        with open(os.path.join(cls.world, "cohort_truth.json")) as f:
            cls.truth = json.load(f)
        with gzip.open(cls.vcf, "rt") as f:
            lines = [l.rstrip("\n").split("\t") for l in f if not l.startswith("##")]
        cls.header, cls.records = lines[0], lines[1:]
        cls.run_dir = os.path.join(cls.tmp.name, "run")
        train_one_epoch(cls.store, cls.run_dir)

    def test_the_vcf_is_indexed_and_read_by_bcftools(self):
        if not shutil.which("bcftools"):
            self.skipTest("bcftools is not installed (launch/setup.sh installs it)")
        self.assertTrue(os.path.exists(self.vcf + ".tbi"))
        out = subprocess.run(["bcftools", "view", "-H", self.vcf], check=True, capture_output=True, text=True)
        self.assertEqual(len(out.stdout.splitlines()), len(self.truth["variants"]))
        region = subprocess.run(["bcftools", "view", "-H", "-r", "chr2", self.vcf], check=True,
                                capture_output=True, text=True).stdout.splitlines()
        self.assertEqual(len(region), sum(v["chrom"] == "chr2" for v in self.truth["variants"]))
        self.assertEqual(self.header[9:], self.truth["individuals"])
        self.assertEqual(len(self.header), 9 + PEOPLE)
        self.assertTrue(all("|" in g for r in self.records for g in r[9:]))

    def test_realised_heritability_is_what_the_truth_says_and_near_the_target(self):
        celltypes = self.truth["celltypes"]
        dosage = {(r[0], int(r[1]), r[3], r[4]): np.array([int(g[0]) + int(g[2]) for g in r[9:]])
                  for r in self.records}
        genetic = {}
        for v in self.truth["variants"]:
            if v["causal"]:
                d = dosage[(v["chrom"], v["pos"], v["ref"], v["alt"])]
                for c in range(len(celltypes)):
                    genetic[(v["gene"], c)] = genetic.get((v["gene"], c), 0) + 0.5 * v["beta"][c] * d
        by_level = {}
        for c, ct in enumerate(celltypes):
            with open(os.path.join(self.world, "people", ct + ".tsv")) as f:
                rows = list(csv.reader(f, delimiter="\t"))
            self.assertEqual(rows[0][1:], self.truth["individuals"])
            for r in rows[1:]:
                gene, y = r[0], np.array([float(v) for v in r[1:]])
                want = self.truth["genes"][gene]
                if want["h2"] == 0:
                    self.assertNotIn((gene, c), genetic)
                    continue
                g = genetic[(gene, c)]
                got = np.corrcoef(g, y)[0, 1] ** 2 if g.std() > 0 else 0.0
                self.assertAlmostEqual(got, want["realised_h2"][c], delta=1e-4, msg=(gene, ct))
                by_level.setdefault(want["h2"], []).append(got)
        for h2, values in by_level.items():
            self.assertLess(abs(np.mean(values) - h2), 0.1, (h2, np.mean(values)))
        print("realised h2 by level: " + ", ".join(f"{h}: {np.mean(v):.3f} ({len(v)})" for h, v in sorted(by_level.items())))

    def test_all_reference_genotypes_give_the_reference_features(self):
        path = os.path.join(self.tmp.name, "all_ref.vcf")
        with gzip.open(self.vcf, "rt") as f, open(path, "w") as out:
            for line in f:
                if line.startswith("#"):
                    out.write(line)
                    continue
                r = line.rstrip("\n").split("\t")
                out.write("\t".join(r[:9] + ["0|0"] * (len(r) - 9)) + "\n")
        g = os.path.join(self.tmp.name, "g_ref")
        run("genotypes", "import", "--config", self.cfg, "--store", self.store, "--vcf", path, "--out", g, "--quiet")
        info = run("genotypes", "info", g).stdout
        self.assertIn("person_rows_changed\t0\n", info)
        ref = run("store", "region", "chr1", "--store", self.store).stdout.splitlines()
        for who in ("IND0001", f"IND{PEOPLE:04d}"):
            person = run("genotypes", "region", "chr1", "--genotypes", g, "--store", self.store,
                         "--individual", who).stdout.splitlines()
            # genotypes region prints every digit, store region six.
            self.assertEqual(len(person), len(ref))
            self.assertEqual(person[0], ref[0])
            for p, r in zip(person[1:], ref[1:]):
                p = p.split("\t")
                self.assertEqual(p[:2] + [f"{float(v):.6g}" for v in p[2:]], r.split("\t"))

    def test_variant_effect_ranks_the_causal_variants_first(self):
        run_dir = self.run_dir
        # chr1's variants, scored on the genes of its first 16 causal ones
        # (every gene would be some 40 windows per variant).
        variants = [v for v in self.truth["variants"] if v["chrom"] == "chr1"]
        genes = [v["gene"] for v in variants if v["causal"]][:16]
        variants = [v for v in variants if not v["causal"] or v["gene"] in genes]
        vcf = os.path.join(self.tmp.name, "chr1.vcf")
        with gzip.open(self.vcf, "rt") as f, open(vcf, "w") as out:
            wanted = {(v["chrom"], str(v["pos"])) for v in variants}
            out.writelines(l for l in f if l.startswith("#") or tuple(l.split("\t")[:2]) in wanted)
        out = os.path.join(self.tmp.name, "effects.tsv")
        run("variant-effect", "--config", self.cfg, "--checkpoint", run_dir, "--store", self.store,
            "--vcf", vcf, "--celltype", "celltype_0", "--genes", ",".join(genes), "--out", out, "--quiet")
        with open(out) as f:
            rows = list(csv.DictReader(f, delimiter="\t"))
        effect, changed = {}, {}
        for r in rows:
            key = (r["chrom"], int(r["pos"]), r["ref"], r["alt"])
            size = abs(float(r["delta"])) if r["status"] == "scored" else 0.0
            effect[key] = max(effect.get(key, 0.0), size)
            changed[key] = r["features_changed"]
        causal = [v for v in variants if v["causal"]]
        keys = lambda vs: [(v["chrom"], v["pos"], v["ref"], v["alt"]) for v in vs]
        self.assertEqual(set(effect), set(keys(variants)))
        # The causal allele changes its TF's feature as the truth says.
        agree = 0
        for v, key in zip(causal, keys(causal)):
            tf = f"TF{v['tf'] + 1:02d}"
            deltas = {c.rsplit(":", 1)[0]: float(c.rsplit(":", 1)[1])
                      for c in changed[key].split(",") if c != "."}
            agree += (deltas.get(tf, 0) < 0) if v["kind"] == "destroy" else (deltas.get(tf, 0) > 0)
        self.assertGreaterEqual(agree / len(causal), 0.8, (agree, len(causal)))
        neutral = [v for v in variants if not v["causal"]]
        score = auroc([effect[k] for k in keys(causal)], [effect[k] for k in keys(neutral)])
        self.assertGreaterEqual(score, 0.9)
        print(f"checked: {agree}/{len(causal)} causal alleles move their TF's feature as planted; "
              f"AUROC causal vs {len(neutral)} neutral: {score:.3f}")

    def evaluate(self, out, genes, fold=0, checkpoint=None):
        run("genotypes", "evaluate", "--checkpoint", checkpoint or self.run_dir, "--store", self.store, "--genotypes",
            self.genotypes(), "--celltype", "celltype_0", "--genes", ",".join(genes), "--individual-folds",
            "5", "--fold", str(fold), "--out", out, "--quiet")
        with open(os.path.join(out, "predictions.tsv")) as f:
            rows = list(csv.DictReader(f, delimiter="\t"))
        with open(os.path.join(out, "genes.tsv")) as f:
            genes = {r["gene"]: r for r in csv.DictReader(f, delimiter="\t")}
        return rows, genes

    @classmethod
    def genotypes(cls):
        path = os.path.join(cls.tmp.name, "g_people")
        if not os.path.exists(path):
            run("genotypes", "import", "--config", cls.cfg, "--store", cls.store, "--vcf", cls.vcf,
                "--expression-individuals", "celltype_0=" + os.path.join(cls.world, "people", "celltype_0.tsv"),
                "--out", path, "--quiet")
        return path

    def test_evaluate_holds_out_a_fold_and_its_ridge_follows_heritability(self):
        by_h2 = {}
        for name, g in self.truth["genes"].items():
            by_h2.setdefault(g["h2"], []).append(name)
        genes = by_h2[0.0][:12] + by_h2[0.6][:12]
        rows, table = self.evaluate(os.path.join(self.tmp.name, "eval0"), genes)
        held = {r["individual"] for r in rows if r["split"] == "test"}
        self.assertTrue(10 <= len(held) <= 30, len(held))
        for gene in genes:
            mine = [r for r in rows if r["gene"] == gene and r["split"] == "test"]
            obs = np.array([float(r["observed"]) for r in mine])
            for column, metric in (("predicted", "pearson"), ("ridge", "ridge_pearson")):
                x = np.array([float(r[column]) for r in mine])
                want = table[gene][metric]
                if x.std() == 0:
                    self.assertEqual(want, "nan")
                else:
                    self.assertAlmostEqual(float(want), np.corrcoef(x, obs)[0, 1], delta=1e-4)
        with open(os.path.join(self.tmp.name, "eval0", "evaluation.html")) as f:
            page = f.read()
        for plot, points in (("distribution", 2 * len(genes)), ("versus-cis", len(genes))):
            self.assertIn(f'id="plot-{plot}" data-points="{points}"', page)
        self.assertIn('id="plot-bins"', page)
        with open(os.path.join(self.tmp.name, "eval0", "summary.tsv")) as f:
            summary = {r["cis_r2_bin"]: r for r in csv.DictReader(f, delimiter="\t")}
        self.assertEqual(int(summary["all"]["genes"]), len(genes))
        self.assertEqual(sum(int(summary[b]["genes"]) for b in summary if b != "all"), len(genes))
        cis = {h2: np.mean([float(table[g]["cis_r2"]) for g in by_h2[h2][:12] if table[g]["cis_r2"] != "nan"])
               for h2 in (0.0, 0.6)}
        self.assertGreater(cis[0.6], 0.3, cis)
        self.assertGreater(cis[0.6] - cis[0.0], 0.2, cis)
        # Every person is held out in exactly one of the five folds.
        seen = []
        for fold in range(5):
            rows, _ = self.evaluate(os.path.join(self.tmp.name, f"fold{fold}"), genes[:1], fold)
            seen += [r["individual"] for r in rows if r["split"] == "test"]
        self.assertEqual(sorted(seen), sorted(self.truth["individuals"]))
        print(f"checked: {len(held)} held out; mean cis R2 {cis[0.0]:.3f} (h2 0) vs {cis[0.6]:.3f} (h2 0.6)")


    def test_training_by_people_beats_the_reference_model_across_held_out_people(self):
        heritable = [g for g, t in self.truth["genes"].items() if t["h2"] == 0.6][:12]
        people_run = os.path.join(self.tmp.name, "people_run")
        out = run("train", "--store", self.store, "--run-dir", people_run, "--init", self.run_dir,
                  "--genotypes", self.genotypes(), "--individual-folds", "5", "--fold", "0", "--loss",
                  "variformer", "--genes", ",".join(heritable), *PEOPLE_TRAINING, "--quiet").stdout
        self.assertIn("held-out people: median Pearson across them", out)
        with open(os.path.join(people_run, "metrics.jsonl")) as f:
            test = [json.loads(l) for l in f if '"kind":"test"' in l.replace(" ", "")][-1]
        self.assertGreater(test["across_people"]["entries"], 0)
        with open(os.path.join(people_run, "test_predictions.tsv")) as f:
            predicted = list(csv.DictReader(f, delimiter="\t"))
        with open(os.path.join(people_run, "report.html")) as f:
            page = f.read()
        self.assertIn("Across held-out people", page)
        self.assertIn(f"Predicted vs observed, {len(predicted)} held-out TSS entries", page)
        median = {}
        for name, checkpoint in (("reference", self.run_dir), ("people", people_run)):
            rows, table = self.evaluate(os.path.join(self.tmp.name, "by_" + name), heritable,
                                        checkpoint=checkpoint)
            # Training held out the people evaluate holds out (fold 0 of 5).
            held = {r["individual"] for r in rows if r["split"] == "test"}
            self.assertEqual({r["individual"] for r in predicted}, held)
            median[name] = float(np.median([float(table[g]["pearson"]) for g in heritable
                                            if table[g]["pearson"] != "nan"] or [0.0]))
        self.assertGreater(median["people"], median["reference"] + 0.15, median)
        self.assertGreater(median["people"], 0.6 * np.sqrt(0.6), median)
        print(f"checked: median Pearson across held-out people of h2 0.6 genes: reference-trained "
              f"{median['reference']:.3f}, trained by people {median['people']:.3f} "
              f"(sqrt(h2) {np.sqrt(0.6):.3f}); trainer's own median {test['across_people']['median_pearson']}")


    def test_people_options_are_refused_where_they_make_no_sense(self):
        base = ("train", "--store", self.store, "--run-dir", os.path.join(self.tmp.name, "refused"), "--quiet")
        for extra, says in (
                (("--loss", "variformer"), "--loss variformer needs --genotypes"),
                (("--individual-folds", "5", "--fold", "1"), "need --genotypes"),
                (("--genotypes", self.genotypes()), "--genotypes needs the held-out people"),
                (("--genotypes", self.genotypes(), "--individual-folds", "5", "--mode", "pretrain"),
                 "--genotypes trains expression"),
                (("--genotypes", self.genotypes(), "--leave-out-individuals", "NOBODY"), "no individual 'NOBODY'"),
                (("--genotypes", self.genotypes(), "--individual-folds", "5", "--genes", "NOGENE"), "NOGENE"),
                (("--genotypes", self.genotypes(), "--individual-folds", "5", "--loss", "variformer",
                  "--batch-size", "1000"), "lower --batch-size"),
                (("--loss", "mse"), "--loss")):
            p = run(*base, *extra, check=False)
            self.assertEqual(p.returncode, 2, (extra, p.stderr))
            self.assertIn(says, p.stderr, extra)

    def test_sweep_individuals_trains_a_fold_per_fold_of_people(self):
        heritable = [g for g, t in self.truth["genes"].items() if t["h2"] == 0.6][:4]
        sweep = os.path.join(self.tmp.name, "sweep")
        out = run("sweep", "individuals", "--store", self.store, "--run-dir", sweep, "--init", self.run_dir,
                  "--genotypes", self.genotypes(), "--individual-folds", "5", "--folds", "0,3", "--train",
                  "--epochs 1 --batch-size 16 --loss variformer --genes " + ",".join(heritable)).stdout
        self.assertIn("median Pearson across people", out)
        with open(os.path.join(sweep, "sweep.csv")) as f:
            rows = {r["people_fold"]: r for r in csv.DictReader(f)}
        self.assertEqual(set(rows), {"0", "3", "mean", "min", "max"})
        for k in ("0", "3"):
            with open(os.path.join(sweep, "fold-" + k, "metrics.jsonl")) as f:
                test = [json.loads(l) for l in f if json.loads(l)["kind"] == "test"][-1]
            want = test["across_people"]["median_pearson"]
            self.assertAlmostEqual(float(rows[k]["median_pearson_across_people"]), want, places=5)
            with open(os.path.join(sweep, "fold-" + k, "test_predictions.tsv")) as f:
                held = {r["individual"] for r in csv.DictReader(f, delimiter="\t")}
            rows_eval, _ = self.evaluate(os.path.join(self.tmp.name, "sweep_eval" + k), heritable[:1], int(k))
            self.assertEqual(held, {r["individual"] for r in rows_eval if r["split"] == "test"})


    def test_two_replicas_by_people_equal_one_process_with_twice_the_batch(self):
        genes = [g for g, t in self.truth["genes"].items() if t["h2"] == 0.6][:4]
        args = ["--store", self.store, "--init", self.run_dir, "--genotypes", self.genotypes(),
                "--individual-folds", "5", "--fold", "0", "--genes", ",".join(genes), "--epochs", "1",
                "--lr", "0.05", "--drop-path", "0", "--quiet"]
        single, pair = os.path.join(self.tmp.name, "single"), os.path.join(self.tmp.name, "pair")
        run("train", "--run-dir", single, "--batch-size", "8", *args)
        p = subprocess.run([*mpirun(3), GETPS, "train", "--sync", "mpi", "--bind", "tcp://127.0.0.1:0",
                            "--timeout", "120", "--run-dir", pair, "--batch-size", "4", *args],
                           capture_output=True, text=True, env=MPI_ENV, timeout=600)
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        steps = records(single)[-1]["step"]
        self.assertGreater(steps, 5)
        self.assertEqual(records(pair)[-1]["step"], steps)
        self.assertLess(relative_difference(weights(single, steps), weights(pair, steps)), 1e-5)


if __name__ == "__main__":
    unittest.main()

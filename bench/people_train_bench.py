"""Training by people (`getps train --genotypes`) beside training on the
reference, one core, in the same run: windows/s and where the time went.

A `getps simulate --individuals N` world is featurized and its cohort
imported with per-person expression. Then one epoch of each, the small
model, --batch-size B, OMP_NUM_THREADS=1: (a) fine-tuning on the reference
store's stride-100 windows; (b) by people, Poisson loss; (c) by people,
Variformer's loss (batches of one gene window's people); (b) and (c) on
--train-fraction of the (person, gene window) pairs. Reported from each run's
validation records (metrics.jsonl `throughput`, summed over epochs): windows, windows/s, compute
and data-wait seconds, and (b)/(a), (c)/(a).

  python bench/people_train_bench.py GETPS_BIN [--individuals 100] [--batch-size 16] [--train-fraction 0.1] [--out DIR]"""
import argparse
import json
import os
import shutil
import subprocess
import tempfile


def sh(*args, env=None):
    return subprocess.run([str(a) for a in args], check=True, capture_output=True, text=True, env=env)


def throughput(run_dir):
    with open(os.path.join(run_dir, "metrics.jsonl")) as f:
        records = [json.loads(l) for l in f]
    epochs = [r["throughput"][0] for r in records if r["kind"] == "validation"]
    return {k: sum(e[k] for e in epochs) for k in ("windows", "wall_s", "compute_s", "data_wait_s")}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("getps")
    p.add_argument("--individuals", type=int, default=100)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--train-fraction", default="0.1", help="of the (person, gene window) pairs")
    p.add_argument("--out", default="")
    a = p.parse_args()
    work = a.out or tempfile.mkdtemp(prefix="getps_people_train_bench_")
    os.makedirs(work, exist_ok=True)
    env = dict(os.environ, OMP_NUM_THREADS="1")
    world, store, g = (os.path.join(work, n) for n in ("world", "store", "g"))
    sh(a.getps, "simulate", "--out", world, "--scale", "tiny", "--seed", "1", "--individuals",
       a.individuals, "--quiet")
    cfg = os.path.join(world, "featurize.cfg")
    sh(a.getps, "featurize", "--config", cfg, "--out", store, "--quiet")
    sh(a.getps, "genotypes", "import", "--config", cfg, "--store", store, "--vcf",
       os.path.join(world, "cohort.vcf.gz"), "--expression-individuals",
       "celltype_0=" + os.path.join(world, "people", "celltype_0.tsv"), "--out", g, "--quiet")
    common = ["--batch-size", a.batch_size, "--validation-fraction", "0.1", "--quiet"]
    runs = {}
    ref_dir = os.path.join(work, "reference")
    # The reference's epochs are short (the tiny world has few windows): ten.
    sh(a.getps, "train", "--store", store, "--run-dir", ref_dir, *common, "--epochs", "10", "--patience",
       "100", env=env)
    runs["reference"] = throughput(ref_dir)
    for loss in ("poisson", "variformer"):
        d = os.path.join(work, "people_" + loss)
        sh(a.getps, "train", "--store", store, "--run-dir", d, "--genotypes", g, "--individual-folds",
           "5", "--fold", "0", "--loss", loss, "--train-fraction", a.train_fraction, "--epochs", "1", *common, env=env)
        runs["people, " + loss] = throughput(d)
    for t in runs.values():
        t["samples_per_s"] = t["windows"] / t["wall_s"]
    base = runs["reference"]["samples_per_s"]
    print("| run | windows | windows/s | compute s | data wait s | vs reference |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, t in runs.items():
        print(f"| {name} | {t['windows']:.0f} | {t['samples_per_s']:.1f} | {t['compute_s']:.1f} | "
              f"{t['data_wait_s']:.2f} | {t['samples_per_s'] / base:.2f}x |")
    if not a.out:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

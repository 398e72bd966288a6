"""`getps variant-effect` throughput on one core, beside the PyTorch
reference model (tests/get_reference.py) running the same forward passes
in the same run.

A `getps simulate` world is featurized and a model fine-tuned for one epoch
(the small model: dim 128, depth 4). A sites-only VCF of V SNVs (half inside
peaks, the rest anywhere) is scored on every gene of one cell type with
--threads 1 and OMP_NUM_THREADS=1. The reference: the PyTorch model's
forward passes over as many windows as getps scored (the scored rows plus
one reference window per forward pass), in batches of the same size, on one
thread; plus one backward pass per gene. Reported: variants/s and scored
rows/s end to end (import and rescan included), and getps's windows/s over
PyTorch's.

  python bench/variant_effect_bench.py GETPS_BIN [--scale tiny] [--variants 2000] [--out DIR]"""
import argparse
import csv
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))
from fasta_io import read_fasta  # noqa: E402
from get_reference import best_of_run  # noqa: E402

sys.path.insert(0, HERE)
from genotypes_bench import pick_sites  # noqa: E402


def sh(*args, env=None):
    subprocess.run([str(a) for a in args], check=True, stdout=subprocess.DEVNULL, env=env)


def write_sites(path, genome, peaks, variants, rng):
    with open(path, "w") as f:
        f.write("##fileformat=VCFv4.2\n")
        for c, s in genome.items():
            f.write(f"##contig=<ID={c},length={len(s)}>\n")
        f.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
        for c, pos in pick_sites(genome, peaks, variants, rng):
            ref = genome[c][pos]
            f.write(f"{c}\t{pos + 1}\t.\t{ref}\t{rng.choice([b for b in 'ACGT' if b != ref])}\t.\t.\t.\n")


def reference_seconds(model, windows, genes, batch, features):
    """PyTorch: `windows` windows forward in batches of `batch`, and `genes`
    forward + backward passes of one window."""
    torch.manual_seed(0)
    x = torch.rand(batch, 200, features)
    start = time.perf_counter()
    with torch.no_grad():
        for first in range(0, windows, batch):
            model(x[:min(batch, windows - first)])
    for _ in range(genes):
        one = x[:1].clone().requires_grad_(True)
        model(one)["expression"][0, 100, 0].backward()
    return time.perf_counter() - start


def main():
    p = argparse.ArgumentParser()
    p.add_argument("getps")
    p.add_argument("--scale", default="tiny")
    p.add_argument("--variants", type=int, default=2000)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--out", default="")
    a = p.parse_args()
    work = a.out or tempfile.mkdtemp(prefix="getps_variant_effect_bench_")
    os.makedirs(work, exist_ok=True)
    env = dict(os.environ, OMP_NUM_THREADS="1")
    torch.set_num_threads(1)
    world, store, run_dir = (os.path.join(work, n) for n in ("world", "store", "run"))
    sh(a.getps, "simulate", "--out", world, "--scale", a.scale, "--seed", "4", "--quiet")
    cfg = os.path.join(world, "featurize.cfg")
    sh(a.getps, "featurize", "--config", cfg, "--out", store, "--quiet")
    sh(a.getps, "train", "--store", store, "--run-dir", run_dir, "--epochs", "1", "--batch-size", "8",
       "--quiet", env=env)
    genome = read_fasta(os.path.join(world, "genome.fa"))
    with open(os.path.join(world, "peaks.bed")) as f:
        peaks = [(c, int(s), int(e)) for c, s, e, *_ in (l.split("\t") for l in f)]
    vcf = os.path.join(work, "sites.vcf")
    write_sites(vcf, genome, peaks, a.variants, random.Random(7))
    out = os.path.join(work, "effects.tsv")
    start = time.perf_counter()
    sh(a.getps, "variant-effect", "--config", cfg, "--checkpoint", run_dir, "--store", store, "--vcf",
       vcf, "--celltype", "celltype_1", "--out", out, "--threads", "1", "--batch-size", a.batch_size,
       "--quiet", env=env)
    seconds = time.perf_counter() - start
    with open(out) as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    scored = [r for r in rows if r["status"] == "scored"]
    genes = {r["gene"] for r in scored}
    by_gene = {}
    for r in scored:
        by_gene[r["gene"]] = by_gene.get(r["gene"], 0) + 1
    windows = sum(n + -(-n // a.batch_size) for n in by_gene.values())  # + a reference per pass
    model = best_of_run(run_dir)
    features = model.region_embed.embed.weight.shape[1]
    ref_seconds = reference_seconds(model, windows, len(genes), a.batch_size, features)
    statuses = {}
    for r in rows:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    print(f"variants {a.variants}, rows {len(rows)} {statuses}")
    print(f"getps variant-effect, 1 core: {seconds:.2f} s, {a.variants / seconds:.0f} variants/s, "
          f"{len(scored) / seconds:.0f} scored rows/s ({len(genes)} genes, {windows} windows)")
    print(f"PyTorch reference, the same {windows} windows forward + {len(genes)} backward: "
          f"{ref_seconds:.2f} s; getps end to end / PyTorch model time = {seconds / ref_seconds:.2f}")
    if not a.out:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

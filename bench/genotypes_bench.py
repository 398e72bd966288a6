"""`getps genotypes import` throughput on a simulated cohort, beside
bcftools reading the same records (the reference, same run).

A `getps simulate` world is featurized; a phased VCF of N individuals is
written with V biallelic variants (70 % SNVs, 30 % indels of 1-10 bases;
half of them inside peaks, the rest anywhere), allele frequencies from a
Beta(0.5, 2) spectrum, bgzipped and indexed by bcftools. Timed, each once:
`bcftools view -R peaks.bed` (reading what the import reads), the import
with --threads 1 and 2, and with --rescan whole (every base of an edited
region scanned, as before local_rescan.h) on 1 thread. With --motifs-dir
(../shared/data/motifs/vierstra-v1.0) the store and the import use the
real 2,179 motifs and 282 cluster features instead of the world's own.

  python bench/genotypes_bench.py GETPS_BIN [--scale small] [--variants 100000]
                                  [--individuals 100] [--motifs-dir DIR] [--out DIR]"""
import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from fasta_io import read_fasta  # noqa: E402


def pick_sites(genome, peaks, variants, rng):
    """`variants` distinct (chrom, 0-based pos): half inside peaks, half
    anywhere, each an ACGT base followed by 11 bases without N."""
    sites = set()
    chroms = list(genome)
    while len(sites) < variants:
        if rng.random() < 0.5:
            c, s, e = rng.choice(peaks)
            pos = rng.randrange(s, e)
        else:
            c = rng.choice(chroms)
            pos = rng.randrange(1, len(genome[c]) - 20)
        if genome[c][pos] in "ACGT" and genome[c][pos + 1:pos + 12].count("N") == 0:
            sites.add((c, pos))
    return sorted(sites, key=lambda x: (chroms.index(x[0]), x[1]))


def write_vcf(path, genome, peaks, variants, individuals, rng):
    sites = pick_sites(genome, peaks, variants, rng)
    with open(path, "w") as f:
        f.write("##fileformat=VCFv4.2\n")
        for c, s in genome.items():
            f.write(f"##contig=<ID={c},length={len(s)}>\n")
        f.write('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n')
        f.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" +
                "\t".join(f"P{i:04d}" for i in range(individuals)) + "\n")
        for c, pos in sites:
            seq, kind = genome[c], rng.random()
            ref = seq[pos]
            if kind < 0.7:
                alt = rng.choice([b for b in "ACGT" if b != ref])
            elif kind < 0.85:
                alt = ref + "".join(rng.choice("ACGT") for _ in range(rng.randint(1, 10)))
            else:
                ref = seq[pos:pos + 1 + rng.randint(1, 10)]
                alt = ref[0]
            af = rng.betavariate(0.5, 2)
            calls = "\t".join(f"{int(rng.random() < af)}|{int(rng.random() < af)}" for _ in range(individuals))
            f.write(f"{c}\t{pos + 1}\t.\t{ref}\t{alt}\t60\tPASS\t.\tGT\t{calls}\n")


def timed(cmd, **kw):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode:
        sys.exit(f"{' '.join(cmd)} failed: {p.stderr}")
    return time.perf_counter() - t0, p


def du(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("getps")
    ap.add_argument("--scale", default="small")
    ap.add_argument("--variants", type=int, default=100000)
    ap.add_argument("--individuals", type=int, default=100)
    ap.add_argument("--motifs-dir", default="")
    ap.add_argument("--out", default="")
    a = ap.parse_args()
    d = a.out or tempfile.mkdtemp(prefix="getps_genotypes_bench_")
    os.makedirs(d, exist_ok=True)
    world, store = os.path.join(d, "world"), os.path.join(d, "store")
    cfg = os.path.join(world, "featurize.cfg")
    motifs = []
    if a.motifs_dir:
        m = a.motifs_dir
        motifs = ["--motifs", ",".join(sorted(os.path.join(m, f) for f in os.listdir(m) if f.endswith(".meme"))),
                  "--clusters", os.path.join(m, "clusters.0.70.txt"),
                  "--cluster-names", os.path.join(m, "motif_annotations.csv")]
    if not os.path.exists(store):
        if not os.path.exists(cfg):
            subprocess.run([a.getps, "simulate", "--out", world, "--scale", a.scale, "--quiet"], check=True)
        subprocess.run([a.getps, "featurize", "--config", cfg, "--out", store, "--quiet", *motifs], check=True)
    genome = read_fasta(os.path.join(world, "genome.fa"), upper=True)
    peaks = [(c, int(s), int(e)) for c, s, e, *_ in (l.split("\t") for l in open(os.path.join(world, "peaks.bed")))]
    vcf = os.path.join(d, "cohort.vcf")
    write_vcf(vcf, genome, peaks, a.variants, a.individuals, random.Random(7))
    subprocess.run(["bcftools", "view", "-Oz", "-o", vcf + ".gz", vcf], check=True)
    subprocess.run(["bcftools", "index", "-t", vcf + ".gz"], check=True)
    bed = os.path.join(world, "peaks.bed")
    t_ref, _ = timed(["bcftools", "view", "-H", "-R", bed, vcf + ".gz", "-o", os.devnull])
    print(f"world {a.scale}: {len(peaks)} peaks; cohort: {a.variants} variants x {a.individuals} individuals")
    print(f"bcftools view -R peaks.bed (reference): {t_ref:.2f} s")
    for threads, rescan in ((1, "local"), (2, "local"), (1, "whole")):
        out = os.path.join(d, f"g{threads}{rescan}")
        t, p = timed([a.getps, "genotypes", "import", "--config", cfg, "--store", store, "--vcf", vcf + ".gz",
                      "--out", out, "--overwrite", "--threads", str(threads), "--rescan", rescan, "--quiet",
                      *motifs])
        info = dict(l.split("\t") for l in subprocess.run([a.getps, "genotypes", "info", out], capture_output=True,
                                                            text=True, check=True).stdout.splitlines() if "\t" in l)
        alleles = int(info["alleles_in_regions"])
        size = du(out)
        print(f"import --threads {threads} --rescan {rescan}: {t:.2f} s ({t / t_ref:.1f}x bcftools); {int(info['records'])} records "
              f"read, {alleles} alleles in {info['regions_changed']} regions, {alleles / t / threads:.0f} "
              f"alleles/s per core; {t * 1e6 / a.variants:.1f} s per 1 M variants, "
              f"{t * 100 / a.individuals:.2f} s per 100 individuals (at this variant count); store "
              f"{size / 1e6:.1f} MB, {size / a.individuals / 1e3:.1f} KB per individual")
    if not a.out:
        shutil.rmtree(d)


if __name__ == "__main__":
    main()

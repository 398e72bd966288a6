"""`getps simulate` -> `getps featurize --config` end to end: determinism by
seed, the tabix index, the store's contents against the world's truth
(planted motif instances found as features; one TSS flag per gene; labels
equal the expression table), and featurize's errors on bad input."""
import hashlib
import json
import os
import random
import subprocess
import sys
import unittest

from getps_cli import GETPS, run, SimulatedStoreTest  # noqa: E402



def digest(directory):
    h = hashlib.sha256()
    for name in sorted(os.listdir(directory)):
        if name in ("featurize.cfg",):
            continue
        with open(os.path.join(directory, name), "rb") as f:
            h.update(name.encode() + f.read())
    return h.hexdigest()


def table(text):
    lines = text.splitlines()
    header = lines[0].split("\t")
    return header, [l.split("\t") for l in lines[1:]]


class SimulateFeaturize(SimulatedStoreTest):
    # Featurized from another directory: config paths are relative to the config file.
    STORES = [{"seed": "7", "cwd": "/"}]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with open(os.path.join(cls.world, "truth.json")) as f:
            cls.truth = json.load(f)

    def test_deterministic_by_seed(self):
        again = os.path.join(self.tmp.name, "again")
        other = os.path.join(self.tmp.name, "other")
        run("simulate", "--out", again, "--seed", "7", "--quiet")
        run("simulate", "--out", other, "--seed", "8", "--quiet")
        self.assertEqual(digest(self.world), digest(again))
        self.assertNotEqual(digest(self.world), digest(other))

    def test_fragments_are_bgzf_with_a_tabix_index(self):
        out = subprocess.run(["tabix", os.path.join(self.world, "fragments.tsv.gz"), "chr2:1-200000"],
                             capture_output=True, text=True)
        if out.returncode == 127:
            self.skipTest("tabix missing")
        self.assertEqual(out.returncode, 0, out.stderr)
        rows = [l.split("\t") for l in out.stdout.splitlines()]
        self.assertGreater(len(rows), 100)
        self.assertTrue(all(r[0] == "chr2" and int(r[1]) < 200000 for r in rows))

    def test_planted_instances_become_features(self):
        raw, names = {}, None
        for k in range(4):
            h, rows = table(run("store", "region", f"chr{k + 1}", "--store", self.store).stdout)
            raw[k] = [[float(x) for x in r[2:]] for r in rows]
            names = h[2:]
        # (chromosome, region, feature) cells holding at least one planted instance
        planted = {(k, i, names.index(f"TF{tf + 1:02d}")) for k, i, tf, _ in self.truth["planted"]}
        found = sum(raw[k][i][col] > 0 for k, i, col in planted)
        # Instances are drawn from the PWMs, so some miss the p = 1e-4 threshold,
        # as real sites do; chance matches elsewhere must be far rarer.
        recall = found / len(planted)
        background = [raw[k][i][c] > 0 for k in raw for i in range(len(raw[k])) for c in range(len(names))
                      if (k, i, c) not in planted]
        false_rate = sum(background) / len(background)
        self.assertGreater(len(planted), 5000)
        self.assertGreater(recall, 0.8)
        self.assertLess(false_rate, 0.1)
        print(f"checked: {recall:.3f} of {len(planted)} region x TF cells with planted instances scored; chance matches in "
              f"{false_rate:.3f} of other region x TF cells")

    def test_labels_follow_the_expression_table_and_gtf(self):
        expr = {}
        with open(os.path.join(self.world, "expression.tsv")) as f:
            next(f)
            for line in f:
                g, *vals = line.split("\t")
                expr[g] = [float(v) for v in vals]
        genes = 0
        import math
        for gene in list(expr)[:40]:
            p = run("store", "gene", gene, "--store", self.store, "--celltype", "celltype_1", check=False)
            if p.returncode != 0:
                self.assertIn("is not accessible in celltype_1", p.stderr)
                continue
            row = [l for l in p.stdout.splitlines() if l.split("\t")[0].endswith("*")][0].split("\t")
            header = [l for l in p.stdout.splitlines() if l.startswith("row\t")][0].split("\t")
            strand = "plus" if "(+ strand" in p.stdout.splitlines()[0] else "minus"
            got = float(row[header.index(f"exp_{strand}")])
            self.assertAlmostEqual(got, math.log10(expr[gene][1] + 1), places=4)
            self.assertEqual(row[header.index(f"tss_{strand}")], "1")
            genes += 1
        self.assertGreater(genes, 20)

    def test_device_scan_path_equals_the_simd_scanner(self):
        outs = []
        for device in ("cpu", "torch-cpu"):
            out = os.path.join(self.tmp.name, f"scan-{device}.tsv")
            run("scan", "--genome", os.path.join(self.world, "genome.fa"), "--regions",
                os.path.join(self.world, "peaks.bed"), "--motifs", os.path.join(self.world, "motifs.meme"),
                "--device", device, "--out", out, "--quiet")
            with open(out) as f:
                outs.append(f.read())
        self.assertEqual(outs[0], outs[1])
        self.assertGreater(outs[0].count("\n"), 1000)
        p = run("scan", "--genome", os.path.join(self.world, "genome.fa"), "--regions",
                os.path.join(self.world, "peaks.bed"), "--motifs", os.path.join(self.world, "motifs.meme"),
                "--device", "cuda", "--quiet", check=False)
        if p.returncode != 0:  # no GPU here: a clear refusal
            self.assertIn("--device cuda", p.stderr)

    def test_device_scan_memory_is_bounded(self):
        # 1,000 random motifs (2,000 PSSMs) over 200 peaks (about 100 kbp): one
        # convolution of all would hold 2,000 x 100 k x 5 B = 1 GB of scores.
        motifs, peaks = os.path.join(self.tmp.name, "random1000.meme"), os.path.join(self.tmp.name, "p200.bed")
        rng = random.Random(4)
        with open(motifs, "w") as g:
            g.write("MEME version 4\n\nALPHABET= ACGT\n\nstrands: + -\n\n")
            for m in range(1000):
                width = rng.randint(6, 16)
                g.write(f"MOTIF R{m}\nletter-probability matrix: alength= 4 w= {width}\n")
                for _ in range(width):
                    row = [round(rng.random() ** 3, 3) + 0.001 for _ in range(4)]
                    g.write(" ".join(f"{v / sum(row):.6f}" for v in row) + "\n")
                g.write("\n")
        with open(os.path.join(self.world, "peaks.bed")) as f, open(peaks, "w") as g:
            g.writelines(f.readlines()[:200])
        wrapper = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
                   "stdout=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")

        def peak_mb(*args, binary=GETPS):  # this command's peak resident memory alone
            p = subprocess.run([sys.executable, "-c", wrapper, binary, *args], capture_output=True,
                               text=True, check=True)
            return int(p.stdout.split()[-1]) >> 10
        # What the binary that scans on a device (getps-model, which getps
        # runs for --device) takes before scanning: LibTorch, more in a CUDA build.
        baseline = peak_mb("--version", binary=os.path.join(os.path.dirname(GETPS), "getps-model"))
        outs = []
        for device in ("cpu", "torch-cpu"):
            out = os.path.join(self.tmp.name, f"random-{device}.tsv")
            scan_mb = peak_mb("scan", "--genome", os.path.join(self.world, "genome.fa"), "--regions", peaks,
                              "--motifs", motifs, "--device", device, "--background", "uniform", "--out", out,
                              "--quiet")
            with open(out) as f:
                outs.append(f.read())
        self.assertEqual(outs[0], outs[1])
        self.assertGreater(outs[0].count("\n"), 100)
        # 256 MB per convolution (measured 430 MB above the start; 1.5 GB unbounded).
        self.assertLess(scan_mb - baseline, 700)
        print(f"checked: torch-cpu scan of 2,000 PSSMs x 200 peaks peaked at {scan_mb} MB, "
              f"{scan_mb - baseline} MB above the binary's start")

    def test_chrom_map_and_an_empty_cell_type(self):
        # Peaks named "1".."4" against a genome with "chr1".."chr4"; a third
        # cell type whose barcodes have no fragments.
        peaks = os.path.join(self.tmp.name, "renamed.bed")
        with open(os.path.join(self.world, "peaks.bed")) as f, open(peaks, "w") as g:
            for line in f:
                g.write(line[3:])
        cmap = os.path.join(self.tmp.name, "map.tsv")
        with open(cmap, "w") as f:
            f.write("".join(f"{k}\tchr{k}\n" for k in range(1, 5)))
        barcodes = os.path.join(self.tmp.name, "bc.tsv")
        with open(os.path.join(self.world, "barcodes.tsv")) as f, open(barcodes, "w") as g:
            g.write(f.read())
            g.write("".join(f"GHOST-{i}\tghost\n" for i in range(600)))
        store = os.path.join(self.tmp.name, "mapped")
        p = run("featurize", "--config", os.path.join(self.world, "featurize.cfg"), "--peaks", peaks, "--chrom-map",
                cmap, "--barcodes", barcodes, "--out", store, "--quiet", check=False)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("skipping cell type ghost: library size 0", p.stderr)
        info = run("store", "info", "--store", store).stdout
        self.assertIn("regions        2800 on 4 chromosomes", info)
        _, rows = table(run("store", "region", "1:1-100000", "--store", store).stdout)
        _, want = table(run("store", "region", "chr1:1-100000", "--store", self.store).stdout)
        self.assertEqual([r[2:] for r in rows], [r[2:] for r in want])  # same sequence, same features

    def test_featurize_errors(self):
        bad_peaks = os.path.join(self.tmp.name, "bad.bed")
        with open(bad_peaks, "w") as f:
            f.write("chr1\t100\t200\nchr9\t100\t200\n")
        p = run("featurize", "--config", os.path.join(self.world, "featurize.cfg"), "--peaks", bad_peaks,
                "--out", os.path.join(self.tmp.name, "x"), "--quiet", check=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("peak chromosome 'chr9' is not in genome", p.stderr)
        p = run("featurize", "--config", os.path.join(self.world, "featurize.cfg"), "--min-cells", "100000",
                "--out", os.path.join(self.tmp.name, "y"), "--quiet", check=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("skipping cell type celltype_0: 600 cells < --min-cells 100000", p.stderr)
        self.assertIn("every cell type was skipped", p.stderr)

    def test_bad_labels_are_reported_before_the_store_is_created_or_scanned(self):
        # The config takes labels from rna.h5; --rna "" (the command line wins) lets
        # --expression stand in.
        for flag, name in (("--gtf", "genes.gtf"), ("--expression", "expression.tsv")):
            with self.subTest(input=flag):
                bad = os.path.join(self.tmp.name, "bad-" + name)
                with open(os.path.join(self.world, name)) as f, open(bad, "w") as g:
                    g.write("this line is not " + name + "\n" + f.read())
                out = os.path.join(self.tmp.name, "late-" + name)
                p = run("featurize", "--config", os.path.join(self.world, "featurize.cfg"), flag, bad,
                        "--rna", "", "--out", out, check=False)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn(bad + ":", p.stderr)  # file:line
                self.assertNotIn("info] scan:", p.stderr)  # nothing was scanned
                self.assertFalse(os.path.exists(out) or os.path.exists(out + ".writing"))


if __name__ == "__main__":
    unittest.main(verbosity=2)

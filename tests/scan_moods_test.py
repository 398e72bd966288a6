"""`getps scan` against MOODS (MOODS-python, the oracle) on the real GRCh38
chr1:1-549,900 with the 2,179 Vierstra motifs at p = 1e-4, both strands, the
genome's own base composition as background: the same match set, scores equal
to 1e-3. Then `--per-region` feature sums against a Python re-computation of
the GET rule from the match list. Skips when ../shared/data is absent."""
import collections
import csv
import os
import subprocess
import sys
import tempfile
import unittest

GETPS = os.environ["GETPS_BIN"]
HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.environ.get("GETPS_SHARED_DATA", os.path.join(HERE, "..", "..", "shared", "data"))
GENOME = os.path.join(DATA, "genome", "hg38_chr1_1-549900.fa")
VIERSTRA = os.path.join(DATA, "motifs", "vierstra-v1.0")


def meme_files():
    return ",".join(os.path.join(VIERSTRA, f) for f in sorted(os.listdir(VIERSTRA)) if f.endswith(".meme"))


def genome_background():
    counts = collections.Counter()
    with open(GENOME) as f:
        for line in f:
            if not line.startswith(">"):
                counts.update(line.strip().upper())
    total = sum(counts[b] for b in "ACGT")
    return ",".join(f"{(counts[b] + 1) / (total + 4):.12f}" for b in "ACGT")


@unittest.skipUnless(os.path.exists(GENOME), "../shared/data is absent")
class ScanAgainstMoods(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="getps-scan-")
        cls.bg = genome_background()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_same_matches_as_moods(self):
        bed = os.path.join(self.tmp.name, "chr1.bed")
        with open(bed, "w") as f:
            f.write("chr1\t0\t549900\n")
        ours = os.path.join(self.tmp.name, "ours.tsv")
        subprocess.run([GETPS, "scan", "--genome", GENOME, "--regions", bed, "--motifs", meme_files(),
                        "--background", self.bg, "--out", ours, "--quiet"], check=True)
        theirs = os.path.join(self.tmp.name, "moods.tsv")
        subprocess.run([sys.executable, os.path.join(HERE, "..", "bench", "moods_scan.py"), GENOME, meme_files(),
                        "--background", self.bg, "--out", theirs], check=True)
        a = {}
        with open(ours) as f:
            next(f)
            for row in csv.reader(f, delimiter="\t"):
                a[(row[0], int(row[2]), row[4])] = (float(row[5]), float(row[6]))
        b = {}
        with open(theirs) as f:
            for row in csv.reader(f, delimiter="\t"):
                b[(row[0], int(row[1]), row[3])] = (float(row[4]), float(row[5]))
        only_ours, only_moods = set(a) - set(b), set(b) - set(a)
        # A documented tie: a window whose score lies within 1e-9 of the
        # threshold may fall either way between two floating-point orders.
        def near_threshold(d, keys):
            return all(abs(d[k][0] - d[k][1]) < 1e-9 for k in keys)
        self.assertTrue(near_threshold(a, only_ours), sorted(only_ours)[:5])
        self.assertTrue(near_threshold(b, only_moods), sorted(only_moods)[:5])
        self.assertGreater(len(a), 200000)
        worst = max(abs(a[k][0] - b[k][0]) for k in set(a) & set(b))
        self.assertLess(worst, 1e-3)
        thr = max(abs(a[k][1] - b[k][1]) for k in set(a) & set(b))
        self.assertLess(thr, 1e-6)
        print(f"checked: {len(a)} getps matches vs {len(b)} MOODS matches, {len(only_ours)} / {len(only_moods)} "
              f"unshared (ties), max score difference {worst:.2g}, max threshold difference {thr:.2g}")

    def test_per_region_sums_follow_the_rule(self):
        bed = os.path.join(self.tmp.name, "regions.bed")
        with open(bed, "w") as f:
            for start in range(60000, 540000, 4000):
                f.write(f"chr1\t{start}\t{start + 1500}\n")
        matches = os.path.join(self.tmp.name, "m.tsv")
        sums = os.path.join(self.tmp.name, "s.tsv")
        common = [GETPS, "scan", "--genome", GENOME, "--regions", bed, "--motifs", meme_files(),
                  "--clusters", os.path.join(VIERSTRA, "clusters.0.70.txt"),
                  "--cluster-names", os.path.join(VIERSTRA, "motif_annotations.csv"), "--quiet", "--background",
                  "uniform"]
        subprocess.run(common + ["--out", matches], check=True)
        subprocess.run(common + ["--per-region", "--out", sums], check=True)
        cluster = {}
        with open(os.path.join(VIERSTRA, "clusters.0.70.txt")) as f:
            next(f)
            for line in f:
                m, c = line.split()
                cluster[m] = c
        name = {}
        with open(os.path.join(VIERSTRA, "motif_annotations.csv")) as f:
            for row in csv.DictReader(f):
                name[row["Cluster_ID"]] = row["Name"]
        per = collections.defaultdict(list)  # (region start, feature) -> [(score, start, end)]
        with open(matches) as f:
            next(f)
            for row in csv.reader(f, delimiter="\t"):
                start = int(row[2])
                region = (start - 60000) // 4000 * 4000 + 60000
                per[(region, name[cluster[row[0]]])].append((float(row[5]), start, int(row[3])))
        with open(sums) as f:
            header = next(f).rstrip("\n").split("\t")
            self.assertEqual(len(header), 3 + 282)
            checked = 0
            for line in f:
                row = line.rstrip("\n").split("\t")
                region = int(row[1])
                for feature, value in zip(header[3:], row[3:]):
                    kept, total = [], 0.0
                    for score, s, e in sorted(per.get((region, feature), []), key=lambda x: (-x[0], x[1])):
                        if all(e <= ks or ke <= s for ks, ke in kept):
                            kept.append((s, e))
                            total += score
                    total = max(total, 0.0)  # sums below 0 are stored as 0
                    self.assertAlmostEqual(float(value), total, delta=1e-4 * max(1.0, total))
                    checked += 1 if total else 0
        self.assertGreater(checked, 1000)
        print(f"checked: {checked} non-zero region x feature sums against the rule")


if __name__ == "__main__":
    unittest.main(verbosity=2)

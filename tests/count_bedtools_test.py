"""`getps count` on the real chr22 scATAC fragments (plain gzip, sorted by
barcode, not position) per MACS3 peak: equal to `bedtools intersect -c`
exactly; insertions and a two-cell-type barcode split checked against
independent Python counts; BGZF with decompression threads gives the same
counts; bad inputs give file:line errors."""
import gzip
import os
import shutil
import subprocess
import tempfile
import unittest

GETPS = os.environ["GETPS_BIN"]
HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.environ.get("GETPS_SHARED_DATA", os.path.join(HERE, "..", "..", "shared", "data"))
FRAGS = os.path.join(DATA, "fragments", "chr22_100cells.fragments.tsv.gz")
PEAKS = os.path.join(DATA, "peaks", "chr22_macs3.narrowPeak")


def read_counts(path):
    with open(path) as f:
        header = next(f).rstrip("\n").split("\t")
        rows = [l.rstrip("\n").split("\t") for l in f]
    return header, {(r[0], int(r[1]), int(r[2])): [int(x) for x in r[3:]] for r in rows}


def fragments():
    with gzip.open(FRAGS, "rt") as f:
        for line in f:
            if not line.startswith("#"):
                c, s, e, b = line.split("\t")[:4]
                yield c, int(s), int(e), b


@unittest.skipUnless(os.path.exists(FRAGS), "../shared/data is absent")
class CountAgainstBedtools(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="getps-count-")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    def test_fragment_counts_equal_bedtools(self):
        if not shutil.which("bedtools"):
            self.skipTest("bedtools is not installed (launch/setup.sh installs it)")
        out = self.path("counts.tsv")
        p = subprocess.run([GETPS, "count", "--peaks", PEAKS, "--fragments", FRAGS, "--out", out, "--quiet"],
                           check=True, capture_output=True, text=True)
        self.assertEqual(p.stderr, "", "--quiet prints warnings and errors only")
        loud = subprocess.run([GETPS, "count", "--peaks", PEAKS, "--fragments", FRAGS, "--out", os.devnull],
                              check=True, capture_output=True, text=True)
        self.assertRegex(loud.stderr, r"\[getps [0-9:]+ info\] count: all: 0 cells, library size [1-9]")
        _, ours = read_counts(out)
        peaks3 = self.path("peaks3.bed")
        with open(PEAKS) as f, open(peaks3, "w") as g:
            for line in f:
                g.write("\t".join(line.split("\t")[:3]) + "\n")
        frag_bed = self.path("frags.bed")
        with gzip.open(FRAGS, "rt") as f, open(frag_bed, "w") as g:
            g.write(f.read())
        bt = subprocess.run(["bedtools", "intersect", "-c", "-a", peaks3, "-b", frag_bed],
                            check=True, capture_output=True, text=True).stdout
        theirs = {}
        for line in bt.splitlines():
            c, s, e, n = line.split("\t")
            theirs[(c, int(s), int(e))] = int(n)
        self.assertEqual(len(theirs), 1455)
        self.assertEqual({k: v[0] for k, v in ours.items()}, theirs)
        print(f"checked: {len(theirs)} peaks, {sum(theirs.values())} overlaps, identical to bedtools intersect -c")

    def test_insertions_and_barcode_split(self):
        barcodes = sorted({f[3] for f in fragments()})
        self.assertEqual(len(barcodes), 100)
        table = self.path("barcodes.tsv")
        with open(table, "w") as f:
            f.write("barcode\tcelltype\n")
            for i, b in enumerate(barcodes):
                f.write(f"{b}\t{'even' if i % 2 == 0 else 'odd'}\n")
        out = self.path("ins.tsv")
        subprocess.run([GETPS, "count", "--peaks", PEAKS, "--fragments", FRAGS, "--barcodes", table,
                        "--count", "insertions", "--out", out, "--quiet"], check=True)
        header, ours = read_counts(out)
        self.assertEqual(header[3:], ["even", "odd"])
        group = {b: i % 2 for i, b in enumerate(barcodes)}
        peaks = sorted(ours)
        want = {p: [0, 0] for p in peaks}
        by_chrom = {}
        for p in peaks:
            by_chrom.setdefault(p[0], []).append(p)
        for c, s, e, b in fragments():
            for x in (s, e - 1):
                for p in by_chrom.get(c, []):
                    if p[1] <= x < p[2]:
                        want[p][group[b]] += 1
        self.assertEqual(ours, want)
        print(f"checked: insertion counts of {len(peaks)} peaks x 2 cell types against a Python count")

    def test_bam_counts_equal_fragment_counts(self):
        if not shutil.which("samtools"):
            self.skipTest("samtools is not installed (launch/setup.sh installs it)")
        # The fragments as proper read pairs (plus a duplicate and an unmapped
        # read, which must not count), barcode in the CB tag, in file order.
        sam = self.path("reads.sam")
        with open(sam, "w") as f:
            f.write("@HD\tVN:1.6\n@SQ\tSN:chr22\tLN:50818468\n")
            for n, (c, s, e, b) in enumerate(fragments()):
                tlen = e - s
                r2 = max(s, e - 50)
                f.write(f"p{n}\t99\t{c}\t{s + 1}\t60\t50M\t=\t{r2 + 1}\t{tlen}\t*\t*\tCB:Z:{b}\n")
                f.write(f"p{n}\t147\t{c}\t{r2 + 1}\t60\t50M\t=\t{s + 1}\t{-tlen}\t*\t*\tCB:Z:{b}\n")
                if n == 10:
                    f.write(f"dup\t1123\t{c}\t{s + 1}\t60\t50M\t=\t{r2 + 1}\t{tlen}\t*\t*\tCB:Z:{b}\n")
                    f.write(f"un\t4\t*\t0\t0\t*\t*\t0\t0\t*\t*\tCB:Z:{b}\n")
        bam = self.path("reads.bam")
        subprocess.run(["samtools", "view", "-b", "-o", bam, sam], check=True)
        a, b = self.path("from_bam.tsv"), self.path("from_frags.tsv")
        subprocess.run([GETPS, "count", "--peaks", PEAKS, "--bam", bam, "--out", a, "--quiet"], check=True)
        subprocess.run([GETPS, "count", "--peaks", PEAKS, "--fragments", FRAGS, "--out", b, "--quiet"], check=True)
        self.assertEqual(read_counts(a), read_counts(b))
        print("checked: BAM read pairs give the same counts as the fragments file")

    def test_decompression_threads_give_the_same_counts(self):
        if not shutil.which("bgzip"):
            self.skipTest("bgzip is not installed (launch/setup.sh installs tabix)")
        bgzf = self.path("frags.bgzf.tsv.gz")
        with gzip.open(FRAGS, "rb") as f, open(bgzf, "wb") as g:
            subprocess.run(["bgzip", "-c"], input=f.read(), stdout=g, check=True)
        outs = {}
        for source, threads in ((FRAGS, "1"), (bgzf, "1"), (bgzf, "2"), (bgzf, "4"), (FRAGS, "2")):
            out = self.path(f"threads-{threads}-{os.path.basename(source)}.tsv")
            subprocess.run([GETPS, "count", "--peaks", PEAKS, "--fragments", source, "--threads", threads,
                            "--out", out, "--quiet"], check=True)
            outs[(source, threads)] = read_counts(out)
        first = outs[(FRAGS, "1")]
        self.assertGreater(sum(v[0] for v in first[1].values()), 1000)
        for key, counts in outs.items():
            self.assertEqual(counts, first, key)
        print("checked: BGZF with 1, 2 and 4 decompression threads and plain gzip give the same counts")

    def test_bad_inputs_name_file_and_line(self):
        table = self.path("dup.tsv")
        with open(table, "w") as f:
            f.write("AAAC-1\tB\nCCCG-1\tT\nAAAC-1\tT\n")
        p = subprocess.run([GETPS, "count", "--peaks", PEAKS, "--fragments", FRAGS, "--barcodes", table, "--quiet"],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 2)
        self.assertIn(f"{table}:3: barcode AAAC-1 already listed on line 1 under cell type B", p.stderr)
        with open(FRAGS, "rb") as f:
            data = f.read()
        cut = self.path("cut.tsv.gz")
        with open(cut, "wb") as f:
            f.write(data[: len(data) // 2])
        p = subprocess.run([GETPS, "count", "--peaks", PEAKS, "--fragments", cut, "--quiet", "--out", os.devnull],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn(f"{cut}:", p.stderr)
        self.assertIn("the file ends early or is damaged", p.stderr)
        bad = self.path("bad.tsv")
        with open(bad, "w") as f:
            f.write("chr22\t100\t200\tAAAC-1\t1\nchr22\t300\n")
        p = subprocess.run([GETPS, "count", "--peaks", PEAKS, "--fragments", bad, "--quiet"], capture_output=True,
                           text=True)
        self.assertEqual(p.returncode, 2)
        self.assertIn(f"{bad}:2: expected a fragment", p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)

"""Bad input never wins (issue 19), on a tiny simulated world: numeric
options outside their range are refused at parse time naming the option,
the value and the range (--logcpm-scale nan / -1e6 / 0, --threads 40000,
--lr nan, --windows x), before any store is created; an unreadable MEME
header value names the file and line; `store verify` checks the values of
a good store; CRLF line ends in every input give the same store and scan
as LF. Each case failed before its fix (NaN stores written with exit
0, "terminate called without an active exception", "internal error: stoi")."""
import gzip
import multiprocessing
import os
import shutil
import unittest

from getps_cli import run, SimulatedStoreTest  # noqa: E402


class InputErrors(SimulatedStoreTest):
    def featurize(self, name, *extra):
        out = self.path(name)
        p = run("featurize", "--config", os.path.join(self.world, "featurize.cfg"), "--out", out, "--quiet",
                *extra, check=False)
        return p, out

    def assertRefused(self, p, *phrases):
        self.assertEqual(p.returncode, 2, p.stderr)
        for phrase in phrases:
            self.assertIn(phrase, p.stderr)
        self.assertNotIn("internal error", p.stderr)

    def test_logcpm_scale_outside_its_range_writes_no_store(self):
        for value in ("nan", "-1e6", "0", "inf"):
            with self.subTest(value=value):
                p, out = self.featurize("scale-" + value, "--logcpm-scale", value)
                shown = {"-1e6": "-1e+06"}.get(value, value)  # the shortest text that reads back
                self.assertRefused(p, f"--logcpm-scale {shown}: expected a finite number > 0")
                self.assertFalse(os.path.exists(out) or os.path.exists(out + ".writing"))

    def test_too_many_threads_is_an_error_not_an_abort(self):
        cores = multiprocessing.cpu_count()
        want = f"--threads 40000: expected a finite number 0..{4 * cores} (0 uses every core; " \
               f"at most 4 x the {cores} cores)"
        p, _ = self.featurize("threads", "--threads", "40000")
        self.assertRefused(p, want)
        p = run("scan", "--genome", os.path.join(self.world, "genome.fa"), "--regions",
                os.path.join(self.world, "peaks.bed"), "--motifs", os.path.join(self.world, "motifs.meme"),
                "--threads", "40000", check=False)
        self.assertRefused(p, want)

    def test_a_meme_header_value_that_is_not_a_number_names_the_line(self):
        bad = self.path("bad-alength.meme")
        with open(os.path.join(self.world, "motifs.meme")) as f, open(bad, "w") as g:
            text = f.read()
            first = text.index("alength=")
            g.write(text[:first] + "alength= x" + text[first + len("alength= 4"):])
        line = text[:first].count("\n") + 1
        p = run("scan", "--genome", os.path.join(self.world, "genome.fa"), "--regions",
                os.path.join(self.world, "peaks.bed"), "--motifs", bad, check=False)
        self.assertRefused(p, f"{bad}:{line}: motif ", "alength= 'x': expected a whole number")

    def test_duplicate_motif_names_are_refused_naming_both_sources(self):
        motifs = os.path.join(self.world, "motifs.meme")
        copy = self.path("copy.meme")
        with open(motifs) as f, open(copy, "w") as g:
            g.write(f.read())
        scan = ["scan", "--genome", os.path.join(self.world, "genome.fa"), "--regions",
                os.path.join(self.world, "peaks.bed")]
        p = run(*scan, "--motifs", f"{motifs},{motifs}", check=False)
        self.assertRefused(p, f" is in {motifs} twice: motif names must be unique")
        p = run(*scan, "--motifs", f"{motifs},{copy}", check=False)
        self.assertRefused(p, f" is in {motifs} and in {copy}: motif names must be unique")

    def test_a_motif_that_cannot_reach_the_p_value_is_named(self):
        short = self.path("short.meme")
        with open(short, "w") as f:
            f.write("MEME version 4\n\nALPHABET= ACGT\n\n")
            for i in range(30):
                f.write(f"MOTIF W{i}\nletter-probability matrix: alength= 4 w= 1\n0.1 0.1 0.1 0.7\n\n")
            f.write("MOTIF LONG\nletter-probability matrix: alength= 4 w= 8\n" + "0.97 0.01 0.01 0.01\n" * 8)
        p = run("scan", "--genome", os.path.join(self.world, "genome.fa"), "--regions",
                os.path.join(self.world, "peaks.bed"), "--motifs", short, "--out", os.devnull)
        self.assertIn("30 of 31 motifs cannot reach --pvalue 0.000100 (e.g. W0, width 1: its best word "
                      "has p = 0.28", p.stderr)

    def test_training_and_predict_options_are_checked(self):
        p = run("train", "--store", self.store, "--run-dir", self.path("nan-lr"), "--lr", "nan", check=False)
        self.assertRefused(p, "--lr nan: expected a finite number >= 0")
        p = run("train", "--store", self.store, "--run-dir", self.path("frac"), "--train-fraction", "0",
                check=False)
        self.assertRefused(p, "--train-fraction 0: expected a finite number 0 < value <= 1")
        self.assertFalse(os.path.exists(self.path("nan-lr")))
        run_dir = self.path("one-epoch")
        run("train", "--store", self.store, "--run-dir", run_dir, "--epochs", "1", "--batch-size", "8",
            "--quiet")
        p = run("predict", "--checkpoint", run_dir, "--store", self.store, "--celltype", "celltype_0",
                "--windows", "x", "--chrom", "chr1", "--npy", self.path("npy"), check=False)
        self.assertRefused(p, "--windows 'x': expected all or window indices")

    def test_crlf_inputs_give_the_same_store_and_scan_as_lf(self):
        crlf = self.path("world-crlf")
        os.makedirs(crlf)
        for name in os.listdir(self.world):
            src, dst = os.path.join(self.world, name), os.path.join(crlf, name)
            if name.endswith((".fai", ".tbi", ".csi", ".gzi")) or os.path.isdir(src):
                continue  # indexes: made again for the copies
            if name.endswith(".h5"):  # binary (the RNA matrix): copied as it is
                shutil.copy(src, dst)
                continue
            opener = gzip.open if name.endswith(".gz") else open
            with opener(src, "rb") as f:
                data = f.read()
            if name != "featurize.cfg" and name != "truth.json":
                self.assertFalse(b"\r" in data, name)
                data = data.replace(b"\n", b"\r\n")
            with opener(dst, "wb") as g:
                g.write(data)
        stores = {}
        for world in (self.world, crlf):
            out = self.path(os.path.basename(world) + "-export")
            store = self.path(os.path.basename(world) + "-store")
            run("featurize", "--config", os.path.join(world, "featurize.cfg"), "--out", store, "--quiet")
            run("store", "export", "--store", store, "--out", out, "--quiet")
            stores[world] = {n: open(os.path.join(out, n), "rb").read() for n in sorted(os.listdir(out))}
            scan = run("scan", "--genome", os.path.join(world, "genome.fa"), "--regions",
                       os.path.join(world, "peaks.bed"), "--motifs", os.path.join(world, "motifs.meme"),
                       "--quiet").stdout
            stores[world]["scan"] = scan.encode()
        self.assertGreater(len(stores[self.world]["scan"]), 1000)
        self.assertIn("features.npy", stores[self.world])
        self.assertEqual(stores[self.world], stores[crlf])

    def test_verify_checks_the_values_of_a_good_store(self):
        p = run("store", "verify", "--store", self.store)
        self.assertIn("ok: ", p.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)

"""Command-line tests of `getps store`: the binary, its outputs read back with
NumPy, an independent re-computation of a window's features from raw query
output, and every user-facing error with its exit code and message."""
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

import numpy as np

from getps_cli import GETPS, run  # noqa: E402



def read_tsv(text):
    lines = [l for l in text.splitlines() if not l.startswith("#")]
    header = lines[0].split("\t")
    rows = [l.split("\t") for l in lines[1:]]
    return header, rows


class StoreCli(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="getps-cli-")
        cls.store = os.path.join(cls.tmp.name, "s")
        run("store", "synth", "--out", cls.store, "--celltypes", "3", "--regions", "12000",
            "--seed", "5", "--quiet")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_info_and_celltypes(self):
        out = run("store", "info", "--store", self.store).stdout
        self.assertIn("format version 1", out)
        self.assertIn("regions        12000 on 23 chromosomes", out)
        header, rows = read_tsv(run("store", "celltypes", "--store", self.store).stdout)
        self.assertEqual(header[0], "name")
        self.assertEqual([r[0] for r in rows], ["celltype_0", "celltype_1", "celltype_2"])

    def test_export_matches_window_and_an_independent_recomputation(self):
        out = os.path.join(self.tmp.name, "export")
        run("store", "export", "--store", self.store, "--out", out, "--celltypes", "celltype_1",
            "--chroms", "chr1,chr2", "--stride", "100", "--quiet")
        feats = np.load(os.path.join(out, "features.npy"))
        ids = np.load(os.path.join(out, "region_ids.npy"))
        atac = np.load(os.path.join(out, "atac.npy"))
        with open(os.path.join(out, "feature_names.txt")) as f:
            names = f.read().split()
        self.assertEqual(feats.shape[1:], (200, 283))
        self.assertEqual(len(names), 283)
        with open(os.path.join(out, "windows.tsv")) as f:
            windows = f.read().splitlines()[1:]
        self.assertEqual(len(windows), feats.shape[0])

        # Window 1 of chr1 from `store window` equals export row 1.
        _, rows = read_tsv(run("store", "window", "--store", self.store, "--celltype", "celltype_1",
                               "--chrom", "chr1", "--index", "1", "--stride", "100").stdout)
        tsv = np.array([[float(x) for x in r[3:3 + 283]] for r in rows])
        np.testing.assert_allclose(tsv, feats[1], rtol=1e-5, atol=1e-6)
        self.assertEqual([int(r[1]) for r in rows], list(ids[1]))

        # Independent recomputation from raw scores and accessibility flags.
        raw, acc, logcpm = {}, {}, {}
        for chrom_line in run("store", "info", "--store", self.store).stdout.split("first_id\n")[1].splitlines():
            chrom = chrom_line.split("\t")[0]
            _, rr = read_tsv(run("store", "region", chrom, "--store", self.store).stdout)
            _, rc = read_tsv(run("store", "region", "--locus", chrom, "--store", self.store, "--celltype",
                                 "celltype_1").stdout)  # LOCUS as an option or as the first word
            for a, b in zip(rr, rc):
                rid = int(a[0])
                raw[rid] = np.array([float(x) for x in a[2:2 + 282]])
                acc[rid] = b[2 + 282] == "yes"
                logcpm[rid] = float(b[2 + 282 + 2])
        mx = np.max(np.stack([raw[r] for r in raw if acc[r]]), axis=0)
        for w in range(feats.shape[0]):
            window_ids = ids[w]
            self.assertTrue(all(acc[int(r)] for r in window_ids))
            scale = np.where(mx > 0, 1.0 / np.where(mx > 0, mx, 1), 0)
            want = np.minimum(np.stack([raw[int(r)] for r in window_ids]) * scale, 1.0)
            np.testing.assert_allclose(feats[w, :, :282], want, rtol=2e-5, atol=1e-6)
            lc = np.array([logcpm[int(r)] for r in window_ids])
            np.testing.assert_allclose(feats[w, :, 282], lc / lc.max(), rtol=2e-5)
            np.testing.assert_allclose(atac[w], lc, rtol=2e-5)
        print(f"checked: {feats.shape[0]} exported windows against an independent recomputation")

    def test_gene_window_marks_the_tss_region(self):
        out = run("store", "info", "--store", self.store).stdout
        # Find a gene whose region is accessible: try GENE<id>P names in region order.
        for rid in range(12000):
            p = run("store", "gene", f"GENE{rid}P", "--store", self.store, "--celltype", "celltype_0", check=False)
            if p.returncode == 0:
                break
        else:
            self.fail("no gene window found")
        self.assertTrue(p.stdout.startswith(f"# gene GENE{rid}P (+ strand"))
        _, rows = read_tsv(p.stdout)
        marked = [r for r in rows if r[0].endswith("*")]
        self.assertEqual(len(marked), 1)
        self.assertEqual(int(marked[0][1]), rid)
        self.assertEqual(len(rows), 200)
        del out

    def test_config_file_supplies_options(self):
        cfg = os.path.join(self.tmp.name, "window.cfg")
        with open(cfg, "w") as f:
            f.write(f"store = {self.store}\ncelltype = celltype_2\nchrom = chr1\n")
        a = run("store", "window", "--config", cfg, "--index", "0").stdout
        b = run("store", "window", "--store", self.store, "--celltype", "celltype_2", "--chrom", "chr1",
                "--index", "0").stdout
        self.assertEqual(a, b)

    def test_every_subcommand_has_help(self):
        for sub in ["info", "celltypes", "region", "window", "gene", "export", "verify", "synth"]:
            p = run("store", sub, "--help")
            self.assertIn(f"usage: getps store {sub}", p.stdout)
            self.assertIn("--config", p.stdout)
        self.assertIn("usage: getps", run("--help").stdout)

    def test_errors_name_what_is_wrong(self):
        cases = [
            (["store", "window", "--store", self.store, "--celltype", "nk", "--chrom", "chr1", "--index", "0"],
             2, "has no cell type 'nk' (it has: celltype_0, celltype_1, celltype_2)"),
            (["store", "window", "--store", self.store, "--celltype", "celltype_0", "--chrom", "chr99", "--index", "0"],
             2, "has no regions on chromosome 'chr99'"),
            (["store", "window", "--store", self.store, "--celltype", "celltype_0", "--chrom", "chr1", "--index", "500"],
             2, "window index 500 out of range"),
            (["store", "info", "--store", os.path.join(self.tmp.name, "nowhere")], 2, "no feature store at"),
            (["store", "window", "--store", self.store], 2, "the option '--celltype' is required"),
            (["store", "region", "chr1:0-5", "--store", self.store], 2, "need 1 <= start <= end"),
            (["store", "frobnicate"], 2, "unknown subcommand 'store frobnicate'"),
        ]
        for args, code, message in cases:
            p = run(*args, check=False)
            self.assertEqual(p.returncode, code, f"{args}: {p.stderr}")
            self.assertIn(message, p.stderr, args)
            self.assertTrue(p.stderr.startswith("getps: error: "), p.stderr)

    def test_killed_writer_leaves_a_store_readers_refuse(self):
        path = os.path.join(self.tmp.name, "killed")
        proc = subprocess.Popen([GETPS, "store", "synth", "--out", path, "--celltypes", "40", "--regions",
                                 "400000", "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.wait_for_writer(proc, path)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        p = run("store", "info", "--store", path, check=False)
        self.assertEqual(p.returncode, 4, p.stderr)
        self.assertIn("is not finished: its writer stopped", p.stderr)
        # The rerun is not blocked by what the killed writer left.
        p = run("store", "synth", "--out", path, "--celltypes", "2", "--regions", "2000")
        self.assertIn("left unfinished by an earlier writer", p.stderr)
        self.assertFalse(os.path.exists(path + ".writing"))
        run("store", "info", "--store", path)
        print("injected: SIGKILL of `store synth` mid-write; checked: readers refuse the store, "
              "the rerun replaces it")

    def wait_for_writer(self, proc, path):
        """Until the writer `proc` has its store open at PATH.writing."""
        deadline = time.time() + 60
        while not os.path.exists(os.path.join(path + ".writing", "CURRENT")) and time.time() < deadline:
            time.sleep(0.02)
        time.sleep(0.3)
        self.assertIsNone(proc.poll(), "the writer finished before the test could act")

    def test_a_second_writer_is_refused_and_overwrite_replaces_a_finished_store_whole(self):
        path = os.path.join(self.tmp.name, "two-writers")
        proc = subprocess.Popen([GETPS, "store", "synth", "--out", path, "--celltypes", "40", "--regions",
                                 "400000", "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                text=True)
        self.addCleanup(proc.stderr.close)
        self.addCleanup(proc.kill)
        self.wait_for_writer(proc, path)
        for extra in ([], ["--overwrite"]):
            p = run("store", "synth", "--out", path, "--celltypes", "2", "--regions", "2000", *extra,
                    check=False)
            self.assertEqual(p.returncode, 4, p.stderr)
            self.assertIn(f"is being written by process {proc.pid}", p.stderr)
            self.assertNotIn("wrote", p.stdout)
        p = run("store", "info", "--store", path, check=False)
        self.assertIn(f"is being written by process {proc.pid}", p.stderr)
        _, err = proc.communicate()
        self.assertEqual(proc.returncode, 0, err)
        self.assertIn("cell types     40\n", run("store", "info", "--store", path).stdout)
        # --overwrite of a finished store: the old one is readable until the new one replaces it.
        run("store", "synth", "--out", path, "--celltypes", "2", "--regions", "2000", "--overwrite")
        self.assertFalse(os.path.exists(path + ".writing"))
        self.assertIn("cell types     2\n", run("store", "info", "--store", path).stdout)
        print("checked: a second writer (with and without --overwrite) is refused naming the first; "
              "--overwrite of a finished store replaces it")

    def test_verify_reports_flipped_bytes(self):
        path = os.path.join(self.tmp.name, "damaged")
        run("store", "synth", "--out", path, "--celltypes", "2", "--regions", "20000", "--quiet")
        self.assertEqual(run("store", "verify", "--store", path, "--quiet").returncode, 0)
        ssts = [os.path.join(path, f) for f in os.listdir(path) if f.endswith(".sst")]
        largest = max(ssts, key=os.path.getsize)
        with open(largest, "r+b") as f:
            size = os.path.getsize(largest)
            f.seek(size // 4)
            chunk = f.read(64)
            f.seek(size // 4)
            f.write(bytes(b ^ 0xA5 for b in chunk))
        p = run("store", "verify", "--store", path, "--quiet", check=False)
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("Corruption", p.stderr)
        p = run("store", "export", "--store", path, "--out", os.path.join(self.tmp.name, "x"), "--quiet",
                check=False)
        self.assertEqual(p.returncode, 3, p.stderr)
        print(f"injected: 64 flipped bytes in {os.path.basename(largest)}; checked: verify and export fail (exit 3)")


if __name__ == "__main__":
    unittest.main(verbosity=2)

"""`getps report` rendered by headless Chromium (Debian `chromium`): the
report of a fine-tuning run, a pretraining run and a LOCO + fraction sweep
is one self-contained file (no scripts, links or remote resources) whose
plots are all present with the expected number of marks, and Chromium
really draws them (the series colour appears in the screenshot's pixels).
Bad input: a directory that is neither a run nor a sweep is one clear error."""
import os
import re
import shutil
import struct
import subprocess
import unittest
import zlib

from getps_cli import records, run, SimulatedStoreTest  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
TRAIN = ["--batch-size", "8", "--lr", "0.05", "--quiet"]
BLUE = (0x1F, 0x77, 0xB4)  # the first series colour of coordinator/svg_plot.cc


def chromium(*args):
    p = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", *args],
                       capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise AssertionError(f"chromium failed ({p.returncode}): {p.stderr[-2000:]}")
    return p.stdout


def png_pixels(path):
    """(width, height, rows of RGB(A) tuples) of an 8-bit RGB/RGBA PNG."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and color in (2, 6), (depth, color)
            bpp = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw, stride, rows, prev = zlib.decompress(idat), width * bpp, [], bytearray(width * bpp)
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x * bpp:x * bpp + 3]) for x in range(width)])
        prev = line
    return width, height, rows


def plots(html):
    """{id: data-points} of every chart in the page."""
    return {m.group(1): int(m.group(2)) for m in re.finditer(r'<svg[^>]*id="plot-([^"]+)" data-points="(\d+)"', html)}


@unittest.skipIf(CHROMIUM is None, "no chromium (Debian package chromium)")
class Report(SimulatedStoreTest):
    def render(self, run_dir):
        """The report's DOM as Chromium parsed it, and a screenshot."""
        page = os.path.join(run_dir, "report.html")
        shot = os.path.join(run_dir, "report.png")
        dom = chromium("--dump-dom", f"file://{page}")
        chromium("--window-size=1000,2400", f"--screenshot={shot}", f"file://{page}")
        with open(page) as f:
            text = f.read()
        for remote in ("<script", "<link", "<img", "<iframe", "src=", "url("):
            self.assertNotIn(remote, text, "the report must be self-contained")
        return dom, shot

    def test_a_finetuning_run_report(self):
        ft = self.path("ft")
        out = run("train", "--store", self.store, "--run-dir", ft, "--epochs", "3",
                  "--leave-out-chromosomes", "chr4", *TRAIN).stdout
        self.assertIn(f"report: {ft}/report.html", out)
        dom, shot = self.render(ft)
        got = plots(dom)
        print("fine-tuning report plots:", got)
        self.assertEqual(set(got), {"loss", "scatter", "specificity", "tss-distance"})
        test = records(ft)[-1]
        self.assertEqual(got["loss"], 6)  # training + validation loss, 3 epochs
        self.assertEqual(got["scatter"], test["pooled"]["n"])  # every held-out entry drawn
        # One bar per (bin, pooled + each cell type with entries in it).
        bars = sum(1 + len(b["per_celltype"]) for b in test["by_specificity"])
        self.assertEqual(got["specificity"], bars)
        bars = sum(1 + len(b["per_celltype"]) for b in test["by_tss_distance"])
        self.assertEqual(got["tss-distance"], bars)
        self.assertIn("Pearson", dom)
        # Chromium drew the blue series: thousands of its pixels.
        width, height, rows = png_pixels(shot)
        blue = sum(1 for row in rows for px in row if max(abs(a - b) for a, b in zip(px, BLUE)) <= 12)
        print(f"screenshot {width}x{height}: {blue} pixels of the first series colour")
        self.assertGreater(blue, 2000)
        # A subsample when asked: every k-th point.
        run("report", ft, "--max-points", "100")
        with open(os.path.join(ft, "report.html")) as f:
            self.assertLessEqual(plots(f.read())["scatter"], 100)

    def test_a_pretraining_report_has_the_tss_distance_strata(self):
        pt = self.path("pt")
        run("train", "--mode", "pretrain", "--store", self.store, "--run-dir", pt, "--epochs", "2",
            "--leave-out-chromosomes", "chr4", *TRAIN)
        dom, _ = self.render(pt)
        got = plots(dom)
        self.assertEqual(set(got), {"loss", "tss-distance", "specificity"})
        test = records(pt)[-1]
        self.assertEqual(got["tss-distance"], sum(1 + len(b["per_celltype"]) for b in test["by_tss_distance"]))
        self.assertIn("feature-mean baseline", dom)

    def test_a_sweep_report(self):
        sweep = self.path("sweep")
        run("sweep", "loco", "--store", self.store, "--run-dir", sweep, "--folds", "chr1,chr2", "--parallel", "2",
            "--train", "--epochs 2 --batch-size 8 --lr 0.05")
        dom, _ = self.render(sweep)
        got = plots(dom)
        print("sweep report plots:", got)
        self.assertEqual(got["folds"], 2 * 3)  # Pearson, Spearman, R2 per fold
        self.assertEqual(got["loss"], 2 * 2)  # 2 folds x 2 epochs
        self.assertIn("mean Pearson", dom)  # the reference lines
        entries = sum(records(os.path.join(sweep, f"fold-{c}"))[-1]["pooled"]["n"] for c in ("chr1", "chr2"))
        self.assertEqual(got["scatter"], entries)
        # The fraction sweep adds the transfer-learning curve (log x).
        curve = self.path("curve")
        run("sweep", "fraction", "--store", self.store, "--run-dir", curve, "--leave-out-chromosomes", "chr4",
            "--fractions", "0.5,1", "--seeds", "1", "--parallel", "2", "--train", "--epochs 1 --batch-size 8")
        dom, _ = self.render(curve)
        self.assertEqual(plots(dom)["curve"], 2)

    def test_a_directory_without_results_is_one_clear_error(self):
        os.makedirs(self.path("empty"), exist_ok=True)
        p = run("report", self.path("empty"), check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("has neither metrics.jsonl", p.stderr)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)

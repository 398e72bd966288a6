"""`getps explain` on a tiny simulated world (issue 20):
- the arrays and tables have one row per (gene, cell type) with a window,
  and the page draws the heat map and the tracks;
- motif importance (input x gradient, grad, ism) and the region-embedding
  Jacobian norm equal PyTorch autograd on the reference model
  (tests/get_reference.py) for the window `getps store gene` prints;
- the enhancer-gene score is the norm x log CPM (x the power law), summing
  to 1 over the window;
- a run killed mid-way resumes without redoing finished shards and ends
  with the same arrays as an uninterrupted run; another job in the same
  folder is refused; `explain show` looks a gene up."""
import csv
import os
import signal
import subprocess
import sys
import time
import unittest

import numpy as np
import torch

from getps_cli import GETPS, gene_window, run, SimulatedStoreTest, train_one_epoch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from get_reference import best_of_run  # noqa: E402

CELLTYPES = "celltype_1,celltype_2"


def read(path):
    with open(path) as f:
        return f.read()


def table(path):
    with open(path) as f:
        return list(csv.DictReader(f, delimiter="\t"))


class Explain(SimulatedStoreTest):
    STORES = [{"seed": "2"}]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.run_dir = cls.path("run")
        train_one_epoch(cls.store, cls.run_dir)
        cls.out = cls.path("explain")
        cls.first = cls.explain(cls.out)
        cls.model = best_of_run(cls.run_dir)

    @classmethod
    def explain(cls, out, *extra, check=True):
        return run("explain", "--checkpoint", cls.run_dir, "--store", cls.store, "--celltypes",
                   CELLTYPES, "--out", out, "--shard-genes", "16", "--quiet", *extra, check=check)

    def reference(self, gene, celltype, strand, region):
        """The reference model's input x gradient, gradient, output and
        region-embedding Jacobian norm for the gene's window."""
        cols, body, x = gene_window(self.store, gene, celltype)
        row = next(i for i, r in enumerate(body) if r[cols.index("locus")] == region)
        x = torch.tensor(x, requires_grad=True)
        kept = {}
        hook = self.model.region_embed.register_forward_hook(
            lambda m, i, o: kept.__setitem__("embedded", o))
        try:
            e = self.model(x.unsqueeze(0))["expression"][0, row, 0 if strand == "+" else 1]
            gx, ge = torch.autograd.grad(e, [x, kept["embedded"]])
        finally:
            hook.remove()
        return {"x": x.detach(), "row": row, "output": e.item(), "grad": gx.sum(0),
                "ixg": (gx * x.detach()).sum(0), "norm": ge[0].norm(dim=-1), "body": body,
                "cols": cols}

    def test_files_have_a_row_per_gene_and_cell_type(self):
        rows = table(os.path.join(self.out, "gene_by_motif.rows.tsv"))
        columns = table(os.path.join(self.out, "gene_by_motif.columns.tsv"))
        v = np.load(os.path.join(self.out, "gene_by_motif.npy"))
        self.assertGreater(len(rows), 100)
        self.assertEqual(v.shape, (len(rows), len(columns)))
        self.assertEqual(columns[-1]["feature"], "accessibility")
        self.assertEqual({r["celltype"] for r in rows}, set(CELLTYPES.split(",")))
        pairs = [(r["gene"], r["celltype"]) for r in rows]
        self.assertEqual(len(pairs), len(set(pairs)))  # each exactly once
        regions = table(os.path.join(self.out, "region_importance.tsv"))
        self.assertEqual(len(regions), 200 * len(rows))
        top = table(os.path.join(self.out, "top_motifs.tsv"))
        self.assertEqual(len(top), 10 * len(rows))
        page = read(os.path.join(self.out, "explain.html"))
        self.assertIn('id="plot-motifs"', page)
        self.assertIn('id="plot-track-0"', page)
        self.assertIn(f"explained {len(rows)} genes x cell types", self.first.stdout)

    def test_importances_equal_pytorch_autograd(self):
        rows = table(os.path.join(self.out, "gene_by_motif.rows.tsv"))
        v = np.load(os.path.join(self.out, "gene_by_motif.npy"))
        regions = table(os.path.join(self.out, "region_importance.tsv"))
        for i in (0, len(rows) // 2, len(rows) - 1):
            r = rows[i]
            with self.subTest(gene=r["gene"], celltype=r["celltype"]):
                ref = self.reference(r["gene"], r["celltype"], r["strand"], r["region"])
                self.assertAlmostEqual(float(r["output"]), ref["output"], delta=1e-4)
                scale = ref["ixg"].abs().max().item()
                np.testing.assert_allclose(v[i], ref["ixg"].numpy(), rtol=1e-3, atol=1e-4 * scale)
                mine = regions[200 * i:200 * (i + 1)]
                self.assertEqual([m["region"] for m in mine],
                                 [b[ref["cols"].index("locus")] for b in ref["body"]])
                norm = ref["norm"] / ref["norm"].max()
                np.testing.assert_allclose([float(m["jacobian_norm"]) for m in mine], norm.numpy(),
                                           rtol=1e-3, atol=1e-5)
                score = np.array([float(m["enhancer_gene_score"]) for m in mine])
                self.assertAlmostEqual(score.sum(), 1.0, places=4)
                self.assertEqual(int(mine[ref["row"]]["distance_to_tss"]), 0)

    def test_grad_and_ism_methods(self):
        out = self.path("ism")
        rows = table(os.path.join(self.out, "gene_by_motif.rows.tsv"))
        gene, celltype = rows[0]["gene"], rows[0]["celltype"]
        strand, region = rows[0]["strand"], rows[0]["region"]
        for method in ("grad", "ism"):
            with self.subTest(method=method):
                run("explain", "--checkpoint", self.run_dir, "--store", self.store, "--celltypes",
                    celltype, "--genes", gene, "--out", out, "--method", method, "--overwrite",
                    "--quiet")
                v = np.load(os.path.join(out, "gene_by_motif.npy"))[0]
                ref = self.reference(gene, celltype, strand, region)
                if method == "grad":
                    scale = ref["grad"].abs().max().item()
                    np.testing.assert_allclose(v, ref["grad"].numpy(), rtol=1e-3, atol=1e-4 * scale)
                    continue
                # ism: E(x) - E(x with x[i, f] = 0), summed over regions i.
                s = 0 if strand == "+" else 1
                for f in (0, ref["x"].shape[1] - 1):
                    copies = ref["x"].repeat(200, 1, 1)
                    copies[torch.arange(200), torch.arange(200), f] = 0
                    with torch.no_grad():
                        e = self.model(copies)["expression"][:, ref["row"], s]
                    want = (ref["output"] - e).sum().item()
                    self.assertAlmostEqual(float(v[f]), want, delta=1e-4 + 1e-3 * abs(want))

    def test_power_law_prior_weights_distant_regions_down(self):
        out = self.path("powerlaw")
        self.explain(out, "--distance-prior", "powerlaw")
        plain = table(os.path.join(self.out, "region_importance.tsv"))[:200]
        prior = table(os.path.join(out, "region_importance.tsv"))[:200]
        w = [float(p["enhancer_gene_score"]) / float(q["enhancer_gene_score"]) /
             (1 / (1 + abs(int(q["distance_to_tss"])) / 5000))
             for p, q in zip(prior, plain) if float(q["enhancer_gene_score"]) > 0]
        self.assertGreater(len(w), 50)
        np.testing.assert_allclose(w, w[0], rtol=1e-3)  # one normalising constant

    def test_a_killed_run_resumes_without_redoing_shards(self):
        out = self.path("killed")
        p = subprocess.Popen([GETPS, "explain", "--checkpoint", self.run_dir, "--store", self.store,
                              "--celltypes", CELLTYPES, "--out", out, "--shard-genes", "16"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shards = os.path.join(out, "shards")
        deadline = time.time() + 120
        while time.time() < deadline and len([f for f in os.listdir(shards) if f.endswith(".pt")]
                                             if os.path.isdir(shards) else []) < 3:
            time.sleep(0.05)
        p.send_signal(signal.SIGKILL)
        p.wait()
        done = sorted(f for f in os.listdir(shards) if f.endswith(".pt"))
        total = len(os.listdir(os.path.join(self.out, "shards")))
        self.assertGreaterEqual(len(done), 3)
        self.assertLess(len(done), total, "the run finished before it was killed")
        before = {f: os.stat(os.path.join(shards, f)).st_mtime_ns for f in done}
        r = run("explain", "--checkpoint", self.run_dir, "--store", self.store, "--celltypes",
                CELLTYPES, "--out", out, "--shard-genes", "16")
        self.assertIn(f"{len(done)} of {total} shards already done", r.stderr)
        self.assertIn(f"{total - len(done)} of {total} shards computed now", r.stdout)
        for f, t in before.items():
            self.assertEqual(os.stat(os.path.join(shards, f)).st_mtime_ns, t, f)
        np.testing.assert_allclose(np.load(os.path.join(out, "gene_by_motif.npy")),
                                   np.load(os.path.join(self.out, "gene_by_motif.npy")), rtol=1e-6,
                                   atol=1e-9)
        self.assertEqual(read(os.path.join(out, "region_importance.tsv")),
                         read(os.path.join(self.out, "region_importance.tsv")))

    def test_another_job_in_the_folder_is_refused(self):
        r = self.explain(self.out, "--method", "grad", check=False)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("holds another explain job: method", r.stderr)
        r = run("explain", "--checkpoint", self.run_dir, "--store", self.store, "--celltypes",
                "celltype_1", "--out", self.out, "--shard-genes", "16", check=False)
        self.assertIn("holds another explain job: tasks", r.stderr)
        # As many tasks, in another order.
        r = run("explain", "--checkpoint", self.run_dir, "--store", self.store, "--celltypes",
                "celltype_2,celltype_1", "--out", self.out, "--shard-genes", "16", check=False)
        self.assertIn("other genes or cell types", r.stderr)

    def test_show_looks_a_gene_up(self):
        rows = table(os.path.join(self.out, "gene_by_motif.rows.tsv"))
        top = table(os.path.join(self.out, "top_motifs.tsv"))
        r = rows[3]
        text = run("explain", "show", "--dir", self.out, "--gene", r["gene"], "--celltype",
                   r["celltype"], "--top", "3").stdout
        self.assertIn(f"{r['gene']} in {r['celltype']}: output {r['output']}", text)
        first = next(t for t in top if t["gene"] == r["gene"] and t["celltype"] == r["celltype"])
        self.assertIn(first["feature"], text.split("regions by")[0])
        self.assertEqual(len(text.split("regions by enhancer-gene score")[1].strip().splitlines()), 4)
        r = run("explain", "show", "--dir", self.out, "--gene", "NOPE", "--celltype", "celltype_1",
                check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("no explanation of NOPE in celltype_1", r.stderr)

    def test_refuses_what_it_cannot_explain(self):
        r = run("explain", "--checkpoint", self.run_dir, "--store", self.store, "--celltypes",
                "celltype_1", "--genes", "SIMG1,NOT_A_GENE", "--out", self.path("bad"), check=False)
        self.assertIn("NOT_A_GENE", r.stderr)
        pre = self.path("pretrain")
        run("train", "--mode", "pretrain", "--store", self.store, "--run-dir", pre, "--epochs", "1",
            "--quiet")
        r = run("explain", "--checkpoint", pre, "--store", self.store, "--celltypes", "celltype_1",
                "--out", self.path("bad2"), check=False)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("pretraining model has no expression", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)

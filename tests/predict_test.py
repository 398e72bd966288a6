"""`getps predict` on a tiny simulated world: one row per gene whose TSS
region is accessible in the cell type; each prediction equals an
independent PyTorch forward pass (tests/get_reference.py) of the same
checkpoint on the window `getps store gene` prints for that gene; observed
values are the store's labels; unknown genes are an error naming them."""
import os
import sys
import unittest

import torch

from getps_cli import gene_window, run, SimulatedStoreTest, train_one_epoch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from get_reference import best_of_run  # noqa: E402


class Predict(SimulatedStoreTest):
    STORES = [{"seed": "2"}]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.run_dir = os.path.join(cls.tmp.name, "run")
        train_one_epoch(cls.store, cls.run_dir)


    def test_predictions_match_an_independent_forward_pass(self):
        out = os.path.join(self.tmp.name, "pred.tsv")
        p = run("predict", "--checkpoint", self.run_dir, "--store", self.store, "--celltype", "celltype_1",
                "--out", out)
        with open(out) as f:
            header, *rows = [line.rstrip("\n").split("\t") for line in f]
        self.assertEqual(header, ["gene", "chrom", "tss", "strand", "region", "predicted", "observed"])
        self.assertIn(f"predicted {len(rows)} genes", p.stderr)
        self.assertGreater(len(rows), 100)
        model = best_of_run(self.run_dir)
        features = model.region_embed.embed.weight.shape[1]
        for gene, chrom, tss, strand, region, predicted, observed in (rows[0], rows[len(rows) // 2], rows[-1]):
            with self.subTest(gene=gene):
                cols, body, x = gene_window(self.store, gene, "celltype_1")
                self.assertEqual(len(body), 200)
                x = torch.tensor(x).unsqueeze(0)
                self.assertEqual(x.shape[-1], features)
                row = next(i for i, r in enumerate(body) if r[cols.index("locus")] == region)
                s = 0 if strand == "+" else 1
                with torch.no_grad():
                    expected = model(x)["expression"][0, row, s].item()
                self.assertAlmostEqual(float(predicted), expected, delta=1e-4 * max(1.0, abs(expected)))
                tss_col = cols.index("tss_plus" if s == 0 else "tss_minus")
                exp_col = cols.index("exp_plus" if s == 0 else "exp_minus")
                if float(body[row][tss_col]) != 0:
                    self.assertAlmostEqual(float(observed), float(body[row][exp_col]), places=4)
                else:
                    self.assertEqual(observed, "NA")

    def test_an_unknown_gene_is_an_error_naming_it(self):
        p = run("predict", "--checkpoint", self.run_dir, "--store", self.store, "--celltype", "celltype_1",
                "--genes", "SIMG1,NOT_A_GENE", check=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("NOT_A_GENE", p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)

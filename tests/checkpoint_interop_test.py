"""Checkpoints both ways with the reference's classes (issue 18), on a tiny
simulated world, CPU:
- every mode's model.pt (pretraining, expression, accessibility, the MLP)
  loads into the class of the reference with its name (get_reference.py:
  GETRegionPretrain, GETRegionFinetune, GETRegionFinetuneATAC,
  MLPRegionFinetune) with strict=True;
- a state dict made in PyTorch with the reference's names starts getps
  (--init) as a plain state dict, as {"model": ...} and as a Lightning
  checkpoint ({"state_dict": {"model.*": ...}} with Python objects beside
  it), and getps's outputs on windows (`getps predict --windows --npy`)
  equal PyTorch's forward on the same inputs within 1e-5;
- a pretraining checkpoint starts an expression run: the heads it lacks and
  those it has that the run does not are named; --init-drop leaves keys out;
  a mis-shaped key is an error naming it and both shapes;
- the accessibility model (--target atac) learns held-out accessibility
  beyond a motif-count baseline;
- test records carry the reference's eval_tss definition beside getps's."""
import argparse
import os
import sys
import unittest

import numpy as np
import torch

from getps_cli import records, run, SimulatedStoreTest  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from get_reference import (GETRegionFinetune, GETRegionFinetuneATAC, GETRegionPretrain,  # noqa: E402
                           MLPRegionFinetune)

SMALL = dict(dim=128, depth=4, heads=4)  # getps's --model-size small
TRAIN = ["--leave-out-chromosomes", "chr4"]


def best_weights(run_dir):
    best = open(os.path.join(run_dir, "checkpoints", "best")).read().strip()
    return torch.load(os.path.join(run_dir, "checkpoints", best, "model.pt"))


class CheckpointInterop(SimulatedStoreTest):
    def train(self, name, *args, epochs="1", lr="0.05", batch="8"):
        run_dir = self.path(name)
        # --min-lr 0 with --lr 0: the cosine schedule's floor would move the weights otherwise.
        p = run("train", "--store", self.store, "--run-dir", run_dir, "--epochs", epochs, "--patience", epochs,
                "--lr", lr, "--min-lr", "0" if lr == "0" else "1e-6", "--batch-size", batch, *TRAIN, *args)
        return run_dir, p

    def features_of(self, run_dir):
        return best_weights(run_dir)["region_embed.embed.weight"].shape[1]

    def test_every_modes_checkpoint_loads_strictly_into_the_reference_class(self):
        cases = [("pretrain", ["--mode", "pretrain"], GETRegionPretrain),
                 ("expression", [], GETRegionFinetune),
                 ("atac", ["--target", "atac"], GETRegionFinetuneATAC)]
        for name, args, cls in cases:
            with self.subTest(mode=name):
                run_dir, _ = self.train(f"strict-{name}", *args)
                state = best_weights(run_dir)
                model = cls(self.features_of(run_dir), **SMALL)
                model.load_state_dict(state, strict=True)  # raises on any extra or missing key
                self.assertEqual(sorted(model.state_dict()), sorted(state))
        run_dir, _ = self.train("strict-mlp", "--model", "mlp")
        state = best_weights(run_dir)
        mlp = MLPRegionFinetune(state["linear1.weight"].shape[1])
        mlp.load_state_dict(state, strict=True)
        print("checked: pretrain, expression, atac and MLP checkpoints load with strict=True")

    def outputs(self, run_dir, windows, celltype="celltype_0", chrom="chr1", *extra):
        out = self.path(os.path.basename(run_dir) + "-npy")
        run("predict", "--checkpoint", run_dir, "--store", self.store, "--celltype", celltype, "--windows",
            windows, "--chrom", chrom, "--npy", out, *extra)
        return np.load(os.path.join(out, "outputs.npy")), out

    def inputs(self, celltype="celltype_0", chrom="chr1", stride="100", atac="quantitative"):
        out = self.path(f"export-{celltype}-{chrom}-{stride}-{atac}")
        if not os.path.exists(out):
            run("store", "export", "--store", self.store, "--out", out, "--celltypes", celltype, "--chroms",
                chrom, "--stride", stride, "--atac", atac)
        return torch.from_numpy(np.load(os.path.join(out, "features.npy")))

    def test_a_pytorch_state_dict_starts_getps_in_every_wrapping(self):
        x = self.inputs()
        torch.manual_seed(5)
        reference = GETRegionFinetune(x.shape[-1], **SMALL).eval()
        sd = reference.state_dict()
        files = {"plain": sd, "model-key": {"model": sd},
                 "lightning": {"state_dict": {"model." + k: v for k, v in sd.items()}, "epoch": 3,
                               "hyper_parameters": argparse.Namespace(lr=1e-4)}}
        with torch.no_grad():
            want = reference(x)["out"].numpy()
        for name, obj in files.items():
            with self.subTest(file=name):
                path = self.path(f"reference-{name}.ckpt")
                torch.save(obj, path)
                run_dir, p = self.train(f"from-{name}", "--init", path, lr="0")
                self.assertIn(f"initialised from {path}", p.stderr)
                got, _ = self.outputs(run_dir, "all")
                self.assertEqual(got.shape, want.shape)
                np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
        print(f"checked: {len(files)} wrappings, outputs on {want.shape[0]} windows within 1e-5 of PyTorch")

    def test_heads_are_named_and_bad_keys_refused(self):
        x = self.inputs()
        pretrained = GETRegionPretrain(x.shape[-1], **SMALL)
        path = self.path("reference-pretrain.pt")
        torch.save({"state_dict": {"model." + k: v for k, v in pretrained.state_dict().items()},
                    "hyper_parameters": argparse.Namespace(task="pretrain")}, path)
        _, p = self.train("from-pretrain", "--init", path)
        self.assertIn("does not have, dropped: head_mask.bias, head_mask.weight, mask_token", p.stderr)
        self.assertIn("lacks, initialised: head_exp.head.bias, head_exp.head.weight", p.stderr)
        # The pretraining model's own reconstruction, with its masks.
        run_dir, _ = self.train("pretrain-npy", "--mode", "pretrain")
        got, out = self.outputs(run_dir, "0,1")
        self.assertEqual(got.shape, (2, 200, x.shape[-1]))
        self.assertEqual(np.load(os.path.join(out, "masks.npy")).shape, (2, 200))
        # --init-drop, and a mis-shaped key.
        _, p = self.train("dropped", "--init", path, "--init-drop", "^head_mask")
        self.assertIn("--init-drop left out of", p.stderr)
        p = run("train", "--store", self.store, "--run-dir", self.path("no-cls"), "--init", path, "--init-drop",
                "^cls_token$", "--epochs", "1", *TRAIN, check=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("missing cls_token (the model expects [1, 1, 128])", p.stderr)
        bad = {k: v for k, v in pretrained.state_dict().items()}
        bad["region_embed.embed.weight"] = torch.zeros(128, 5)
        bad_path = self.path("bad.pt")
        torch.save(bad, bad_path)
        p = run("train", "--store", self.store, "--run-dir", self.path("bad"), "--init", bad_path, "--epochs", "1",
                *TRAIN, check=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn(f"region_embed.embed.weight has shape [128, 5], the model expects [128, {x.shape[-1]}]",
                      p.stderr)

    def test_the_accessibility_model_beats_a_motif_count_baseline(self):
        run_dir, _ = self.train("atac-learns", "--target", "atac", epochs="40", lr="0.2", batch="4")
        test = [r for r in records(run_dir) if r["kind"] == "test"][0]
        self.assertEqual(test["target"], "atac")
        pearson = test["pooled"]["pearson"]
        # Baseline: each held-out region's summed motif features against its logCPM.
        with open(os.path.join(run_dir, "test_predictions.tsv")) as f:
            next(f)
            rows = [line.rstrip("\n").split("\t") for line in f]
        baseline = self.motif_baseline(rows)
        print(f"accessibility: held-out Pearson {pearson:.3f} (n {test['pooled']['n']}), "
              f"motif-count baseline {baseline:.3f}")
        self.assertGreater(pearson, baseline)
        self.assertGreater(pearson, 0.3)

    def motif_baseline(self, rows):
        """Pearson, over the held-out (cell type, region) entries, of the
        region's summed motif features (normalised as the model sees them,
        `getps store region`) against its observed logCPM."""
        sums, obs = [], []
        for ct in sorted({r[0] for r in rows}):
            text = run("store", "region", "chr4:1-1000000000", "--store", self.store, "--celltype", ct).stdout
            lines = [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]
            header, body = lines[0], lines[1:]
            first, last = header.index("locus") + 1, header.index("accessible")
            motif_sum = {row[header.index("locus")]: sum(float(v) for v in row[first:last]) for row in body}
            for r in rows:
                if r[0] == ct:
                    sums.append(motif_sum[r[1]])
                    obs.append(float(r[4]))
        return float(np.corrcoef(sums, obs)[0, 1])

    def test_test_records_carry_the_references_definition(self):
        run_dir, p = self.train("reference-metric")
        test = [r for r in records(run_dir) if r["kind"] == "test"][0]
        ours, theirs = test["pooled"], test["reference_tss"]["pooled"]
        # Both strands of every TSS region: about twice getps's one entry per TSS and strand.
        self.assertGreater(theirs["n"], ours["n"])
        self.assertLessEqual(theirs["n"], 2 * ours["n"])
        self.assertIn("the reference's definition", p.stderr)
        print(f"held-out Pearson: getps {ours['pearson']:.3f} over {ours['n']}, "
              f"reference eval_tss {theirs['pearson']:.3f} over {theirs['n']}")


if __name__ == "__main__":
    unittest.main(verbosity=2)

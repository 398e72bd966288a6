"""Numerical parity of worker/model/GetModel (C++) with an independent
PyTorch implementation of the design's section 5 and the reference's
classes (get_reference.py), for each task (pretraining, expression,
accessibility): the same parameter names and shapes; C++-written weights
load in Python with torch.load and strict=True and give the same outputs
and the same gradients within 1e-5 (fp32); a Python-written state dict
loads in C++ and gives Python's outputs; the paper configuration has about
85.3 M parameters in both."""
import os
import subprocess
import sys
import tempfile
import unittest

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from get_reference import GETReference, TASKS  # noqa: E402

HELPER = os.environ["GETPS_PARITY_HELPER"]
F, D, L, H = 17, 64, 3, 4


class ModelParity(unittest.TestCase):
    """Per task (the reference's GETRegionPretrain, GETRegionFinetune,
    GETRegionFinetuneATAC)."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="getps-parity-")
        cls.cpp, cls.weights = {}, {}
        for task in TASKS:
            subprocess.run([HELPER, cls.tmp.name, str(F), str(D), str(L), str(H), task], check=True)
            cls.cpp[task] = torch.load(os.path.join(cls.tmp.name, f"{task}-cpp.pt"))
            cls.weights[task] = torch.load(os.path.join(cls.tmp.name, f"{task}-weights.pt"))

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def reference(self, task):
        torch.manual_seed(1)
        return GETReference(F, D, L, H, task=task)

    def test_names_and_shapes_match_the_reference(self):
        for task in TASKS:
            with self.subTest(task=task):
                ref = self.reference(task).state_dict()
                self.assertEqual(sorted(ref), sorted(self.weights[task]))
                for k in ref:
                    self.assertEqual(ref[k].shape, self.weights[task][k].shape, k)
                self.assertIn("encoder.blocks.2.attn.q_bias", self.weights[task])
        self.assertIn("head_exp.head.weight", self.weights["expression"])
        self.assertIn("mask_token", self.weights["pretrain"])
        self.assertNotIn("mask_token", self.weights["expression"])
        self.assertEqual(self.weights["atac"]["head_exp.head.weight"].shape[0], 1)

    def test_outputs_and_gradients_match(self):
        for task in TASKS:
            with self.subTest(task=task):
                cpp = self.cpp[task]
                model = self.reference(task)
                model.load_state_dict(self.weights[task], strict=True)
                model.eval()
                out = model(cpp["x"], cpp["mask"] if task == "pretrain" else None)
                for k in ("hidden", "out"):
                    torch.testing.assert_close(out[k], cpp[k], rtol=1e-5, atol=1e-5, msg=k)
                (out["out"] * cpp["w"]).sum().backward()
                worst = 0.0
                for name, p in model.named_parameters():
                    # Normwise: gradients summed over a batch (cls_token's reach ~500)
                    # carry absolute rounding errors proportional to their scale.
                    g = cpp["grad." + name]
                    err = (p.grad - g).abs().max().item() / max(1.0, g.abs().max().item())
                    self.assertLessEqual(err, 1e-5, name)
                    worst = max(worst, err)
                print(f"checked {task}: outputs and gradients of {len(list(model.parameters()))} tensors, "
                      f"max normwise gradient difference {worst:.2e}")

    def test_python_state_dict_loads_in_cpp(self):
        for task in TASKS:
            with self.subTest(task=task):
                model = self.reference(task)  # its own initialisation, different from the C++ one
                model.eval()
                path = os.path.join(self.tmp.name, f"{task}-python_weights.pt")
                torch.save(model.state_dict(), path)  # an OrderedDict, as users save them
                subprocess.run([HELPER, self.tmp.name, str(F), str(D), str(L), str(H), task, "--load", path],
                               check=True)
                got = torch.load(os.path.join(self.tmp.name, f"{task}-cpp_from_python.pt"))
                with torch.no_grad():
                    want = model(got["x"], got["mask"] if task == "pretrain" else None)
                torch.testing.assert_close(got["out"], want["out"], rtol=1e-5, atol=1e-5)

    def test_paper_configuration_size(self):
        for task in TASKS:
            n_cpp = int(subprocess.run([HELPER, "--count", "paper", task], check=True, capture_output=True,
                                       text=True).stdout)
            n_ref = sum(p.numel() for p in GETReference(task=task).parameters())
            self.assertEqual(n_cpp, n_ref, task)
            self.assertAlmostEqual(n_cpp / 1e6, 85.3, delta=0.6)
            print(f"checked: paper configuration ({task}) has {n_cpp:,} parameters")


if __name__ == "__main__":
    unittest.main(verbosity=2)

"""Numerical parity of worker/GetModel (C++) with an independent PyTorch
implementation of the design's section 5 (get_reference.py): the same
parameter names and shapes; C++-written weights load in Python with
torch.load and give the same outputs (fine-tuning and pretraining heads)
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
from get_reference import GETReference  # noqa: E402

HELPER = os.environ["GETPS_PARITY_HELPER"]
F, D, L, H = 17, 64, 3, 4


class ModelParity(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="getps-parity-")
        subprocess.run([HELPER, cls.tmp.name, str(F), str(D), str(L), str(H)], check=True)
        cls.cpp = torch.load(os.path.join(cls.tmp.name, "cpp.pt"))
        cls.weights = torch.load(os.path.join(cls.tmp.name, "weights.pt"))

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def reference(self):
        torch.manual_seed(1)
        return GETReference(F, D, L, H)

    def test_names_and_shapes_match_the_reference(self):
        ref = self.reference().state_dict()
        self.assertEqual(sorted(ref), sorted(self.weights))
        for k in ref:
            self.assertEqual(ref[k].shape, self.weights[k].shape, k)
        self.assertIn("encoder.blocks.2.attn.q_bias", self.weights)
        self.assertIn("head_exp.head.weight", self.weights)

    def test_outputs_and_gradients_match(self):
        model = self.reference()
        model.load_state_dict(self.weights, strict=True)
        model.eval()
        x, mask = self.cpp["x"], self.cpp["mask"]
        out = model(x, mask)
        for k in ("hidden", "expression", "atac", "masked"):
            torch.testing.assert_close(out[k], self.cpp[k], rtol=1e-5, atol=1e-5, msg=k)
        loss = (out["expression"] * self.cpp["w1"]).sum() + (out["atac"] * self.cpp["w2"]).sum() + \
            (out["masked"] * self.cpp["w3"]).sum()
        loss.backward()
        worst = 0.0
        for name, p in model.named_parameters():
            # Normwise: gradients summed over a batch (cls_token's reach ~500)
            # carry absolute rounding errors proportional to their scale.
            g = self.cpp["grad." + name]
            err = (p.grad - g).abs().max().item() / max(1.0, g.abs().max().item())
            self.assertLessEqual(err, 1e-5, name)
            worst = max(worst, err)
        print(f"checked: outputs of 4 heads and gradients of {len(list(model.parameters()))} tensors, "
              f"max normwise gradient difference {worst:.2e}")

    def test_python_state_dict_loads_in_cpp(self):
        model = self.reference()  # its own initialisation, different from the C++ one
        model.eval()
        path = os.path.join(self.tmp.name, "python_weights.pt")
        torch.save(model.state_dict(), path)  # an OrderedDict, as users save them
        subprocess.run([HELPER, self.tmp.name, str(F), str(D), str(L), str(H), "--load", path], check=True)
        got = torch.load(os.path.join(self.tmp.name, "cpp_from_python.pt"))
        with torch.no_grad():
            want = model(got["x"], got["mask"])
        for k in ("expression", "atac", "masked"):
            torch.testing.assert_close(got[k], want[k], rtol=1e-5, atol=1e-5, msg=k)

    def test_paper_configuration_size(self):
        n_cpp = int(subprocess.run([HELPER, "--count", "paper"], check=True, capture_output=True, text=True).stdout)
        n_ref = sum(p.numel() for p in GETReference().parameters())
        self.assertEqual(n_cpp, n_ref)
        self.assertAlmostEqual(n_cpp / 1e6, 85.3, delta=0.6)
        print(f"checked: paper configuration has {n_cpp:,} parameters")


if __name__ == "__main__":
    unittest.main(verbosity=2)

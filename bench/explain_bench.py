"""The PyTorch reference for bench/explain_bench.cc: the same GET model
(tests/get_reference.py), the same random windows (motif columns zero with
probability 1 - DENSITY) and the same gradients (input x gradient summed
over regions, the region-embedding Jacobian norm), timed the same way.

  python bench/explain_bench.py small|paper BATCH REPS [cpu|cuda] [DENSITY]"""
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from get_reference import GETReference  # noqa: E402

SIZES = {"small": dict(dim=128, depth=4, heads=4), "paper": dict(dim=768, depth=12, heads=12)}


def main():
    size, batch, reps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    device = sys.argv[4] if len(sys.argv) > 4 else "cpu"
    density = float(sys.argv[5]) if len(sys.argv) > 5 else 0.3
    torch.manual_seed(0)
    model = GETReference(283, **SIZES[size]).to(device).eval()
    x = torch.rand(batch, 200, 283)
    x[:, :, :282] *= (torch.rand(batch, 200, 282) < density).float()
    x = x.to(device)
    rows = torch.full((batch,), 100, device=device)
    strands = torch.arange(batch, device=device) % 2
    kept = {}
    model.region_embed.register_forward_hook(lambda m, i, o: kept.__setitem__("e", o))

    def explain():
        xi = x.clone().requires_grad_(True)
        out = model(xi)["expression"][torch.arange(batch, device=device), rows, strands]
        gx, ge = torch.autograd.grad(out.sum(), [xi, kept["e"]])
        return (gx * x).sum(1), ge.norm(dim=-1)

    explain()
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(reps):
        explain()
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    per_gene = (time.perf_counter() - t0) / (reps * batch)
    print(f"explain_bench.py {size} batch {batch} {device} input-x-grad: {1 / per_gene:.2f} genes/s "
          f"({per_gene:.4f} s per gene)")


if __name__ == "__main__":
    main()

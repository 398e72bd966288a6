"""The PyTorch reference for bench/train_bench.cc: the same GET model
(tests/get_reference.py), batch, loss and optimiser (AdamW with the same
decay groups), timed the same way.

  python bench/train_bench.py small|paper BATCH STEPS [cpu|cuda] [fp32|bf16]"""
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from get_reference import GETReference  # noqa: E402

SIZES = {"small": dict(dim=128, depth=4, heads=4), "paper": dict(dim=768, depth=12, heads=12)}


def main():
    size, batch, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    device = sys.argv[4] if len(sys.argv) > 4 else "cpu"
    dtype = sys.argv[5] if len(sys.argv) > 5 else "fp32"
    torch.manual_seed(0)
    model = GETReference(283, **SIZES[size]).to(device).train()
    decay = [p for n, p in model.named_parameters() if p.dim() > 1 and n != "cls_token"]
    other = [p for n, p in model.named_parameters() if not (p.dim() > 1 and n != "cls_token")]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05}, {"params": other, "weight_decay": 0.0}])
    x = torch.rand(batch, 200, 283, device=device)
    y = torch.rand(batch, 200, 2, device=device)

    def step():
        opt.zero_grad()
        with torch.autocast(device_type=device.split(":")[0], dtype=torch.bfloat16, enabled=dtype == "bf16"):
            out = model(x)
        loss = torch.nn.functional.poisson_nll_loss(out["expression"].float(), y, log_input=False, eps=1e-8)
        loss.backward()
        opt.step()

    for _ in range(2):
        step()
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    rate = batch * steps / (time.perf_counter() - t0)
    print(f"PyTorch {dtype}: {size} model, batch {batch}: {rate:.2f} samples/s (threads {torch.get_num_threads()})")


if __name__ == "__main__":
    main()

"""Written model of data-parallel step time and scaling efficiency at 16
GPUs for `--sync nccl` (ring allreduce) and `--sync ps` (parameter-server
shards), from a per-GPU compute time per step and the gradient size.

  python bench/scaling_model.py COMPUTE_MS [PARAMS] [BYTES_PER_VALUE] [GPUS]

Assumptions (stated, not measured): communication does not overlap compute
(a pessimistic bound; NCCL buckets overlap the backward pass in practice),
links run at 80% of line rate, and PS shards are spread one per node, so
every node sends and receives its gradient and parameter slices once
(ps with a single server node is shown too)."""
import sys


def main():
    compute_ms = float(sys.argv[1])
    params = int(sys.argv[2]) if len(sys.argv) > 2 else 85486366
    width = int(sys.argv[3]) if len(sys.argv) > 3 else 2  # bf16 on the wire
    gpus = int(sys.argv[4]) if len(sys.argv) > 4 else 16
    grad = params * width
    print(f"compute {compute_ms:.1f} ms/step per GPU, gradient {grad / 1e6:.0f} MB, {gpus} GPUs")
    print("| network | nccl ring: comm ms | step ms | efficiency | ps (16 shards): comm ms | efficiency "
          "| ps (1 server): comm ms | efficiency |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for gbit in (25, 100, 200):
        rate = gbit / 8 * 1e9 * 0.8  # bytes/s
        ring = 2 * (gpus - 1) / gpus * grad / rate * 1e3
        ps_sharded = 2 * (gpus - 1) / gpus * grad / rate * 1e3  # push slices out, pull slices in
        ps_single = 2 * gpus * grad / rate * 1e3  # one NIC takes every push and pull
        eff = lambda c: compute_ms / (compute_ms + c)  # noqa: E731
        print(f"| {gbit} Gb/s | {ring:.1f} | {compute_ms + ring:.1f} | {eff(ring):.0%} | {ps_sharded:.1f} | "
              f"{eff(ps_sharded):.0%} | {ps_single:.0f} | {eff(ps_single):.0%} |")


if __name__ == "__main__":
    main()

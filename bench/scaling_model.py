"""Written model of data-parallel step time and scaling efficiency at 16
GPUs: `--sync nccl` (ring allreduce), `--sync ps --servers 16` with the
MPI data plane (one shard per node), the same over ZeroMQ+CURVE, and one
parameter server node; each without overlap (communication after
backward) and with it (communication hidden behind backward, up to the
backward pass's share of the step).

  python bench/scaling_model.py COMPUTE_MS [--curve-gbps R] [--streams K]
      [--params P] [--bytes-per-value B] [--gpus N] [--backward-share F]

Which inputs are measured and which assumed is said in docs/benchmarks.md;
in short: COMPUTE_MS is measured (train_bench on one GPU), R (push+pull
bytes per second of one CURVE stream, bound by one core's libsodium) is
measured (exchange_bench), everything else is assumed: links at 80 % of
line rate, full duplex; the MPI data plane and NCCL both at that rate;
a CURVE shard or replica encrypts with K cores at K x R; backward is F of
the step's compute (2/3: twice the forward's FLOPs)."""
import argparse


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("compute_ms", type=float)
    ap.add_argument("--curve-gbps", type=float, default=0.33, help="one CURVE stream, push+pull GB/s")
    ap.add_argument("--streams", type=int, default=1, help="CURVE streams (cores) per shard and replica")
    ap.add_argument("--params", type=int, default=85486366)
    ap.add_argument("--bytes-per-value", type=int, default=2, help="2: bf16 on the wire")
    ap.add_argument("--gpus", type=int, default=16)
    ap.add_argument("--backward-share", type=float, default=2 / 3)
    a = ap.parse_args()
    grad, n, compute = a.params * a.bytes_per_value, a.gpus, a.compute_ms
    hideable = a.backward_share * compute
    print(f"compute {compute:.1f} ms/step per GPU, gradient {grad / 1e6:.0f} MB on the wire, {n} GPUs, "
          f"CURVE {a.curve_gbps} GB/s x {a.streams} stream(s)")
    print("| network | exchange | comm ms | efficiency, no overlap | efficiency, overlap |")
    print("| --- | --- | --- | --- | --- |")
    # Every node sends and receives 2 (N-1)/N of the gradient: the ring's
    # reduce-scatter + all-gather, or a sharded ps's pushes + pulls.
    per_node = 2 * (n - 1) / n * grad
    # CURVE: a shard takes N slices in and sends N out (2 G bytes through
    # its cores), and so does a replica over its N streams.
    curve_ms = 2 * grad / (a.curve_gbps * 1e9 * a.streams) * 1e3
    for gbit in (25, 100, 200):
        rate = gbit / 8 * 1e9 * 0.8
        line_ms = per_node / rate * 1e3
        rows = [("nccl ring", line_ms), ("ps, 16 shards, MPI data plane", line_ms),
                ("ps, 16 shards, ZeroMQ+CURVE", max(line_ms, curve_ms)),
                ("ps, 1 server node (MPI)", 2 * n * grad / rate * 1e3)]
        for name, comm in rows:
            plain = compute / (compute + comm)
            hidden = compute / (compute + max(0.0, comm - hideable))
            print(f"| {gbit} Gb/s | {name} | {comm:.1f} | {plain:.0%} | {hidden:.0%} |")


if __name__ == "__main__":
    main()

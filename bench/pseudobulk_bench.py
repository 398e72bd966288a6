"""Pseudobulk benchmark: `getps pseudobulk` against the way the reference's
tutorial does it (scanpy's route: h5py reads the whole CSR matrix into
SciPy, an indicator matrix sums cells per cell type, CPM, log10(x + 1)), on
the same synthetic AnnData in one run; the tables must agree to 1e-9.

    GETPS_BIN=build/launch/getps python bench/pseudobulk_bench.py [CELLS] [NNZ_PER_CELL]

(defaults 100,000 cells x 36,601 genes, 1,000 stored counts per cell: a
0.8 GB file). Prints wall seconds and peak memory of each, median of 3.
"""
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np
import scipy.sparse as sp

GETPS = os.environ.get("GETPS_BIN", "build/launch/getps")
GENES = 36601
CELLTYPES = 8

REFERENCE = r'''
import sys, h5py, numpy as np, scipy.sparse as sp
path, table, out = sys.argv[1:]
with h5py.File(path) as f:
    x = f["X"]
    m = sp.csr_matrix((x["data"][:], x["indices"][:], x["indptr"][:]), shape=tuple(x.attrs["shape"]))
    cells = [b.decode() for b in f["obs/_index"][:]]
    genes = [g.decode() for g in f["var/_index"][:]]
of = dict(line.rstrip("\n").split("\t") for line in open(table))
names = sorted(set(of.values()))
col = {n: i for i, n in enumerate(names)}
rows = [i for i, c in enumerate(cells) if c in of]
ind = sp.csr_matrix((np.ones(len(rows)), (rows, [col[of[cells[i]]] for i in rows])), shape=(len(cells), len(names)))
sums = np.asarray((ind.T @ m).todense(), dtype=np.float64)
cpm = sums / sums.sum(axis=1, keepdims=True) * 1e6
values = np.log10(cpm + 1)
with open(out, "w") as f:
    f.write("gene\t" + "\t".join(names) + "\n")
    for g, gene in sorted(enumerate(genes), key=lambda p: p[1]):
        f.write(gene + "\t" + "\t".join(repr(float(v)) for v in values[:, g]) + "\n")
'''


def timed(cmd):
    """Wall seconds and peak RSS (MB) of one command, run in a fresh wrapper
    process so the peak is this command's alone."""
    wrapper = ("import resource, subprocess, sys, time; t = time.time(); "
               "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
               "print(time.time() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", wrapper, *cmd], check=True, capture_output=True, text=True)
    seconds, kb = out.stdout.split()
    return float(seconds), int(kb) / 1024


def read(path):
    with open(path) as f:
        header = f.readline().rstrip("\n").split("\t")[1:]
        return header, {l.split("\t", 1)[0]: np.array(l.rstrip("\n").split("\t")[1:], dtype=float) for l in f}


def main():
    cells = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    per_cell = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    tmp = tempfile.mkdtemp(prefix="getps-pseudobulk-bench-")
    rng = np.random.default_rng(1)
    path, table = os.path.join(tmp, "adata.h5ad"), os.path.join(tmp, "barcodes.tsv")
    start = time.time()
    with h5py.File(path, "w") as f:
        for frame, names in (("obs", [f"C{i:07d}-1" for i in range(cells)]), ("var", [f"GENE{g}" for g in range(GENES)])):
            g = f.create_group(frame)
            g.attrs["_index"] = "_index"
            g["_index"] = np.array(names, dtype="S")
        x = f.create_group("X")
        x.attrs["encoding-type"] = "csr_matrix"
        x.attrs["shape"] = np.array([cells, GENES])
        x["indptr"] = np.arange(0, cells * per_cell + 1, per_cell, dtype=np.int64)
        data = x.create_dataset("data", (cells * per_cell,), dtype=np.float32)
        indices = x.create_dataset("indices", (cells * per_cell,), dtype=np.int32)
        step = 10_000
        for first in range(0, cells, step):
            n = min(step, cells - first)
            # per_cell distinct genes per cell: a random start and stride (stride x per_cell <= GENES).
            offset = rng.integers(0, GENES, (n, 1))
            stride = rng.integers(1, GENES // per_cell + 1, (n, 1))
            idx = np.sort((offset + stride * np.arange(per_cell)) % GENES, axis=1)
            indices[first * per_cell:(first + n) * per_cell] = idx.ravel()
            data[first * per_cell:(first + n) * per_cell] = rng.integers(1, 20, n * per_cell)
    with open(table, "w") as f:
        f.writelines(f"C{i:07d}-1\tT{i % CELLTYPES}\n" for i in range(cells))
    print(f"machine: {platform.processor() or platform.machine()} ({os.cpu_count()} cores)")
    print(f"input: {cells} cells x {GENES} genes, {cells * per_cell} stored counts, "
          f"{os.path.getsize(path) / 2**30:.2f} GiB AnnData (CSR), {CELLTYPES} cell types; "
          f"written in {time.time() - start:.0f} s")
    ref_script = os.path.join(tmp, "reference.py")
    with open(ref_script, "w") as f:
        f.write(REFERENCE)
    outs = {"getps": os.path.join(tmp, "getps.tsv"), "scipy": os.path.join(tmp, "scipy.tsv")}
    cmds = {"getps": [GETPS, "pseudobulk", "--rna", path, "--barcodes", table, "--out", outs["getps"], "--quiet"],
            "scipy": [sys.executable, ref_script, path, table, outs["scipy"]]}
    results = {}
    for name in ("scipy", "getps"):
        runs = [timed(cmds[name]) for _ in range(3)]
        results[name] = (statistics.median(r[0] for r in runs), max(r[1] for r in runs), [r[0] for r in runs])
    (ha, a), (hb, b) = read(outs["getps"]), read(outs["scipy"])
    assert ha == hb and a.keys() == b.keys(), "tables differ in shape"
    worst = max(float(np.max(np.abs(a[g] - b[g]))) for g in a)
    assert worst < 1e-9, worst
    for name, (s, mb, all_runs) in results.items():
        ratio = results["scipy"][0] / s
        print(f"{name:6s} {s:7.2f} s  peak {mb:7.0f} MB  ({', '.join(f'{r:.2f}' for r in all_runs)})  "
              f"{ratio:.2f}x the SciPy route")
    print(f"tables agree: largest difference {worst:.1e}")
    subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    main()

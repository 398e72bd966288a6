"""Shared by the Python tests: the getps binary under test, a runner, a
simulated store and the test class that makes it, mpirun's command and
environment, a run's metrics records and checkpoint weights."""
import json
import math
import os
import shutil
import subprocess
import tempfile
import unittest

GETPS = os.environ["GETPS_BIN"]

# mpirun (OpenMPI 4) as every test runs it: as root, oversubscribed, unbound.
MPIRUN = shutil.which("mpirun")
MPI_ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_rmaps_base_oversubscribe="1")
# A dead rank does not end an OpenMPI 4 job with these.
MPI_RECOVERY = ["--mca", "orte_enable_recovery", "1", "--mca", "orte_abort_on_non_zero_status", "0"]


def mpirun(ranks, *args, recovery=False):
    """The command line `mpirun -np RANKS ARGS` (run it with env=MPI_ENV); with
    recovery, a rank that dies leaves the others running."""
    return [MPIRUN, "--oversubscribe", "--bind-to", "none", *(MPI_RECOVERY if recovery else []),
            "-np", str(ranks), *args]


def run(*args, check=True, **kwargs):
    """Runs `getps ARGS`; with check, a non-zero exit fails with its stderr."""
    p = subprocess.run([GETPS, *args], capture_output=True, text=True, **kwargs)
    if check and p.returncode != 0:
        raise AssertionError(f"getps {' '.join(args)} failed ({p.returncode}): {p.stderr}")
    return p


def train_one_epoch(store, run_dir):
    """A quick fine-tuning run (one epoch, batches of 8) for the tests that
    need a checkpoint more than a good model."""
    run("train", "--store", store, "--run-dir", run_dir, "--epochs", "1", "--batch-size", "8",
        "--lr", "0.05", "--quiet")


def world_genes(world, chrom=None):
    """The gene names of a `getps simulate` world's genes.gtf (of `chrom`
    only, when given), in the file's order."""
    with open(os.path.join(world, "genes.gtf")) as gtf:
        return [line.split('gene_name "')[1].split('"')[0] for line in gtf
                if "\tgene\t" in line and (chrom is None or line.startswith(chrom + "\t"))]


def gene_window(store, gene, celltype):
    """`getps store gene`'s window of 200 regions for `gene` in `celltype`:
    (columns, rows, x), rows the table's cells and x each region's model
    input (the motif columns, then accessibility)."""
    text = run("store", "gene", gene, "--store", store, "--celltype", celltype).stdout
    lines = [line.split("\t") for line in text.splitlines() if not line.startswith("#")]
    cols, body = lines[0], lines[1:]
    start, end = cols.index("locus") + 1, cols.index("accessibility") + 1
    return cols, body, [[float(v) for v in r[start:end]] for r in body]


def simulated_store(directory, seed="1", scale="tiny", suffix="", cwd=None):
    """`getps simulate` into DIRECTORY/world{suffix}, featurized (from `cwd`,
    when given) into DIRECTORY/store{suffix}; returns the store's path."""
    world = os.path.join(directory, f"world{suffix}")
    store = os.path.join(directory, f"store{suffix}")
    run("simulate", "--out", world, "--scale", scale, "--seed", seed, "--quiet")
    run("featurize", "--config", os.path.join(world, "featurize.cfg"), "--out", store, "--quiet",
        cwd=cwd)
    return store


def relative_difference(a, b):
    """||a - b|| / ||a|| over every tensor of two state dicts (in float64)."""
    num = sum(float((a[k] - b[k]).double().pow(2).sum()) for k in a)
    den = sum(float(a[k].double().pow(2).sum()) for k in a)
    return math.sqrt(num / den)


def last_checkpoint(run_dir):
    """The name of the run's newest checkpoint folder (step-NNNNNNNN)."""
    return max(d for d in os.listdir(os.path.join(run_dir, "checkpoints")) if d.startswith("step-"))


def weights(run_dir, step=None):
    """The weights of checkpoint `step` of the run (None: its newest)."""
    name = last_checkpoint(run_dir) if step is None else f"step-{step:08d}"
    import torch
    return torch.load(os.path.join(run_dir, "checkpoints", name, "model.pt"))


def final_weights(run_dir):
    """The weights of the run's newest checkpoint."""
    return weights(run_dir)


def records(run_dir):
    """The records of RUN_DIR/metrics.jsonl, in order."""
    with open(os.path.join(run_dir, "metrics.jsonl")) as f:
        return [json.loads(line) for line in f]


def scrape_status(run_dir, until, timeout=120):
    """Polls the status server of a running `getps train --status-port 0`
    (its URL in RUN_DIR/status.json) until `until(metrics)` holds for the
    scraped {name: value} of /metrics; returns (url, metrics text, values)."""
    import time
    import urllib.request
    deadline = time.time() + timeout
    url = None
    while time.time() < deadline:
        try:
            if url is None:
                with open(os.path.join(run_dir, "status.json")) as f:
                    url = json.load(f)["url"]
            with urllib.request.urlopen(url + "metrics", timeout=5) as r:
                text = r.read().decode()
            values = {line.split("{")[0]: float(line.rsplit(" ", 1)[1])
                      for line in text.splitlines() if line and not line.startswith("#")}
            if until(values):
                return url, text, values
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.05)
    raise AssertionError(f"no status from {run_dir} within {timeout} s (url {url})")


class SimulatedStoreTest(unittest.TestCase):
    """A test class with a temporary directory (self.path(name)) holding
    simulated stores made once for the class: one per entry of STORES (the
    keyword arguments of simulated_store), the first one's in self.store and
    its world in self.world, all in self.stores. Subclasses that need more
    set up call super().setUpClass() first."""
    STORES = [{}]  # one tiny store, seed 1

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix=f"getps-{cls.__name__.lower()}-")
        cls.stores = [simulated_store(cls.tmp.name, **kw) for kw in cls.STORES]
        cls.store = cls.stores[0]
        cls.world = os.path.join(cls.tmp.name, "world" + cls.STORES[0].get("suffix", ""))

    @classmethod
    def tearDownClass(cls):
        if os.environ.get("GETPS_KEEP_TEST_DIR") == "1":  # to look at what a test left
            print(f"kept {cls.tmp.name}")
            cls.tmp._finalizer.detach()
            return
        cls.tmp.cleanup()

    @classmethod
    def path(cls, name):
        return os.path.join(cls.tmp.name, name)

"""Shared by the Python tests: the getps binary under test, a runner, a
simulated store, and a run's metrics records."""
import json
import math
import os
import subprocess
import tempfile
import unittest

GETPS = os.environ["GETPS_BIN"]


def run(*args, check=True, **kwargs):
    """Runs `getps ARGS`; with check, a non-zero exit fails with its stderr."""
    p = subprocess.run([GETPS, *args], capture_output=True, text=True, **kwargs)
    if check and p.returncode != 0:
        raise AssertionError(f"getps {' '.join(args)} failed ({p.returncode}): {p.stderr}")
    return p


def simulated_store(directory, seed="1", scale="tiny", suffix=""):
    """`getps simulate` into DIRECTORY/world{suffix}, featurized into
    DIRECTORY/store{suffix}; returns the store's path."""
    world = os.path.join(directory, f"world{suffix}")
    store = os.path.join(directory, f"store{suffix}")
    run("simulate", "--out", world, "--scale", scale, "--seed", seed, "--quiet")
    run("featurize", "--config", os.path.join(world, "featurize.cfg"), "--out", store, "--quiet")
    return store


def relative_difference(a, b):
    """||a - b|| / ||a|| over every tensor of two state dicts (in float64)."""
    num = sum(float((a[k] - b[k]).double().pow(2).sum()) for k in a)
    den = sum(float(a[k].double().pow(2).sum()) for k in a)
    return math.sqrt(num / den)


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
    """A test class with a temporary directory (self.path(name)) holding a
    tiny simulated store (self.store), made once for the class."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix=f"getps-{cls.__name__.lower()}-")
        cls.store = simulated_store(cls.tmp.name)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    @classmethod
    def path(cls, name):
        return os.path.join(cls.tmp.name, name)

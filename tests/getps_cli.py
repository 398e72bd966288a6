"""Shared by the Python tests: the getps binary under test, a runner, a
simulated store, and a run's metrics records."""
import json
import os
import subprocess

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


def records(run_dir):
    """The records of RUN_DIR/metrics.jsonl, in order."""
    with open(os.path.join(run_dir, "metrics.jsonl")) as f:
        return [json.loads(line) for line in f]

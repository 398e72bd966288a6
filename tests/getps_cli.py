"""Shared by the Python tests: the getps binary under test and a runner."""
import os
import subprocess

GETPS = os.environ["GETPS_BIN"]


def run(*args, check=True, **kwargs):
    """Runs `getps ARGS`; with check, a non-zero exit fails with its stderr."""
    p = subprocess.run([GETPS, *args], capture_output=True, text=True, **kwargs)
    if check and p.returncode != 0:
        raise AssertionError(f"getps {' '.join(args)} failed ({p.returncode}): {p.stderr}")
    return p

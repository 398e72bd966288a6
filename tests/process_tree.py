"""Processes by parentage, from /proc: how the fault tests and
bench/recovery_bench.py find the ranks under `getps launch` and mpirun."""
import os


def mpi_rank(pid):
    """The mpirun rank of process `pid` (OpenMPI's OMPI_COMM_WORLD_RANK)."""
    with open(f"/proc/{pid}/environ", "rb") as f:
        env = dict(kv.split(b"=", 1) for kv in f.read().split(b"\0") if b"=" in kv)
    return int(env[b"OMPI_COMM_WORLD_RANK"])


def child_pids(pid):
    """The direct children of process `pid`."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(entry))
            except (OSError, IndexError, ValueError):
                pass  # the process ended while we looked
    return out

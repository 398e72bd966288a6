"""Processes by parentage, from /proc: how the fault tests and
bench/recovery_bench.py find the ranks under `getps launch` and mpirun."""
import os


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

"""`mpirun -np N+1 getps explain` (issue 20's distributed part) on a tiny
simulated world: rank 0 hands shards of genes to N replicas and writes
what they send back.
- 2 and 3 replicas give the arrays of one process (1e-6), and
  shards.jsonl names each shard once, covering every task once;
- a replica killed with SIGKILL mid-run (OpenMPI's recovery settings)
  loses nothing and doubles nothing: its shard goes to the survivor, the
  arrays equal one process's, every task is written once;
- rerunning a finished distributed job computes nothing;
- one rank (mpirun -np 1) explains alone."""
import json
import os
import re
import signal
import subprocess
import sys
import time
import unittest

import numpy as np

from getps_cli import GETPS, MPI_ENV, mpirun, run, SimulatedStoreTest, train_one_epoch, world_genes  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from process_tree import child_pids, mpi_rank  # noqa: E402

ARRAYS = ["gene_by_motif.npy"]
TABLES = ["region_importance.tsv", "gene_by_motif.rows.tsv", "top_motifs.tsv"]


def shard_lines(out):
    with open(os.path.join(out, "shards.jsonl")) as f:
        return [json.loads(line) for line in f]


class DistributedExplain(SimulatedStoreTest):
    STORES = [{"seed": "2"}]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.run_dir = cls.path("run")
        train_one_epoch(cls.store, cls.run_dir)
        cls.genes = cls.path("genes.txt")  # the world's first 200 genes
        with open(cls.genes, "w") as f:
            f.write("\n".join(world_genes(cls.world)[:200]) + "\n")
        cls.alone = cls.path("alone")
        run(*cls.args(cls.alone))
        with open(os.path.join(cls.alone, "explain.json")) as f:
            cls.tasks = json.load(f)["tasks"]

    @classmethod
    def args(cls, out, shard_genes="4", celltypes="all"):
        return ["explain", "--checkpoint", cls.run_dir, "--store", cls.store, "--celltypes",
                celltypes, "--genes-file", cls.genes, "--out", out, "--shard-genes", shard_genes,
                "--quiet"]

    def mpi_explain(self, ranks, out, **kw):
        p = subprocess.run([*mpirun(ranks, GETPS, *self.args(out, **kw))], capture_output=True,
                           text=True, env=MPI_ENV, timeout=600)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p

    def assert_same_as_alone(self, out, alone=None):
        alone = alone or self.alone
        for name in ARRAYS:
            np.testing.assert_allclose(np.load(os.path.join(out, name)),
                                       np.load(os.path.join(alone, name)), rtol=1e-6, atol=0)
        for name in TABLES:
            with open(os.path.join(out, name)) as a, open(os.path.join(alone, name)) as b:
                self.assertEqual(a.read(), b.read(), name)

    def assert_every_task_once(self, out, tasks=None):
        covered = [0] * (tasks or self.tasks)
        lines = shard_lines(out)
        for line in lines:
            for i in range(line["first"], line["first"] + line["count"]):
                covered[i] += 1
        self.assertEqual(sorted({c for c in covered}), [1], "each task written exactly once")
        self.assertEqual(len({line["shard"] for line in lines}), len(lines), "no shard twice")
        return lines

    def test_replicas_give_the_arrays_of_one_process(self):
        self.assertGreater(self.tasks, 100)
        for ranks in (3, 4):
            with self.subTest(replicas=ranks - 1):
                out = self.path(f"mpi-{ranks}")
                p = self.mpi_explain(ranks, out)
                self.assertIn(f"by {ranks - 1} replicas", p.stdout)
                self.assert_same_as_alone(out)
                lines = self.assert_every_task_once(out)
                self.assertTrue(all(line["by"].startswith("replica ") for line in lines), lines[:3])
                again = self.mpi_explain(ranks, out)
                self.assertIn("(0 of", again.stdout, "a finished job computes nothing again")

    def test_one_rank_explains_alone(self):
        out = self.path("mpi-1")
        self.mpi_explain(1, out)
        self.assert_same_as_alone(out)
        self.assertEqual({line["by"] for line in self.assert_every_task_once(out)}, {"this process"})

    def test_a_killed_replica_loses_nothing_and_doubles_nothing(self):
        # Shards of 8 genes (about 0.2 s each): enough of them to kill a
        # replica mid-way, most likely while it holds one (between two it
        # holds none; tests/work_server_test.cc kills one holding an item
        # for certain). Batches of 8 genes differ from batches of four in
        # the last bits, so the reference is one process with the same
        # shards.
        small = dict(shard_genes="8")
        alone, out = self.path("alone-2"), self.path("killed")
        run(*self.args(alone, **small))
        with open(os.path.join(alone, "explain.json")) as f:
            tasks = json.load(f)["tasks"]
        job = subprocess.Popen([*mpirun(3, GETPS, *self.args(out, **small), recovery=True)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=MPI_ENV)
        try:
            deadline = time.time() + 120
            while time.time() < deadline:
                path = os.path.join(out, "shards.jsonl")
                if os.path.exists(path) and len(shard_lines(out)) >= 4:
                    break
                time.sleep(0.01)
            victim = next(p for p in child_pids(job.pid) if mpi_rank(p) == 2)
            os.kill(victim, signal.SIGKILL)
            killed_at = len(shard_lines(out))
            stdout, stderr = job.communicate(timeout=600)
        finally:
            job.kill()
        self.assertEqual(job.returncode, 0, stderr)
        self.assertLess(killed_at * 8, tasks - 80, "the kill came well before the end")
        self.assertRegex(stderr, r"replica 2 on \S+ is lost")
        self.assert_same_as_alone(out, alone)
        lines = self.assert_every_task_once(out, tasks)
        taken = re.search(r"replica 2 on \S+ is lost; its tasks \[(\d+), \d+\) go to another", stderr)
        if taken:  # the shard it held was written once, by the survivor
            line = next(li for li in lines if li["first"] == int(taken.group(1)))
            self.assertTrue(line["by"].startswith("replica 1"), line)
        by = {line["by"].split(" on ")[0] for line in lines[killed_at + 2:]}
        self.assertEqual(by, {"replica 1"}, "after the kill the survivor did the rest")
        print(f"SIGKILL of replica 2 after {killed_at} of {len(lines)} shards "
              f"({'holding one, written by the survivor' if taken else 'between two shards'}); "
              "the survivor did the rest")


if __name__ == "__main__":
    unittest.main()

"""`getps train --sync` refused clearly, before anything starts or at the
replicas' start, never hanging: without mpirun; --sync nccl in a build
without NCCL (at parse), on CPU or without a GPU (the job ends with the
reason); --wire bf16 with mpi; --bucket-mb with ps."""
import subprocess
import unittest

import torch

from getps_cli import GETPS, MPI_ENV, MPIRUN, mpirun, run, SimulatedStoreTest  # noqa: E402

COMMON = ["--epochs", "2", "--lr", "0.05", "--leave-out-chromosomes", "chr4", "--drop-path", "0"]


@unittest.skipIf(MPIRUN is None, "no mpirun (openmpi-bin)")
class SyncOptions(SimulatedStoreTest):
    def test_sync_without_mpirun_is_a_clear_error(self):
        p = run("train", "--sync", "mpi", "--store", self.store, "--run-dir", self.path("lonely"), *COMMON,
                check=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("needs mpirun with at least 2 ranks", p.stderr)

    def test_sync_nccl_is_refused_clearly_without_its_gpus(self):
        # A build without NCCL says so before starting; a CUDA build trains
        # --sync nccl on GPUs only: on CPU, or where there is no GPU, the job
        # ends with the reason (and never hangs).
        p = run("train", "--sync", "nccl", "--store", self.store, "--run-dir", self.path("nccl-build"), *COMMON,
                check=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        if "built without NCCL" in p.stderr:
            print("this getps has no NCCL: --sync nccl refused at parse")
            return
        self.assertIn("needs mpirun", p.stderr)
        for device, why in (("cpu", "--sync nccl trains on GPUs: run with --device cuda"),
                            ("cuda", "no CUDA in this build or no GPU")):
            if device == "cuda" and torch.cuda.is_available():
                continue
            p = subprocess.run([*mpirun(2), GETPS, "train", "--sync", "nccl", "--device", device, "--bind",
                                "tcp://127.0.0.1:0", "--timeout", "60", "--store", self.store, "--run-dir",
                                self.path(f"nccl-{device}"), *COMMON], capture_output=True, text=True, env=MPI_ENV,
                               timeout=300)
            self.assertNotEqual(p.returncode, 0)
            self.assertIn(why, p.stderr)
        p = run("train", "--sync", "mpi", "--wire", "bf16", "--store", self.store, "--run-dir",
                self.path("bad-wire"), *COMMON, check=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("--wire bf16 needs --sync ps or nccl", p.stderr)
        p = run("train", "--sync", "ps", "--bucket-mb", "5", "--store", self.store, "--run-dir",
                self.path("bad-buckets"), *COMMON, check=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("--bucket-mb and --overlap need --sync mpi or nccl", p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)

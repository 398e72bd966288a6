"""The two binaries (launch/subcommands.h): getps loads no LibTorch, CUDA or
MPI library and runs every command line that needs LibTorch in the
getps-model beside it, with the same arguments, output and exit status; a
getps installed without getps-model says so and still runs its own
commands."""
import os
import shutil
import subprocess
import tempfile
import unittest

from getps_cli import GETPS, run

MODEL = os.path.join(os.path.dirname(GETPS), "getps-model")


def needed(binary):
    """The shared libraries `binary` names as NEEDED (readelf -d)."""
    out = subprocess.run(["readelf", "-d", binary], capture_output=True, text=True,
                         check=True).stdout
    return [line.split("[")[1].rstrip("]") for line in out.splitlines() if "(NEEDED)" in line]


def call(binary, *args):
    return subprocess.run([binary, *args], capture_output=True, text=True)


class TwoBinaries(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.world = os.path.join(cls.tmp.name, "world")
        run("simulate", "--out", cls.world, "--scale", "tiny", "--quiet")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def scan(self, binary, device, out):
        w = self.world
        return call(binary, "scan", "--genome", os.path.join(w, "genome.fa"), "--regions",
                    os.path.join(w, "peaks.bed"), "--motifs", os.path.join(w, "motifs.meme"),
                    "--device", device, "--out", out, "--quiet")

    def test_getps_links_no_libtorch_cuda_or_mpi(self):
        libs = needed(GETPS)
        self.assertIn("librocksdb.so.7.8", libs)  # the check reads the list at all
        heavy = [l for l in libs if any(k in l for k in ("torch", "c10", "cuda", "mpi", "nccl"))]
        self.assertEqual(heavy, [])
        self.assertTrue(any("torch" in l for l in needed(MODEL)))

    def test_model_commands_run_in_getps_model(self):
        self.assertEqual(run("--version").stdout, call(MODEL, "--version").stdout)
        for words in (["train", "--help"], ["explain", "--help"], ["sweep", "--help"],
                      ["genotypes", "evaluate", "--help"]):
            via, direct = run(*words), call(MODEL, *words)
            self.assertEqual((via.returncode, via.stdout), (0, direct.stdout), words)
            self.assertIn("usage: getps " + words[0], via.stdout)
        # An error's message and exit status come back unchanged.
        missing = os.path.join(self.tmp.name, "no-store")
        args = ["predict", "--checkpoint", os.path.join(self.tmp.name, "none.pt"), "--store",
                missing, "--out", os.path.join(self.tmp.name, "p.tsv")]
        via, direct = run(*args, check=False), call(MODEL, *args)
        self.assertEqual((via.returncode, via.stderr), (direct.returncode, direct.stderr))
        self.assertEqual(via.returncode, 2, via.stderr)

    def test_a_device_scan_runs_in_getps_model_with_the_same_matches(self):
        cpu, device = (os.path.join(self.tmp.name, f"{d}.tsv") for d in ("cpu", "torch"))
        self.assertEqual(self.scan(GETPS, "cpu", cpu).returncode, 0)
        p = self.scan(GETPS, "torch-cpu", device)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(cpu) as a, open(device) as b:
            text = a.read()
            self.assertEqual(text, b.read())
        self.assertGreater(text.count("\n"), 1000)

    def test_getps_alone_says_what_is_missing_and_runs_its_own_commands(self):
        alone = os.path.join(self.tmp.name, "alone")
        os.makedirs(alone, exist_ok=True)
        shutil.copy2(GETPS, alone)
        lone = os.path.join(alone, "getps")
        p = call(lone, "train", "--help")
        self.assertEqual(p.returncode, 2)
        self.assertIn("'getps train' needs LibTorch", p.stderr)
        self.assertIn(os.path.join(alone, "getps-model"), p.stderr)
        out = os.path.join(self.tmp.name, "lone.tsv")
        p = self.scan(lone, "torch-cpu", out)
        self.assertEqual(p.returncode, 2)
        self.assertIn("--device torch-cpu needs LibTorch", p.stderr)
        self.assertFalse(os.path.exists(out))  # refused before anything was written
        p = self.scan(lone, "cpu", out)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertGreater(os.path.getsize(out), 0)


if __name__ == "__main__":
    unittest.main()

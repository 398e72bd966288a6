"""`mpirun --oversubscribe -np N+1 getps train --sync mpi|ps` on 127.0.0.1,
CPU, a tiny simulated world: rank 0 coordinates, ranks 1..N train.

- With synchronous `ps` and with `mpi`, 2 replicas with batch 4 end with the
  same weights as one process with batch 8 on the same windows (fp32; the
  whole weight vector within 1e-5 relative); for mpi with gradient buckets
  summed during backward of several sizes (below the largest tensor, and
  one bucket for all; --overlap on) and summed after backward (--overlap
  auto on CPU);
- 3 replicas run to completion with the expected number of steps, a falling
  loss, checkpoints written by the coordinator only, metrics.jsonl records
  and a 0600 run key;
- a worker started outside mpirun (`getps worker --coordinator ... --key-file
  RUN/run.key`) joins a ps run and receives work: 1 mpirun replica + 1
  external worker equal one process with twice the batch, and with a run
  directory of its own it tests the coordinator's best checkpoint; a worker with
  another run's key never gets in, and one with a loose key file is refused
  before it connects (workers joining a running job: elastic_in_job_test.py);
- the coordinator hands out every step's shards on request: a replica
  slowed down (SIGSTOP/SIGCONT, stopped three quarters of the time) trains
  fewer of them than the other, and the weights are still those of one
  process with the whole step's batch;
- --lora and --freeze runs under mpirun equal one process too (merged.pt
  included), with --sync mpi, ps, and ps with a shard on the MPI data plane;
- a replica with a run directory of its own (mpirun's MPMD form) leaves
  every file of the run to the coordinator;
- with --servers 2 (parameter server shards on ranks 1 and 2), 2
  replicas equal one process too, gradient clipping over the shards
  included, and a run resumed from a checkpoint (every shard's AdamW state)
  ends as the uninterrupted one; asynchronous
  ps with server shards runs to completion with a falling loss; a run with
  server shards survives a replica killed mid-run;
- the shards' data plane: over MPI point-to-point (`--data-plane mpi`,
  --servers 1) and over ZeroMQ (`zmq`, --servers 2) 2 replicas equal one
  process (1e-5); bf16 asynchronous ps over MPI runs with a falling loss;
  --data-plane without --sync ps --servers K is refused;
- bf16 gradients on the wire (`--wire bf16`) stay within 1e-3 of fp32;
  asynchronous ps (`--staleness 1`) runs to completion with a falling loss
  and, being asynchronous, other weights than the synchronous run;
- a resumed run continues as an uninterrupted one, its replicas taking
  the coordinator's state of record (their own run directories are empty),
  and one with another model is refused;
(--sync refusals: sync_options_test.py)."""
import json
import os
import shutil
import signal
import subprocess
import time
import unittest

import torch

from getps_cli import (GETPS, MPI_ENV, MPIRUN, mpirun, records, relative_difference, run,  # noqa: E402
                       scrape_status, SimulatedStoreTest, weights)

COMMON = ["--epochs", "2", "--lr", "0.05", "--leave-out-chromosomes", "chr4", "--drop-path", "0"]


def train_mpirun(ranks, *args):
    p = subprocess.run([*mpirun(ranks), GETPS, "train",
                        "--bind", "tcp://127.0.0.1:0", "--timeout", "120", *args],
                       capture_output=True, text=True, env=MPI_ENV, timeout=600)
    if p.returncode != 0:
        raise AssertionError(f"mpirun failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    return p


def start_with_external_worker(run_dir, *args):
    """mpirun -np 2 (coordinator + 1 replica) expecting 1 `getps worker`;
    returns (the mpirun process, the coordinator's endpoint)."""
    coordinator = subprocess.Popen(
        [*mpirun(2), GETPS, "train", "--sync", "ps",
         "--external-workers", "1", "--bind", "tcp://127.0.0.1:0", "--timeout", "120", "--run-dir", run_dir,
         *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=MPI_ENV)
    info = os.path.join(run_dir, "coordinator.json")
    for _ in range(300):
        if os.path.exists(info) or coordinator.poll() is not None:
            break
        time.sleep(0.1)
    with open(info) as f:
        return coordinator, json.load(f)["endpoint"]


@unittest.skipIf(MPIRUN is None, "no mpirun (openmpi-bin)")
class DistributedTrain(SimulatedStoreTest):
    def test_two_replicas_equal_one_process_with_twice_the_batch(self):
        run("train", "--store", self.store, "--run-dir", self.path("single"), "--batch-size", "8", *COMMON)
        single = records(self.path("single"))
        final = single[-2]["step"]
        self.assertEqual(final, 12)  # 44 training windows, 8 per step, 2 epochs
        # mpi's gradient buckets summed after backward (--overlap auto on
        # CPU), and during it in buckets of 1 KiB and 50 KiB (both below the
        # largest tensors, the MLP's 256 KiB) and 25 MiB (one for the model).
        on = ["--overlap", "on"]
        cases = [("mpi", []), ("mpi", [*on, "--bucket-mb", "0.001"]), ("mpi", [*on, "--bucket-mb", "0.05"]),
                 ("mpi", on), ("ps", [])]
        for n, (sync, extra) in enumerate(cases):
            with self.subTest(sync=sync, extra=extra):
                run_dir = self.path(f"two-{sync}-{n}")
                train_mpirun(3, "--sync", sync, "--store", self.store, "--run-dir", run_dir, "--batch-size", "4",
                             *extra, *COMMON)
                got = records(run_dir)
                self.assertEqual([r["step"] for r in got[:2]], [r["step"] for r in single[:2]])
                for r, s in zip(got[:2], single[:2]):
                    self.assertAlmostEqual(r["train_loss"], s["train_loss"], delta=1e-6 * s["train_loss"])
                for step in (final // 2, final):
                    diff = relative_difference(weights(self.path("single"), step), weights(run_dir, step))
                    self.assertLess(diff, 1e-5, f"step {step}")

    def test_a_resumed_run_continues_as_an_uninterrupted_one(self):
        # A crash after epoch 1 of 2: the newest checkpoint and its records
        # are gone; `--resume auto` under the same mpirun continues from the
        # epoch-1 checkpoint (replicas and, for ps, the coordinator's state of
        # record) and ends with the uninterrupted run's weights.
        for sync in ("mpi", "ps"):
            with self.subTest(sync=sync):
                whole, resumed = self.path(f"whole-{sync}"), self.path(f"resumed-{sync}")
                args = ["--sync", sync, "--store", self.store, "--batch-size", "4", *COMMON]
                train_mpirun(3, "--run-dir", whole, *args)
                shutil.copytree(whole, resumed)
                shutil.rmtree(os.path.join(resumed, "checkpoints", "step-00000012"))
                with open(os.path.join(resumed, "metrics.jsonl"), "w") as f:
                    f.write(json.dumps(records(whole)[0]) + "\n")
                # The replicas' run directories are empty (mpirun's MPMD form,
                # as on hosts without a shared file system): they resume from
                # the coordinator's state of record.
                cmd = [GETPS, "train", "--bind", "tcp://127.0.0.1:0", "--timeout", "120", "--resume", "auto", *args]
                p = subprocess.run([*mpirun(1), *cmd, "--run-dir",
                                    resumed, ":", "-np", "2", *cmd, "--run-dir", self.path(f"resumed-{sync}-replicas")],
                                   capture_output=True, text=True, env=MPI_ENV, timeout=600)
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertIn("resuming from", p.stderr)
                self.assertIn("epoch 2 at window 0, step 6", p.stderr)
                got = records(resumed)
                self.assertEqual([r["step"] for r in got[:2]], [6, 12])
                self.assertAlmostEqual(got[1]["train_loss"], records(whole)[1]["train_loss"], delta=1e-5)
                diff = relative_difference(weights(whole, 12), weights(resumed, 12))
                print(f"{sync}: resumed vs uninterrupted weights at step 12, relative difference {diff:.2e}")
                self.assertLess(diff, 1e-5)
                # Another model on the same run directory is refused, by the
                # coordinator too (ps replicas take its state of record).
                p = subprocess.run([*mpirun(3), GETPS, "train",
                                    "--bind", "tcp://127.0.0.1:0", "--timeout", "20", "--run-dir", resumed,
                                    "--resume", "auto", "--model", "mlp", *args],
                                   capture_output=True, text=True, env=MPI_ENV, timeout=300)
                self.assertNotEqual(p.returncode, 0)
                self.assertIn("another mode or model configuration", p.stderr)

    def test_the_coordinator_serves_live_progress(self):
        run_dir = self.path("live")
        p = subprocess.Popen(
            [*mpirun(3), GETPS, "train", "--sync", "ps",
             "--bind", "tcp://127.0.0.1:0", "--timeout", "120", "--status-port", "0", "--store", self.store,
             "--run-dir", run_dir, "--batch-size", "4", "--epochs", "20", "--lr", "0.05"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=MPI_ENV)
        try:
            # ps: every applied step shows; records add the epoch figures.
            _, text, m = scrape_status(run_dir, lambda m: m.get("getps_epochs_done", 0) >= 1)
            self.assertEqual(m["getps_replicas"], 2)
            self.assertGreaterEqual(m["getps_step"], 6)  # 44 windows / (2 x 4) per step
            self.assertGreater(m["getps_samples_per_second"], 0)
            self.assertIn("getps_train_loss", m)
            print("coordinator /metrics:", {k: v for k, v in m.items() if k != "getps_uptime_seconds"})
        finally:
            p.terminate()  # mpirun passes SIGTERM on to its ranks (SIGKILL would orphan them)
            p.wait(timeout=60)

    def test_three_replicas_run_to_completion(self):
        for sync in ("ps", "mpi"):
            with self.subTest(sync=sync):
                run_dir = self.path(f"three-{sync}")
                p = train_mpirun(4, "--sync", sync, "--store", self.store, "--run-dir", run_dir, "--batch-size", "4",
                           *COMMON)
                self.assertIn("on 3 replicas", p.stdout)
                got = records(run_dir)
                self.assertEqual([r["kind"] for r in got], ["validation", "validation", "test"])
                # 44 windows, 3 x 4 per step: 4 steps per epoch.
                self.assertEqual([r["step"] for r in got[:2]], [4, 8])
                self.assertLess(got[1]["train_loss"], got[0]["train_loss"])
                self.assertGreater(got[2]["pooled"]["n"], 100)
                self.assertEqual([t["replica"] for t in got[0]["throughput"]], [0, 1, 2])
                ckpts = sorted(d for d in os.listdir(os.path.join(run_dir, "checkpoints")) if d.startswith("step-"))
                self.assertEqual(ckpts, ["step-00000004", "step-00000008"])
                self.assertEqual(os.stat(os.path.join(run_dir, "run.key")).st_mode & 0o777, 0o600)

    def test_a_worker_from_outside_mpirun_joins_and_receives_work(self):
        run("train", "--store", self.store, "--run-dir", self.path("single-ext"), "--batch-size", "8", *COMMON)
        run_dir = self.path("external")
        coordinator, endpoint = start_with_external_worker(run_dir, "--store", self.store, "--batch-size", "4",
                                                           *COMMON)
        try:
            key_file = os.path.join(run_dir, "run.key")
            # A key pair that is not the run's client pair (the server's own,
            # a valid CURVE pair): the coordinator's ZAP handler refuses it
            # and never answers.
            keys = dict(line.split(" = ") for line in open(key_file).read().split("\n") if line)
            other = self.path("other.key")
            with open(other, "w") as f:
                for name in ("server_public", "server_secret"):
                    f.write(f"{name} = {keys[name]}\n")
                f.write(f"client_public = {keys['server_public']}\nclient_secret = {keys['server_secret']}\n")
            os.chmod(other, 0o600)
            p = run("worker", "--coordinator", endpoint, "--key-file", other, "--timeout", "2", check=False)
            self.assertEqual(p.returncode, 5, p.stderr)
            self.assertIn("run key", p.stderr)
            # A key file others can read is refused before connecting.
            loose = self.path("loose.key")
            shutil.copy(key_file, loose)
            os.chmod(loose, 0o644)
            p = run("worker", "--coordinator", endpoint, "--key-file", loose, check=False)
            self.assertEqual(p.returncode, 5, p.stderr)
            self.assertIn("chmod 600", p.stderr)
            # The right key: joins as replica 1 of 2 and trains, in a run
            # directory of its own (as on a host that does not share it): the
            # best checkpoint's weights for the test come from the coordinator.
            worker = subprocess.Popen([GETPS, "worker", "--coordinator", endpoint, "--key-file", key_file,
                                       "--run-dir", self.path("worker-local")],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            self.assertIn("joined the run at " + endpoint, worker.stderr.readline())
            out, err = worker.communicate(timeout=300)
            self.assertEqual(worker.returncode, 0, err)
            with open(os.path.join(run_dir, "checkpoints", "best")) as f:
                best = f.read().strip()
            self.assertIn("trained 2 epochs (12 steps) as replica 1 of 2; tested the best checkpoint "
                          + os.path.join(run_dir, "checkpoints", best), out)
            self.assertFalse(os.path.exists(self.path("worker-local/checkpoints")))
            out, err = coordinator.communicate(timeout=300)
            self.assertEqual(coordinator.returncode, 0, err)
        finally:
            if coordinator.poll() is None:
                coordinator.kill()
        self.assertIn("worker on", err)
        self.assertLess(relative_difference(weights(self.path("single-ext"), 12), weights(run_dir, 12)), 1e-5)
        # The held-out test (half of it on the worker) is the one process's.
        test, single_test = records(run_dir)[-1], records(self.path("single-ext"))[-1]
        self.assertEqual(test["kind"], "test")
        self.assertAlmostEqual(test["pooled"]["pearson"], single_test["pooled"]["pearson"], delta=1e-5)

    def test_a_slow_replica_takes_fewer_shards_and_the_weights_stay_the_same(self):
        # A step of 16 windows (2 replicas x batch 2 x 4 accumulated) is 8
        # shards of 2; one process takes the step as 8 batches of 2.
        run("train", "--store", self.store, "--run-dir", self.path("single-acc"), "--batch-size", "2",
            "--accumulation", "8", *COMMON)
        run_dir = self.path("slow")
        coordinator, endpoint = start_with_external_worker(run_dir, "--store", self.store, "--batch-size", "2",
                                                           "--accumulation", "4", *COMMON)
        worker = None
        try:
            worker = subprocess.Popen([GETPS, "worker", "--coordinator", endpoint, "--key-file",
                                       os.path.join(run_dir, "run.key")],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            # Slow the worker down: stopped 30 ms of every 40 (well inside the
            # heartbeat timeout, so it stays a member).
            stopped = 0
            while worker.poll() is None:
                worker.send_signal(signal.SIGSTOP)
                time.sleep(0.03)
                worker.send_signal(signal.SIGCONT)
                stopped += 1
                time.sleep(0.01)
            out, err = worker.communicate(timeout=60)
            self.assertEqual(worker.returncode, 0, err)
            out, err = coordinator.communicate(timeout=300)
            self.assertEqual(coordinator.returncode, 0, err)
        finally:
            for p in (coordinator, worker):
                if p is not None and p.poll() is None:
                    p.kill()
        epochs = [r for r in records(run_dir) if r["kind"] == "validation"]
        windows = [int(sum(r["throughput"][i]["windows"] for r in epochs)) for i in (0, 1)]
        print(f"\nslowed replica 1 ({stopped} stops): windows trained per replica {windows} "
              f"(static slices: {sum(windows) // 2} each)")
        self.assertEqual(sum(windows), 2 * 44)  # every window of both epochs, once
        self.assertLess(windows[1], windows[0])
        final = records(self.path("single-acc"))[-2]["step"]
        self.assertEqual(final, 6)  # 44 windows, 16 per step, 2 epochs
        diff = relative_difference(weights(self.path("single-acc"), final), weights(run_dir, final))
        print(f"slowed run vs one process: weights at step {final}, relative difference {diff:.2e}")
        self.assertLess(diff, 1e-5)

    def test_lora_and_freeze_train_alike_in_distributed_runs(self):
        # The coordinator builds the model as the replicas do (adapters,
        # frozen parameters), so its state of record and checkpoints match
        # them name for name, and 2 replicas equal one process again.
        # (and with a parameter server shard on the MPI data plane, which
        # moves only the adapters' or unfrozen parameters' bytes)
        lora = ["--lora", r"attn\.(qkv|proj)$", "--lora-rank", "4"]
        freeze = ["--freeze", r"^encoder\.blocks\.0\."]
        shard = ["--servers", "1", "--data-plane", "mpi"]
        cases = [("mpi", lora, []), ("ps", lora, []), ("ps", freeze, []), ("ps", lora, shard), ("ps", freeze, shard)]
        for sync, extra, servers in cases:
            with self.subTest(sync=sync, option=extra[0], servers=bool(servers)):
                single = self.path(f"single{extra[0]}")
                if not os.path.exists(single):
                    run("train", "--store", self.store, "--run-dir", single, "--batch-size", "8", *extra, *COMMON)
                run_dir = self.path(f"two-{sync}{extra[0]}{len(servers)}")
                train_mpirun(4 if servers else 3, "--sync", sync, *servers, "--store", self.store, "--run-dir",
                             run_dir, "--batch-size", "4", *extra, *COMMON)
                for name in ("model.pt", "adapters.pt") if extra[0] == "--lora" else ("model.pt",):
                    a, b = (torch.load(os.path.join(d, "checkpoints", "step-00000012", name)) for d in (single, run_dir))
                    self.assertEqual(sorted(a), sorted(b))
                    diff = relative_difference(a, b)
                    print(f"{sync} {' '.join(servers)} {extra[0]}: {name} at step 12 vs one process, "
                          f"relative difference {diff:.2e}")
                    self.assertLess(diff, 1e-5)
                if extra[0] == "--freeze":
                    first = torch.load(os.path.join(run_dir, "checkpoints", "step-00000006", "model.pt"))
                    last = torch.load(os.path.join(run_dir, "checkpoints", "step-00000012", "model.pt"))
                    frozen = [k for k in last if k.startswith("encoder.blocks.0.")]
                    self.assertTrue(frozen)
                    self.assertTrue(all(torch.equal(first[k], last[k]) for k in frozen))
                else:  # written by the coordinator from the best checkpoint, as one process does
                    a, b = (torch.load(os.path.join(d, "merged.pt")) for d in (single, run_dir))
                    self.assertEqual(sorted(a), sorted(b))
                    self.assertLess(relative_difference(a, b), 1e-5)

    def test_replicas_need_not_share_the_run_directory(self):
        # mpirun's MPMD form gives the coordinator (rank 0) and the replica
        # (rank 1) different run directories, as on hosts without a shared
        # file system: every file of the run is in the coordinator's.
        run("train", "--store", self.store, "--run-dir", self.path("single-files"), "--batch-size", "8", *COMMON)
        ours, theirs = self.path("coordinator-dir"), self.path("replica-dir")
        args = ["train", "--sync", "ps", "--bind", "tcp://127.0.0.1:0", "--timeout", "120", "--store", self.store,
                "--batch-size", "8", *COMMON]
        p = subprocess.run([*mpirun(1), GETPS, *args, "--run-dir", ours,
                            ":", "-np", "1", GETPS, *args, "--run-dir", theirs],
                           capture_output=True, text=True, env=MPI_ENV, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        for name in ("checkpoints", "metrics.jsonl", "test_predictions.tsv", "report.html"):
            self.assertTrue(os.path.exists(os.path.join(ours, name)), name)
            self.assertFalse(os.path.exists(os.path.join(theirs, name)), name)
        with open(os.path.join(ours, "test_predictions.tsv")) as a, \
                open(self.path("single-files/test_predictions.tsv")) as b:
            got, want = a.read().splitlines(), b.read().splitlines()
        self.assertEqual(len(got), len(want))
        self.assertEqual([l.split("\t")[:3] for l in got], [l.split("\t")[:3] for l in want])
        test, single_test = records(ours)[-1], records(self.path("single-files"))[-1]
        self.assertAlmostEqual(test["pooled"]["pearson"], single_test["pooled"]["pearson"], delta=1e-5)
        print(f"\ncoordinator's folder: {sorted(os.listdir(ours))}; replica's: {sorted(os.listdir(theirs))}")

    def test_server_shards_equal_one_process(self):
        # Clipping at 0.05 clips every step here (the gradient norms are
        # larger), so the norm summed over the shards is what is tested.
        args = ["--store", self.store, "--clip-grad", "0.05", *COMMON]
        run("train", "--run-dir", self.path("single-c"), "--batch-size", "8", *args)
        single = records(self.path("single-c"))
        run_dir = self.path("servers")
        p = train_mpirun(5, "--sync", "ps", "--servers", "2", "--run-dir", run_dir, "--batch-size", "4", *args)
        self.assertIn("parameter server shard 1", p.stderr)
        self.assertIn("over MPI (--data-plane auto)", p.stderr)  # the default for ranks of the job
        got = records(run_dir)
        self.assertEqual([r["step"] for r in got[:2]], [6, 12])
        for r, s in zip(got[:2], single[:2]):
            self.assertAlmostEqual(r["train_loss"], s["train_loss"], delta=1e-6 * s["train_loss"])
        for step in (6, 12):
            diff = relative_difference(weights(self.path("single-c"), step), weights(run_dir, step))
            print(f"\n--servers 2 vs one process, step {step}: weights {diff:.2e}")
            self.assertLess(diff, 1e-5, f"step {step}")
        # The checkpoint holds every shard's AdamW state: a run resumed from
        # the epoch-1 checkpoint (the shards get the state of record from
        # the coordinator) ends as the uninterrupted one.
        resumed = self.path("servers-resumed")
        shutil.copytree(run_dir, resumed)
        shutil.rmtree(os.path.join(resumed, "checkpoints", "step-00000012"))
        with open(os.path.join(resumed, "metrics.jsonl"), "w") as f:
            f.write(json.dumps(got[0]) + "\n")
        train_mpirun(5, "--sync", "ps", "--servers", "2", "--run-dir", resumed, "--resume", "auto",
               "--batch-size", "4", *args)
        diff = relative_difference(weights(run_dir, 12), weights(resumed, 12))
        print(f"--servers 2 resumed at step 6 vs uninterrupted, step 12: weights {diff:.2e}")
        self.assertLess(diff, 1e-5)
        # Asynchronous, with server shards: completes, the loss falls.
        train_mpirun(5, "--sync", "ps", "--servers", "2", "--staleness", "1", "--run-dir", self.path("servers-async"),
               "--batch-size", "4", "--store", self.store, "--clip-grad", "0.05", "--epochs", "6", *COMMON[2:])
        losses = [r["train_loss"] for r in records(self.path("servers-async")) if r["kind"] == "validation"]
        self.assertEqual(len(losses), 6)
        self.assertLess(min(losses[-2:]), losses[0])
        p = run("train", "--sync", "mpi", "--servers", "1", "--store", self.store, "--run-dir",
                self.path("bad-servers"), *COMMON, check=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("--servers K (K >= 1) needs --sync ps", p.stderr)

    def test_the_mpi_data_plane_and_zeromq_equal_one_process(self):
        # With --servers K the job's replicas move gradients and weights over
        # MPI point-to-point (auto, the default: the tests above) or over
        # the CURVE channel (zmq); both equal one process with the batch.
        args = ["--store", self.store, "--batch-size", "4", *COMMON]
        run("train", "--run-dir", self.path("single-p"), "--batch-size", "8", *args[:2], *COMMON)
        single = self.path("single-p")
        for plane, servers in (("mpi", "1"), ("zmq", "2")):
            run_dir = self.path(f"plane-{plane}")
            p = train_mpirun(3 + int(servers), "--sync", "ps", "--servers", servers, "--data-plane", plane,
                             "--run-dir", run_dir, *args)
            over_mpi = f"gradients and weights to and from the {servers} shard(s) over MPI" in p.stderr
            self.assertEqual(over_mpi, plane == "mpi", p.stderr[-2000:])
            diff = relative_difference(weights(single, 12), weights(run_dir, 12))
            print(f"\n--data-plane {plane} --servers {servers} vs one process, step 12: weights {diff:.2e}")
            self.assertLess(diff, 1e-5)
        # bf16 on the wire, asynchronous, over MPI: completes, the loss falls.
        async_dir = self.path("plane-mpi-async")
        train_mpirun(5, "--sync", "ps", "--servers", "2", "--data-plane", "mpi", "--wire", "bf16",
                     "--staleness", "1", "--run-dir", async_dir, "--store", self.store, "--batch-size", "4",
                     "--epochs", "6", *COMMON[2:])
        losses = [r["train_loss"] for r in records(async_dir) if r["kind"] == "validation"]
        self.assertEqual(len(losses), 6)
        self.assertLess(min(losses[-2:]), losses[0])
        for bad, message in ((["--sync", "ps", "--data-plane", "mpi"], "--data-plane mpi needs --sync ps --servers K"),
                             (["--sync", "mpi", "--data-plane", "zmq"], "--data-plane needs --sync ps")):
            p = run("train", *bad, "--store", self.store, "--run-dir", self.path("bad-plane"), *COMMON, check=False)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn(message, p.stderr)

    def test_bf16_wire_and_asynchronous_ps(self):
        run("train", "--store", self.store, "--run-dir", self.path("single-w"), "--batch-size", "8", *COMMON)
        train_mpirun(3, "--sync", "ps", "--wire", "bf16", "--store", self.store, "--run-dir", self.path("bf16"),
               "--batch-size", "4", *COMMON)
        diff = relative_difference(weights(self.path("single-w"), 12), weights(self.path("bf16"), 12))
        self.assertLess(diff, 1e-3)
        self.assertGreater(diff, 1e-7)  # the gradients did travel in bf16
        # Asynchronous updates make the loss noisy from epoch to epoch (4
        # steps each): over 6 epochs it falls.
        train_mpirun(4, "--sync", "ps", "--staleness", "1", "--store", self.store, "--run-dir", self.path("async"),
               "--batch-size", "4", "--epochs", "6", *COMMON[2:])
        got = [r for r in records(self.path("async")) if r["kind"] == "validation"]
        self.assertEqual([r["step"] for r in got], [4, 8, 12, 16, 20, 24])
        losses = [r["train_loss"] for r in got]
        print(f"\nasynchronous ps: training loss by epoch {[round(x, 4) for x in losses]}")
        self.assertLess(min(losses[-2:]), losses[0])
        p = run("train", "--sync", "mpi", "--staleness", "1", "--store", self.store, "--run-dir",
                self.path("bad"), *COMMON, check=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("--staleness needs --sync ps", p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)

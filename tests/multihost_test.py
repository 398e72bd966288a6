"""A `--sync ps` run over several hosts (netns_hosts.py: network
namespaces on a bridge, each host its own address; host 0 with a storage
interface no other host reaches, as its first interface). The coordinator
and one replica run under mpirun on host 0; `getps worker` replicas join
from hosts 1 and 2 with the run's key file, each with a run folder of its
own.
- bound to the cluster address, to the interface by name, or to every
  interface (with and without --advertise), the endpoint the coordinator
  advertises is the one the other hosts reach (not its host name, which
  resolves to loopback, nor the storage address); the run completes with 3
  replicas and every epoch tiles its plan;
- a replica's host cut off mid-epoch (`ip link set eth0 down`) is dropped
  within the heartbeat timeout, the survivors roll back to the last commit
  and go on; when the link comes back it is told it is stale and rejoins at
  the next commit (3 replicas again); nothing lost, nothing twice;
- one mpirun over the hosts (its daemons started on each through the
  namespaces, as ssh would): the coordinator on host 0, the parameter server
  shard on host 1, two replicas on host 2, gradients on the MPI data plane
  across hosts: it ends at the weights of the same run on one host;
- that shard's host cut off mid-run ends the job; `getps launch` restarts
  it once the link is back, and the run resumes at its last commit and ends
  at the uninterrupted run's weights, nothing lost, nothing twice."""
import json
import os
import re
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from commit_audit_check import assert_nothing_lost_or_doubled, audit, commits, wait_for  # noqa: E402
from getps_cli import (final_weights, GETPS, MPI_ENV, MPIRUN, mpirun, relative_difference,  # noqa: E402
                       SimulatedStoreTest)
import netns_hosts  # noqa: E402

HEARTBEAT = 2  # seconds
TRAIN = ["--leave-out-chromosomes", "chr4", "--batch-size", "2", "--lr", "0.05", "--drop-path", "0",
         "--commit-every", "3", "--heartbeat-timeout", str(HEARTBEAT), "--timeout", "60"]


@unittest.skipIf(MPIRUN is None, "no mpirun (openmpi-bin)")
@unittest.skipIf(netns_hosts.unavailable(), netns_hosts.unavailable())
class SeveralHosts(SimulatedStoreTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hosts = netns_hosts.NetnsHosts.started(3)

    @classmethod
    def tearDownClass(cls):
        cls.hosts.stop()
        super().tearDownClass()

    def start(self, run_dir, epochs, *bind):
        """The coordinator + 1 replica on host 0, 2 workers on hosts 1, 2;
        returns (coordinator job, worker jobs, advertised endpoint)."""
        job = subprocess.Popen(
            self.hosts.command(0, *mpirun(2), GETPS, "train", "--sync", "ps", "--external-workers",
                               "2", *bind, "--store", self.store, "--run-dir", run_dir, "--epochs",
                               str(epochs), *TRAIN),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=MPI_ENV)
        info = os.path.join(run_dir, "coordinator.json")
        wait_for(lambda: os.path.exists(info), "coordinator.json", job=job, timeout=60)
        with open(info) as f:
            endpoint = json.load(f)["endpoint"]
        workers = [subprocess.Popen(
            self.hosts.command(h, GETPS, "worker", "--coordinator", endpoint, "--key-file",
                               os.path.join(run_dir, "run.key"), "--run-dir", f"{run_dir}-host{h}"),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=MPI_ENV) for h in (1, 2)]
        return job, workers, endpoint

    def finish(self, job, workers):
        out, _ = job.communicate(timeout=300)
        self.assertEqual(job.returncode, 0, out[-4000:])
        self.assertIn("coordinator: all replicas finished", out)
        for w in workers:
            w_out, _ = w.communicate(timeout=120)
            self.assertEqual(w.returncode, 0, w_out[-3000:])
        return out

    def test_the_advertised_endpoint_is_the_one_the_other_hosts_reach(self):
        cluster = self.hosts.address(0)
        cases = [("an address", ["--bind", f"tcp://{cluster}:0"]),
                 ("an interface", ["--bind", "tcp://eth0:0"]),
                 ("every interface", ["--bind", "tcp://*:0"]),
                 ("every interface, --advertise", ["--bind", "tcp://*:0", "--advertise", cluster])]
        for n, (what, bind) in enumerate(cases):
            with self.subTest(bind=what):
                run_dir = self.path(f"bind-{n}")
                job, workers, endpoint = self.start(run_dir, 2, *bind)
                self.assertRegex(endpoint, rf"^tcp://{re.escape(cluster)}:\d+$")
                out = self.finish(job, workers)
                self.assertIn("generation 0 with 3 replica(s)", out)
                assert_nothing_lost_or_doubled(self, run_dir, 2)
                why = re.search(r"advertised as \S+ \((.*)\)", out).group(1)
                print(f"bound to {what}: advertised {endpoint} ({why}); 3 replicas on 3 hosts "
                      f"trained 2 epochs, audit exact")

    def test_a_replica_host_cut_off_is_dropped_and_rejoins_when_its_link_returns(self):
        run_dir = self.path("cut")
        job, workers, _ = self.start(run_dir, 8, "--bind", "tcp://eth0:0")
        wait_for(lambda: commits(run_dir) >= 2, "2 commits", job=job, timeout=120)
        self.hosts.set_link(2, up=False)
        cut = time.time()
        try:
            wait_for(lambda: any(l["generation"] == 1 for ls in audit(run_dir).values() for l in ls),
                     "a commit of generation 1", job=job, timeout=120)
            recovered = time.time() - cut
            time.sleep(HEARTBEAT)
        finally:
            self.hosts.set_link(2, up=True)
        out = self.finish(job, workers)
        self.assertIn("generation 0 ended", out)
        self.assertIn("generation 1 with 2 replica(s)", out)
        self.assertIn("generation 2 with 3 replica(s)", out)
        by_epoch = assert_nothing_lost_or_doubled(self, run_dir, 8)
        rejoined = [l for ls in by_epoch.values() for l in ls if l["generation"] == 2 and "resumed_at" in l]
        self.assertEqual([l["replicas"] for l in rejoined], [3])
        redone = sum(l.get("reissued", 0) for ls in by_epoch.values() for l in ls)
        print(f"host 2's link down (heartbeat timeout {HEARTBEAT} s): the survivors committed again "
              f"{recovered:.1f} s after the cut; link up after {HEARTBEAT} s more: host 2 rejoined at "
              f"window {rejoined[0]['resumed_at']} of epoch {rejoined[0]['epoch']}; {redone} windows "
              f"trained again; audit exact")

    def across_hosts(self, run_dir, epochs, recovery=False):
        """One mpirun on host 0 over the hosts: rank 0 (the coordinator) on
        host 0, rank 1 (the shard) on host 1, ranks 2 and 3 on host 2."""
        return self.hosts.command(
            0, *mpirun(4, *self.hosts.mpi_hosts([1, 1, 2]), recovery=recovery), GETPS, "train", "--sync",
            "ps", "--servers", "1", "--bind", "tcp://eth0:0", "--store", self.store, "--run-dir", run_dir,
            "--epochs", str(epochs), *TRAIN)

    def one_host_reference(self, epochs):
        run_dir = self.path(f"one-host-{epochs}")
        if not os.path.exists(run_dir):
            p = subprocess.run([*mpirun(4), GETPS, "train", "--sync", "ps", "--servers", "1", "--bind",
                                "tcp://127.0.0.1:0", "--store", self.store, "--run-dir", run_dir, "--epochs",
                                str(epochs), *TRAIN], capture_output=True, text=True, env=MPI_ENV, timeout=300)
            self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        return run_dir

    def test_one_mpirun_over_the_hosts_trains_as_on_one_host(self):
        run_dir = self.path("across")
        p = subprocess.run(self.across_hosts(run_dir, 3), capture_output=True, text=True, env=MPI_ENV,
                           timeout=300)
        out = p.stdout + p.stderr
        self.assertEqual(p.returncode, 0, out[-4000:])
        shard = re.search(r"parameter server shard 0 bound to \S+, advertised as tcp://([\d.]+):", out)
        self.assertEqual(shard.group(1), self.hosts.address(1), out[-4000:])
        self.assertIn("generation 0 with 2 replica(s)", out)
        assert_nothing_lost_or_doubled(self, run_dir, 3)
        diff = relative_difference(final_weights(self.one_host_reference(3)), final_weights(run_dir))
        self.assertLess(diff, 1e-5)
        print(f"mpirun over 3 hosts (shard on {shard.group(1)}, replicas on {self.hosts.address(2)}): "
              f"3 epochs, audit exact; final weights vs one host: {diff:.1e}")

    def test_a_shard_host_cut_off_ends_the_job_and_the_restart_resumes_it(self):
        run_dir, epochs = self.path("shard-cut"), 8
        job = subprocess.Popen([GETPS, "launch", "--max-restarts", "3", "--restart-delay", "1", "--",
                                *self.across_hosts(run_dir, epochs, recovery=True)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=MPI_ENV)
        lines, seen = [], []  # the job's output lines; when each was read

        def read():
            for line in job.stdout:
                lines.append(line)
                seen.append(time.time())
        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            wait_for(lambda: commits(run_dir) >= 2, "2 commits", job=job, timeout=120)
            before = commits(run_dir)
            self.hosts.set_link(1, up=False)
            cut = time.time()
            try:
                wait_for(lambda: any("attempt 1 " in line for line in lines), "the first attempt's end",
                         job=job, timeout=120)
                ended = time.time() - cut
            finally:
                self.hosts.set_link(1, up=True)
            try:
                job.wait(timeout=300)
            except subprocess.TimeoutExpired:
                self.fail("the restarted job did not end:\n" + "".join(lines)[-6000:])
        finally:
            if job.poll() is None:
                job.kill()
            reader.join(timeout=10)
        out = "".join(lines)
        self.assertEqual(job.returncode, 0, out[-4000:])
        self.assertIn("attempt 2", out)
        lost = next(t for t, line in zip(seen, lines) if "shard 0" in line and "was lost" in line) - cut
        by_epoch = assert_nothing_lost_or_doubled(self, run_dir, epochs)
        resumed = [line for ls in by_epoch.values() for line in ls if "resumed_at" in line]
        self.assertTrue(resumed, "the restart resumed no commit")
        diff = relative_difference(final_weights(self.one_host_reference(epochs)), final_weights(run_dir))
        self.assertLess(diff, 1e-5)
        print(f"shard host cut off after {before} commits: the coordinator named the shard lost "
              f"{lost:.1f} s after the cut (heartbeat timeout {HEARTBEAT} s), the job ended after "
              f"{ended:.1f} s (mpirun cannot reach the cut host's daemon: --stop-grace); the restart "
              f"resumed at window {resumed[0]['resumed_at']} of epoch {resumed[0]['epoch']}; audit exact; final weights vs "
              f"uninterrupted: {diff:.1e}")


if __name__ == "__main__":
    unittest.main(verbosity=2)

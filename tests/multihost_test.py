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
  the next commit (3 replicas again); nothing lost, nothing twice."""
import json
import os
import re
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from commit_audit_check import assert_nothing_lost_or_doubled, audit, commits, wait_for  # noqa: E402
from getps_cli import GETPS, MPI_ENV, MPIRUN, mpirun, SimulatedStoreTest  # noqa: E402
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
        cls.hosts = netns_hosts.NetnsHosts(3)
        try:
            cls.hosts.start()
        except BaseException:
            cls.hosts.stop()
            raise

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


if __name__ == "__main__":
    unittest.main(verbosity=2)

"""Several "hosts" on one machine for the tests: Linux network namespaces
joined by veth pairs to a bridge (in a namespace of its own, so nothing of
the machine's own network changes), each host with its own address on the
cluster network 10.N.0.0/24 and a default route there. Host 0 also has a
storage interface on a second network (10.N.1.0/24) that no other host
reaches, created first so that it is the host's first interface beyond
loopback: what a server advertises must be the cluster address.

Every host shares this machine's file system and host name ("vm" resolving
to 127.0.0.1, as in a fresh cloud image), so a server that advertises its
host name is unreachable from the others. `mpi_hosts` gives mpirun the
hosts as a cluster's: OpenMPI's rsh launcher starts its daemon on each
through `ip netns exec` (an agent script standing in for ssh), in a UTS
namespace whose host name is the host's namespace name: with one host name
for all, 2 of 30 starts of OpenMPI 4.1 hung (measured). Root only;
stop() removes the namespaces and ends what still runs in them."""
import os
import shutil
import signal
import subprocess
import tempfile

AGENT = """#!/bin/sh
# mpirun's rsh agent for namespace hosts: AGENT HOST COMMAND
host=$1
shift
case $host in
{cases}
  *) echo "netns agent: no host $host" >&2; exit 255 ;;
esac
exec ip netns exec "$ns" unshare --uts sh -c "hostname $ns; $*"
"""


def unavailable():
    """Why no namespaces can be made here (None: they can)."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    if shutil.which("ip") is None:
        return "no ip (iproute2)"
    probe = f"getps-probe-{os.getpid()}"
    p = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if p.returncode != 0:
        return f"ip netns add failed: {p.stderr.strip()}"
    subprocess.run(["ip", "netns", "delete", probe], capture_output=True)
    return None


def ip(*args):
    p = subprocess.run(["ip", *args], capture_output=True, text=True)
    if p.returncode != 0:
        raise AssertionError(f"ip {' '.join(args)} failed: {p.stderr.strip()}")
    return p.stdout


class NetnsHosts:
    def __init__(self, hosts):
        self.tag = f"g{os.getpid() % 100000}"
        self.net = 200 + os.getpid() % 50  # 10.net.0.0/24: private to these namespaces
        self.switch = f"getps-{self.tag}-sw"
        self.names = [f"getps-{self.tag}-h{i}" for i in range(hosts)]
        self.made = []
        self.agent = None

    @classmethod
    def started(cls, hosts):
        """`hosts` hosts, started; what was made is removed if that fails."""
        made = cls(hosts)
        try:
            made.start()
        except BaseException:
            made.stop()
            raise
        return made

    def address(self, host, network=0):
        return f"10.{self.net}.{network}.{host + 1}"

    def start(self):
        self._namespace(self.switch)
        for bridge in ("br0", "br1"):
            ip("-n", self.switch, "link", "add", bridge, "type", "bridge")
            ip("-n", self.switch, "link", "set", bridge, "up")
        for host, name in enumerate(self.names):
            self._namespace(name)
            if host == 0:
                self._wire(host, "stor0", "br1", network=1)
            self._wire(host, "eth0", "br0", network=0)
            ip("-n", name, "route", "add", "default", "via", f"10.{self.net}.0.254", "dev", "eth0")
        fd, self.agent = tempfile.mkstemp(prefix=f"getps-{self.tag}-agent-", suffix=".sh")
        cases = "\n".join(f"  {self.address(h)}) ns={name} ;;" for h, name in enumerate(self.names))
        with os.fdopen(fd, "w") as f:
            f.write(AGENT.format(cases=cases))
        os.chmod(self.agent, 0o755)

    def _namespace(self, name):
        ip("netns", "add", name)
        self.made.append(name)
        ip("-n", name, "link", "set", "lo", "up")

    def _wire(self, host, iface, bridge, network):
        """A veth pair: `iface` in the host, its peer on `bridge`."""
        inner, outer = f"{self.tag}{host}{iface[0]}i", f"{self.tag}{host}{iface[0]}o"
        ip("link", "add", inner, "type", "veth", "peer", "name", outer)
        ip("link", "set", inner, "netns", self.names[host])
        ip("link", "set", outer, "netns", self.switch)
        name = self.names[host]
        ip("-n", name, "link", "set", inner, "name", iface)
        ip("-n", name, "addr", "add", f"{self.address(host, network)}/24", "dev", iface)
        ip("-n", name, "link", "set", iface, "up")
        ip("-n", self.switch, "link", "set", outer, "master", bridge)
        ip("-n", self.switch, "link", "set", outer, "up")

    def command(self, host, *args):
        """`args` run on host `host`."""
        return ["ip", "netns", "exec", self.names[host], *args]

    def mpi_hosts(self, slots):
        """mpirun options (run it on host 0) that place slots[h] ranks on
        host h, in rank order, with its daemons and its TCP traffic on the
        cluster network."""
        net = f"10.{self.net}.0.0/24"
        hosts = ",".join(f"{self.address(h)}:{n}" for h, n in enumerate(slots) if n)
        return ["--host", hosts, "--mca", "plm_rsh_agent", self.agent, "--mca", "plm_rsh_no_tree_spawn",
                "1", "--mca", "oob_tcp_if_include", net, "--mca", "btl_tcp_if_include", net]

    def set_link(self, host, up):
        """Cuts host `host` off the cluster network (up=False) or restores it."""
        ip("-n", self.names[host], "link", "set", "eth0", "up" if up else "down")

    def limit(self, host, mbit):
        """Shapes host `host`'s cluster link to `mbit` Mb/s both ways (tc
        tbf on its eth0 and on the bridge port facing it)."""
        burst = max(32, mbit // 8)  # KiB: about 1 ms of traffic, at least a few packets
        for ns, dev in ((self.names[host], "eth0"), (self.switch, f"{self.tag}{host}eo")):
            subprocess.run(["ip", "netns", "exec", ns, "tc", "qdisc", "replace", "dev", dev, "root",
                            "tbf", "rate", f"{mbit}mbit", "burst", f"{burst}kb", "latency", "100ms"],
                           check=True, capture_output=True)

    def stop(self):
        for name in reversed(self.made):
            # A daemon cut off from its mpirun outlives it: nothing stays.
            pids = subprocess.run(["ip", "netns", "pids", name], capture_output=True, text=True).stdout
            for pid in pids.split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (OSError, ValueError):
                    pass
            subprocess.run(["ip", "netns", "delete", name], capture_output=True)
        self.made = []
        if self.agent:
            os.remove(self.agent)
            self.agent = None

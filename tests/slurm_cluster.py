"""A real single-node Slurm for the tests: munged, slurmctld and slurmd of
Debian's slurm-wlm, started as root with every file (config, state, spool,
logs, the munge key and socket) under a temporary folder and ports of their
own, and stopped again with every job cancelled, leaving nothing running
(if the test process is killed instead, the daemons die with it, but a
running job's slurmstepd and processes may outlive it).

The node declares 16 CPUs (config_overrides: more than this machine has, so
a coordinator and replicas fit) and GPUS fake GPUs: character devices made
with mknod (the null device's numbers), which Slurm allocates and names in
CUDA_VISIBLE_DEVICES like real ones; torch sees no GPU, so getps trains on
CPU with Slurm's GPU layout around it."""
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

DAEMONS = ["munged", "slurmctld", "slurmd"]
CLIENTS = ["sbatch", "srun", "scontrol", "scancel", "squeue", "sinfo"]
GPUS = 2


def _die_with_the_test():
    """In the daemon before exec: SIGKILL when the test process ends, even
    when it is killed (a ctest timeout), so no daemon outlives it."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def unavailable():
    """Why no Slurm can be started here (None: it can)."""
    if os.geteuid() != 0:
        return "the Slurm tests start slurmctld and slurmd as root"
    missing = [p for p in DAEMONS + CLIENTS if shutil.which(p) is None]
    if missing:
        return f"no {', '.join(missing)} (Debian's slurmctld, slurmd, slurm-client and munge)"
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SlurmCluster:
    """Start with start(); every client call runs with env()."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="getps-slurm-")
        self.node = socket.gethostname().split(".")[0]
        self.conf = os.path.join(self.dir, "slurm.conf")
        self.daemons = []  # Popen, in start order
        self.logs = []

    def path(self, *names):
        return os.path.join(self.dir, *names)

    def env(self, **extra):
        """The environment of a client command (and of the jobs, which
        sbatch exports): this cluster's config, mpirun as root, one thread."""
        env = dict(os.environ, SLURM_CONF=self.conf, OMPI_ALLOW_RUN_AS_ROOT="1",
                   OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMP_NUM_THREADS="1")
        env.update(extra)
        return env

    def start(self):
        for d in ("state", "spool", "log", "munge", "dev"):
            os.makedirs(self.path(d), mode=0o700)
        self._start_munge()
        devices = []
        for i in range(GPUS):
            devices.append(self.path("dev", f"gpu{i}"))
            os.mknod(devices[-1], 0o600 | 0o020000, os.makedev(1, 3))  # a character device
        with open(self.path("gres.conf"), "w") as f:
            f.write(f"NodeName={self.node} Name=gpu File={self.path('dev')}/gpu[0-{GPUS - 1}]\n")
        with open(self.conf, "w") as f:
            f.write(self._config())
        self.daemons.append(self._daemon(["slurmctld", "-D", "-i", "-f", self.conf], "ctld"))
        self.daemons.append(self._daemon(["slurmd", "-D", "-f", self.conf, "-N", self.node], "d"))
        self._wait_for_idle_node()

    def _start_munge(self):
        key = self.path("munge", "munge.key")
        with open(key, "wb") as f:
            f.write(os.urandom(1024))
        os.chmod(key, 0o400)
        m = self.path("munge")
        socket_path = f"{m}/socket"
        self.daemons.append(self._daemon(
            ["munged", "-F", "-f", f"--key-file={key}", f"--socket={socket_path}",
             f"--pid-file={m}/munged.pid", f"--log-file={m}/munged.log",
             f"--seed-file={m}/munged.seed"], "munged"))
        deadline = time.time() + 30
        while not os.path.exists(socket_path):
            if time.time() > deadline or self.daemons[-1].poll() is not None:
                raise AssertionError(f"munged did not start; see {m}/munged.log")
            time.sleep(0.05)

    def _config(self):
        d = self.dir
        return "\n".join([
            "ClusterName=getpstest", f"SlurmctldHost={self.node}(127.0.0.1)",
            f"SlurmctldPort={free_port()}", f"SlurmdPort={free_port()}",
            # cred_expire: how long a requeued job waits to start again (default
            # 120 s); starting it sooner meets "Job credential revoked".
            "AuthType=auth/munge", f"AuthInfo=socket={d}/munge/socket,cred_expire=5",
            "CredType=cred/munge",
            "SlurmUser=root", "SlurmdUser=root",
            f"StateSaveLocation={d}/state", f"SlurmdSpoolDir={d}/spool",
            f"SlurmctldPidFile={d}/slurmctld.pid", f"SlurmdPidFile={d}/slurmd.pid",
            f"SlurmctldLogFile={d}/log/slurmctld.log", f"SlurmdLogFile={d}/log/slurmd.log",
            "ProctrackType=proctrack/linuxproc", "TaskPlugin=task/none", "MpiDefault=none",
            "SelectType=select/cons_tres", "SelectTypeParameters=CR_Core",
            "SchedulerType=sched/backfill", "ReturnToService=2", "JobRequeue=1",
            "SlurmdParameters=config_overrides", "KillWait=5", "GresTypes=gpu",
            f"NodeName={self.node} NodeAddr=127.0.0.1 CPUs=16 Gres=gpu:{GPUS} State=UNKNOWN",
            "PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP",
            ""])

    def _daemon(self, command, name):
        self.logs.append(open(self.path("log", f"{name}.stderr"), "w"))
        return subprocess.Popen(command, stdout=self.logs[-1], stderr=subprocess.STDOUT,
                                env=self.env(), preexec_fn=_die_with_the_test)

    def _wait_for_idle_node(self, timeout=60):
        deadline = time.time() + timeout
        state = ""
        while time.time() < deadline:
            p = self.client("sinfo", "-h", "-N", "-o", "%T", check=False)
            state = p.stdout.strip()
            if state == "idle":
                return
            time.sleep(0.2)
        raise AssertionError(f"the Slurm node is '{state}', not idle, after {timeout} s; see "
                             f"{self.path('log')}")

    def client(self, *args, check=True, **env):
        p = subprocess.run(list(args), capture_output=True, text=True, env=self.env(**env))
        if check and p.returncode != 0:
            raise AssertionError(f"{' '.join(args)} failed ({p.returncode}): {p.stderr}")
        return p

    def sbatch(self, script, *options, **env):
        """Submits `script` (the job's variables in `env`); returns its id."""
        p = self.client("sbatch", "--parsable", *options, script, **env)
        return p.stdout.strip().split(";")[0]

    def job(self, job_id):
        """scontrol's fields of the job (JobState, Restarts, ExitCode, ...)."""
        p = self.client("scontrol", "show", "job", "-o", job_id)
        return dict(f.split("=", 1) for f in p.stdout.split() if "=" in f)

    def wait_for(self, job_id, states, timeout=300):
        """Waits until the job is in one of `states`; returns its fields."""
        deadline = time.time() + timeout
        fields = {}
        while time.time() < deadline:
            fields = self.job(job_id)
            if fields.get("JobState") in states:
                return fields
            time.sleep(0.2)
        raise AssertionError(f"job {job_id} is {fields.get('JobState')} after {timeout} s, "
                             f"not {states}")

    def requeue_now(self, job_id):
        """Requeues an ended job; it starts again once its old credential
        has expired (cred_expire, 5 s here)."""
        restarts = int(self.job(job_id).get("Restarts", "0"))
        self.client("scontrol", "requeue", job_id)
        # Until the controller has taken the requeue, the job still reads as
        # ended (a waiter would take that for the requeued run's end).
        deadline = time.time() + 30
        while int(self.job(job_id).get("Restarts", "0")) == restarts:
            if time.time() > deadline:
                raise AssertionError(f"job {job_id} was not requeued within 30 s")
            time.sleep(0.1)

    def stop(self):
        """Cancels every job, stops the daemons; removes the folder."""
        if len(self.daemons) == 3:
            self.client("scancel", "--full", "--signal=KILL", "--user=root", check=False)
            deadline = time.time() + 30
            while time.time() < deadline and self.client("squeue", "-h", check=False).stdout.strip():
                time.sleep(0.2)
        for d in reversed(self.daemons):
            d.send_signal(signal.SIGTERM)
            try:
                d.wait(timeout=15)
            except subprocess.TimeoutExpired:
                d.kill()
                d.wait()
        for log in self.logs:
            log.close()
        if not os.environ.get("GETPS_KEEP_SLURM"):
            shutil.rmtree(self.dir, ignore_errors=True)

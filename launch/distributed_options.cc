// The --sync options of `getps train` (distributed_train.h).
#include "common/error.h"
#include "launch/distributed_train.h"

namespace getps::cli {
namespace {

constexpr EnumNames<WireDtype, 2> kWireNames{
    {{{WireDtype::kFp32, "fp32"}, {WireDtype::kBf16, "bf16"}}}};

}  // namespace

void AddDistributedOptions(CommandSpec& spec) {
  const DistributedOptions d;
  spec.options.add_options()("sync", po::value<std::string>()->default_value(""),
                             "distributed under mpirun: mpi (allreduce over MPI), nccl (allreduce "
                             "over NCCL, a GPU per replica; CUDA builds) or ps (parameter server)")(
      "bind", Defaulted(d.bind),
      "with --sync: the coordinator's control endpoint: tcp://ADDRESS:PORT, tcp://INTERFACE:PORT "
      "(e.g. tcp://ib0:0) or tcp://*:PORT (every interface); port 0: any free port")(
      "advertise", Defaulted(d.advertise),
      "with --sync and a tcp://*:PORT --bind: the host name or address replicas and shards "
      "reach the coordinator at (default: the host name when it resolves beyond loopback, "
      "else the address of the default route's interface)")(
      "timeout", Defaulted(d.timeout_seconds),
      "with --sync: seconds any control-channel wait may take")(
      "heartbeat-timeout", Defaulted(d.heartbeat_timeout_seconds),
      "with --sync: seconds of silence after which a peer counts as lost (ps: the run goes "
      "on without it from the last commit; mpi: the job ends, for `getps launch` to restart "
      "it from the last commit)")(
      "min-workers", Defaulted(d.min_workers),
      "with --sync ps: fewer replicas than this and the run pauses, waiting for workers to "
      "join (bounded by --rendezvous-timeout) instead of going on")(
      "rendezvous-timeout", Defaulted(d.rendezvous_timeout_seconds),
      "with --sync ps: seconds the coordinator waits for the replicas a generation needs")(
      "host-failures", Defaulted(d.host_failures),
      "with --sync ps: a host that lost this many replicas within --host-cooldown is kept "
      "out (its workers are refused) until --host-cooldown has passed since its last loss")(
      "host-cooldown", Defaulted(d.host_cooldown_seconds),
      "with --sync ps: seconds of the host cool-down window")(
      "staleness", Defaulted(d.staleness),
      "with --sync ps: -1 synchronous; S >= 0 asynchronous, a replica at most S pushes "
      "ahead of the slowest")("wire", po::value<std::string>()->default_value(WireName(d.wire)),
                              "with --sync ps or nccl: gradients on the wire as fp32 or bf16")(
      "servers", Defaulted(d.servers),
      "with --sync ps: parameter server shards on mpirun ranks 1..K, each owning a balanced "
      "slice of the parameters and their AdamW state (0: the coordinator serves them all)")(
      "data-plane", po::value<std::string>()->default_value(kDataPlanes.Name(d.data_plane)),
      "with --sync ps --servers K: how replicas that are ranks of the job move gradients and "
      "weights to and from the shards: mpi (MPI point-to-point: shared memory on a node, the "
      "cluster's fabric across), zmq (the control channel's CURVE-encrypted ZeroMQ) or auto "
      "(mpi where this MPI's tags allow); `getps worker` replicas always use zmq")(
      "external-workers", Defaulted(d.external_workers),
      "with --sync ps: also wait for this many `getps worker` replicas (see "
      "RUN/coordinator.json)")(
      "status-port", Defaulted(d.status_port),
      "serve live progress over HTTP on this port (/metrics: Prometheus; /: a status page); "
      "0: any free port (see RUN/status.json); off by default; under mpirun on rank 0")(
      "status-bind", Defaulted(d.status_bind),
      "the status server's IPv4 address (0.0.0.0: every interface)")(
      "bucket-mb", Defaulted(d.bucket_mb),
      "with --sync mpi or nccl: gradients are summed in buckets of this many MiB (parameters in "
      "reverse order), each started as soon as backward has produced its gradients")(
      "overlap", po::value<std::string>()->default_value(kOverlapModes.Name(d.overlap)),
      "with --sync mpi or nccl: sum the buckets during backward (on), after it (off; the "
      "same sums), or on where the replicas train on GPUs and off on CPU (auto)");
  spec.ranges["bucket-mb"] = Positive();
}

DistributedOptions ReadDistributedOptions(const po::variables_map& vm) {
  DistributedOptions o;
  const std::string sync = vm["sync"].as<std::string>();
  if (!sync.empty()) o.sync = SyncModeNamed(sync);
  o.bind = vm["bind"].as<std::string>();
  o.advertise = vm["advertise"].as<std::string>();
  o.timeout_seconds = vm["timeout"].as<int>();
  o.external_workers = vm["external-workers"].as<int>();
  o.wire = kWireNames.Parse("--wire", vm["wire"].as<std::string>());
  o.staleness = vm["staleness"].as<int>();
  o.servers = vm["servers"].as<int>();
  o.data_plane = kDataPlanes.Parse("--data-plane", vm["data-plane"].as<std::string>());
  o.status_bind = vm["status-bind"].as<std::string>();
  o.status_port = vm["status-port"].as<int>();
  o.heartbeat_timeout_seconds = vm["heartbeat-timeout"].as<double>();
  o.min_workers = vm["min-workers"].as<int>();
  o.rendezvous_timeout_seconds = vm["rendezvous-timeout"].as<double>();
  o.host_failures = vm["host-failures"].as<int>();
  o.host_cooldown_seconds = vm["host-cooldown"].as<double>();
  o.bucket_mb = vm["bucket-mb"].as<double>();
  o.overlap = kOverlapModes.Parse("--overlap", vm["overlap"].as<std::string>());
  if (!o.sync) return o;
  const bool ps = *o.sync == SyncMode::kParameterServer;
#ifndef GETPS_NCCL
  if (*o.sync == SyncMode::kNccl)
    throw Error(ErrorCode::kInvalidArgument,
                "--sync nccl: this getps was built without NCCL (build it against a CUDA LibTorch: "
                "GETPS_CUDA=ON with a CUDA toolkit, or -DTorch_DIR=...)");
#endif
  if (o.wire == WireDtype::kBf16 && *o.sync == SyncMode::kMpi)
    throw Error(ErrorCode::kInvalidArgument,
                "--wire bf16 needs --sync ps or nccl (MPI has no bfloat16)");
  if (o.staleness >= 0 && !ps)
    throw Error(ErrorCode::kInvalidArgument, "--staleness needs --sync ps");
  if (o.external_workers > 0 && !ps)
    throw Error(ErrorCode::kInvalidArgument, "--external-workers needs --sync ps");
  if ((!vm["bucket-mb"].defaulted() || !vm["overlap"].defaulted()) && ps)
    throw Error(ErrorCode::kInvalidArgument, "--bucket-mb and --overlap need --sync mpi or nccl");
  if (o.servers < 0 || (o.servers > 0 && !ps))
    throw Error(ErrorCode::kInvalidArgument, "--servers K (K >= 1) needs --sync ps");
  if (!vm["data-plane"].defaulted() && !ps)
    throw Error(ErrorCode::kInvalidArgument, "--data-plane needs --sync ps --servers K");
  if (o.data_plane == DataPlane::kMpi && o.servers == 0)
    throw Error(ErrorCode::kInvalidArgument,
                "--data-plane mpi needs --sync ps --servers K (K >= 1): without server shards "
                "the coordinator takes the pushes, over ZeroMQ");
  return o;
}

}  // namespace getps::cli

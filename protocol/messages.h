// The typed messages of the control plane: one struct per message body,
// with its MessageType, its fields (fields.h) and, where it carries any, its
// tensors. The roles build and read messages only through these:
//   Message m = Encode(ShardRequest{windows, shard}, {generation, step});
//   const auto grant = Decode<ShardGrant>(reply);
// The header's generation and step travel in the envelope (Message), not in
// the body. Who sends what to whom is said at each struct.
//
// Error contract: Decode<T> throws Error(kFormatMismatch) for a message of
// another type than T's or a body that misses a field of T, holds one of
// the wrong type or outside its range (fields.h). The frames themselves are
// checked by DecodeMessage (codec.h) before; Decode<T>(frames) does both.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/codec.h"
#include "protocol/fields.h"
#include "protocol/message.h"
#include "protocol/sync_mode.h"

namespace getps {

// The header fields of a message.
struct Envelope {
  std::uint32_t generation = 0;
  std::uint64_t step = 0;
};

enum class PeerRole { kReplica, kCoordinator };  // who says hello to a server
enum class WireDtype { kFp32, kBf16 };           // gradients on the wire
enum class PullKind { kBest, kStateOfRecord };   // which weights a pull asks for
enum class ReduceOp { kSum, kGather, kScale };   // what a reduce does

const char* WireName(PeerRole v);
const char* WireName(WireDtype v);
const char* WireName(PullKind v);
const char* WireName(ReduceOp v);
bool FromWireName(std::string_view text, PeerRole* v);
bool FromWireName(std::string_view text, WireDtype* v);
bool FromWireName(std::string_view text, PullKind* v);
bool FromWireName(std::string_view text, ReduceOp* v);

// Any peer -> a server (the coordinator, or a parameter server shard): join.
// The control channel fills in version and name (ControlClient::Join).
struct Hello {
  static constexpr MessageType kType = MessageType::kHello;
  std::uint16_t version = kProtocolVersion;
  std::string name;
  PeerRole role = PeerRole::kReplica;
  std::optional<std::string> host;
  std::optional<int> mpi_rank;  // a rank of the run's mpirun
  template <class S, class V>
  static void Fields(S& s, V& v) {
    v("version", s.version);
    v("name", s.name);
    v("role", s.role);
    v("host", s.host);
    v("mpi_rank", s.mpi_rank);
  }
};

// A parameter server shard: its endpoint, public key and parameter names;
// `mpi_rank` its rank in the job when the run's data plane is MPI
// (mpi_data_plane.h): a replica that is a rank of the job too sends it its
// pushes' bytes over MPI.
struct ShardAddress {
  std::string endpoint, server_public;
  std::vector<std::string> parameters;
  std::optional<int> mpi_rank;
  template <class S, class V>
  static void Fields(S& s, V& v) {
    v("endpoint", s.endpoint);
    v("server_public", s.server_public);
    v("parameters", s.parameters);
    v("mpi_rank", s.mpi_rank);
  }
};

// A tensor whose bytes travel beside its message over MPI (the MPI data
// plane, mpi_data_plane.h) instead of as a frame: its name, dtype and
// element count (its shape is the receiver's parameter's).
struct MpiTensor {
  std::string name;
  WireDtype dtype = WireDtype::kFp32;
  std::int64_t elements = 0;
  template <class S, class V>
  static void Fields(S& s, V& v) {
    v("name", s.name);
    v("dtype", s.dtype);
    v("elements", s.elements);
  }
};

// What follows a message over MPI: from world rank `rank`, the tensors in
// this order, message i of them (a tensor over kMpiChunkBytes is several,
// protocol/mpi_data_plane.h) with tag `tag` + i.
struct MpiData {
  int rank = 0, tag = 0;
  std::vector<MpiTensor> tensors;
  template <class S, class V>
  static void Fields(S& s, V& v) {
    v("rank", s.rank);
    v("tag", s.tag);
    v("tensors", s.tensors);
  }
};

// Coordinator -> replica: accepted. `train` is the run's TrainOptions
// (worker/model/train_options_json.h); `servers` the --servers K shards.
struct Welcome {
  static constexpr MessageType kType = MessageType::kWelcome;
  SyncMode sync = SyncMode::kMpi;
  bool shards = false;    // the coordinator hands out every step's shards
  int step_replicas = 1;  // the replica count a global step is sized for
  WireDtype wire = WireDtype::kFp32;
  double rendezvous_timeout_s = 0;
  nlohmann::json train = nlohmann::json::object();
  std::optional<std::vector<ShardAddress>> servers;
  template <class S, class V>
  static void Fields(S& s, V& v) {
    v("sync", s.sync);
    v("shards", s.shards);
    v("step_replicas", s.step_replicas);
    v("wire", s.wire);
    v("rendezvous_timeout_s", s.rendezvous_timeout_s);
    v("train", s.train);
    v("servers", s.servers);
  }
};

// Parameter server shard -> any peer: accepted.
struct ShardWelcome {
  static constexpr MessageType kType = MessageType::kWelcome;
  int shard = 0;
  template <class S, class V>
  static void Fields(S& s, V& v) {
    v("shard", s.shard);
  }
};

// Either way: refused, and why.
struct Reject {
  static constexpr MessageType kType = MessageType::kReject;
  std::string reason;
  template <class S, class V>
  static void Fields(S& s, V& v) {
    v("reason", s.reason);
  }
};

// Bodies without fields: the type (and envelope) says it all.
template <MessageType T>
struct Signal {
  static constexpr MessageType kType = T;
  template <class S, class V>
  static void Fields(S&, V&) {}
};
using KeepAlive = Signal<MessageType::kHeartbeat>;    // either way: still alive
using Shutdown = Signal<MessageType::kShutdown>;      // replica -> coordinator: finished;
                                                      // coordinator -> shard: the run is over
using Rendezvous = Signal<MessageType::kRendezvous>;  // replica: take part in the next generation
using Stale = Signal<MessageType::kStale>;            // the sender's generation (envelope) is newer
using CollectState = Signal<MessageType::kCheckpoint>;  // coordinator -> shard: send your state
using ShardReady = Signal<MessageType::kGeneration>;    // shard -> coordinator: state installed

// Replica -> coordinator: work in the envelope's step, whose `windows`
// windows are cut into shards of `shard`.
struct ShardRequest {
  static constexpr MessageType kType = MessageType::kShardRequest;
  std::size_t windows = 0, shard = 0;
  template <class S, class V>
  static void Fields(S& s, V& v) {
    v("windows", s.windows);
    v("shard", s.shard);
  }
};

// Coordinator -> replica: windows [first, first + count) of the step
// (count 0: the step's windows are all handed out); `left` of the step's
// windows are not handed out yet (0: the replica will get no more).
struct ShardGrant {
  static constexpr MessageType kType = MessageType::kShardGrant;
  std::size_t first = 0, count = 0, left = 0;
  template <class S, class V>
  static void Fields(S& s, V& v) {
    v("first", s.first);
    v("count", s.count);
    v("left", s.left);
  }
};

// Replica -> coordinator (the parameter server): the step's gradients;
// `windows`, where shards are handed out, the windows this replica trained.
struct PushGradients {
  static constexpr MessageType kType = MessageType::kPushGradients;
  double lr = 0, clip = 0;
  std::optional<std::size_t> windows;
  std::vector<TensorFrame> tensors;
  template <class S, class V>
  static void Fields(S& s, V& v) {
    v("lr", s.lr);
    v("clip", s.clip);
    v("windows", s.windows);
  }
};

// Replica -> parameter server shard: the gradients of the shard's slice;
// `sq_norm` (asynchronous, clipping) the replica's own squared norm. With
// `mpi` the gradients come over MPI instead of as frames, and the shard
// answers with its weights over MPI too (Parameters::mpi).
struct ShardPush {
  static constexpr MessageType kType = MessageType::kPushGradients;
  int replica = 0;
  double lr = 0, clip = 0;
  std::optional<double> sq_norm;
  std::vector<TensorFrame> tensors;
  std::optional<MpiData> mpi;
  template <class S, class V>
  static void Fields(S& s, V& v) {
    v("replica", s.replica);
    v("lr", s.lr);
    v("clip", s.clip);
    v("sq_norm", s.sq_norm);
    v("mpi", s.mpi);
  }
};

// Replica -> coordinator: the weights of the best checkpoint (for the
// held-out test), or the state of record a --sync mpi run resumes from.
struct PullParameters {
  static constexpr MessageType kType = MessageType::kPullParameters;
  PullKind checkpoint = PullKind::kBest;
  template <class S, class V>
  static void Fields(S& s, V& v) {
    v("checkpoint", s.checkpoint);
  }
};

// Weights (tensors): a ps step's new weights (no body), or the answer to a
// pull: `dir` the checkpoint's folder at the coordinator ("" when there is
// none), `meta` its meta (a state-of-record pull). `mpi`: the weights
// follow over MPI instead (the answer to a ShardPush with `mpi`).
struct Parameters {
  static constexpr MessageType kType = MessageType::kParameters;
  std::optional<std::string> dir;
  std::optional<nlohmann::json> meta;
  std::vector<TensorFrame> tensors;
  std::optional<MpiData> mpi;
  template <class S, class V>
  static void Fields(S& s, V& v) {
    v("dir", s.dir);
    v("meta", s.meta);
    v("mpi", s.mpi);
  }
};

// Replica 0 -> coordinator: one metrics.jsonl record.
struct Metrics {
  static constexpr MessageType kType = MessageType::kMetrics;
  nlohmann::json record = nlohmann::json::object();
  template <class S, class V>
  static void Fields(S& s, V& v) {
    v("record", s.record);
  }
};

// Replica -> coordinator: a commit at the envelope's step. Every --sync ps
// replica sends one (the barrier); in --sync mpi replica 0 alone, with its
// weights and optimizer state (worker/model/tensor_frames.h).
struct CheckpointRequest {
  static constexpr MessageType kType = MessageType::kCheckpoint;
  nlohmann::json meta = nlohmann::json::object();
  bool is_best = false;
  std::vector<TensorFrame> tensors;
  template <class S, class V>
  static void Fields(S& s, V& v) {
    v("meta", s.meta);
    v("is_best", s.is_best);
  }
};

// Coordinator -> replicas: the checkpoint is on disk in `dir`, or could not
// be written (`error`; training goes on).
struct CheckpointDone {
  static constexpr MessageType kType = MessageType::kCheckpointDone;
  std::string dir;
  std::optional<std::string> error;
  template <class S, class V>
  static void Fields(S& s, V& v) {
    v("dir", s.dir);
    v("error", s.error);
  }
};

// Parameter server shard -> coordinator: its slice's weights and AdamW
// state (tensors), answering CollectState.
struct ShardState {
  static constexpr MessageType kType = MessageType::kCheckpointDone;
  std::vector<TensorFrame> tensors;
  template <class S, class V>
  static void Fields(S&, V&) {}
};

// Replica -> coordinator: its part of a sum or gather; replica -> shard:
// the step's gradient scale factor (kScale, one value).
struct Reduce {
  static constexpr MessageType kType = MessageType::kReduce;
  ReduceOp op = ReduceOp::kSum;
  std::vector<double> values;
  template <class S, class V>
  static void Fields(S& s, V& v) {
    v("op", s.op);
    v("values", s.values);
  }
};

// Coordinator -> replica: the sum, or the gather (replica 0; others get
// none); shard -> replica: its part of the squared gradient norm.
struct ReduceResult {
  static constexpr MessageType kType = MessageType::kReduce;
  std::vector<double> values;
  template <class S, class V>
  static void Fields(S& s, V& v) {
    v("values", s.values);
  }
};

// Coordinator -> replica: a generation starts (envelope: its number), with
// this replica's index, the member count, the commit to continue from (its
// meta; none: afresh) and the state of record's weights (tensors).
struct GenerationStart {
  static constexpr MessageType kType = MessageType::kGeneration;
  int replica = 0, replicas = 1;
  std::optional<nlohmann::json> commit;
  std::vector<TensorFrame> tensors;
  template <class S, class V>
  static void Fields(S& s, V& v) {
    v("replica", s.replica);
    v("replicas", s.replicas);
    v("commit", s.commit);
  }
};

// Coordinator -> parameter server shard: a generation starts from the
// slice's weights and AdamW state (tensors); answered ShardReady.
struct ShardGeneration {
  static constexpr MessageType kType = MessageType::kGeneration;
  int replicas = 1;
  int staleness = -1;  // -1 synchronous
  double weight_decay = 0;
  std::vector<TensorFrame> tensors;
  template <class S, class V>
  static void Fields(S& s, V& v) {
    v("replicas", s.replicas);
    v("staleness", s.staleness);
    v("weight_decay", s.weight_decay);
  }
};

// Replica 0 -> coordinator: a file of the run directory to write there.
struct RunFile {
  static constexpr MessageType kType = MessageType::kRunFile;
  std::string name, text;
  template <class S, class V>
  static void Fields(S& s, V& v) {
    v("name", s.name);
    v("text", s.text);
  }
};

template <typename T>
concept CarriesTensors = requires(T& t) {
  { t.tensors } -> std::same_as<std::vector<TensorFrame>&>;
};

template <typename T>
Message Encode(T body, Envelope envelope = {}) {
  Message m;
  m.type = T::kType;
  m.generation = envelope.generation;
  m.step = envelope.step;
  wire::FieldWriter writer(m.body);
  T::Fields(std::as_const(body), writer);
  if constexpr (CarriesTensors<T>) m.tensors = std::move(body.tensors);
  return m;
}

// Throws Error(kFormatMismatch) when `m` is not a well-formed T.
void ExpectType(const Message& m, MessageType type);

template <typename T>
T Decode(const Message& m) {
  ExpectType(m, T::kType);
  T out;
  wire::FieldReader reader(m.body, MessageTypeName(T::kType));
  T::Fields(out, reader);
  if constexpr (CarriesTensors<T>) out.tensors = m.tensors;
  return out;
}

template <typename T>
T Decode(std::vector<zmq::message_t>&& frames, const DecodeLimits& limits = {}) {
  return Decode<T>(DecodeMessage(std::move(frames), limits));
}

}  // namespace getps

// Message: one coordinator <-> worker <-> server message of the control
// plane, in the one versioned schema of getps (design section 7).
//
// On the wire a message is a ZeroMQ multipart message (codec.h):
//   frame 0  a fixed 32-byte header: magic "GTPS", protocol version, type,
//            generation, step, body size, tensor count (little-endian);
//   frame 1  the body: a JSON object (small: shard ranges, metrics, names);
//   frame 2+ one raw frame per tensor, described in body["tensors"] by name,
//            dtype and shape; sent and received without extra copies.
// The protocol library knows nothing of LibTorch: a tensor is bytes plus
// a descriptor, and whoever builds one decides how its memory is owned.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace getps {

constexpr std::uint16_t kProtocolVersion = 3;  // 2: elastic generations; 3: shards on request

enum class MessageType : std::uint16_t {
  kHello = 1,         // worker -> coordinator: join (body: version, worker name)
  kWelcome = 2,       // coordinator -> worker: accepted (body: run id, rank)
  kReject = 3,        // either way: refused (body: reason)
  kHeartbeat = 4,     // either way: still alive
  kShardRequest = 5,  // replica -> coordinator: work in step (header step; body: windows, shard)
  kShardGrant = 6,    // coordinator -> replica: body first, count (0: the step's are all out)
  kShardDone = 7,     // (unused)
  kPushGradients = 8,
  // replica -> coordinator: body checkpoint "best" (its weights), or "state
  // of record" (--sync mpi resuming: the checkpoint resumed from, weights and
  // optimizer.pt); answered with kParameters
  kPullParameters = 9,
  kParameters = 10,  // weights (tensors); for a pull, body dir (empty: none) [and meta]
  kMetrics = 11,
  kShutdown = 12,
  kCheckpoint = 13,      // replica 0 -> coordinator: write the checkpoint of record
  kCheckpointDone = 14,  // coordinator -> replica 0: it is on disk (body: dir)
  kReduce = 15,          // replica -> coordinator -> replicas: sum or gather (body: op, values)
  // Elastic generations (--sync ps): a replica asks to take part in the
  // next generation (kRendezvous); the coordinator starts one with kGeneration
  // (header generation; body: replica, replicas, commit = the meta of the
  // state of record or null; tensors: its weights); kStale tells a replica
  // its generation is over (header generation: the current one).
  kRendezvous = 16,
  kGeneration = 17,
  kStale = 18,
  // Replica 0 -> coordinator: a file of the run directory for the
  // coordinator to write (body: name, text), so replicas need not share it.
  kRunFile = 19,
};
constexpr std::uint16_t kMaxMessageType = 19;

const char* MessageTypeName(MessageType type);

enum class TensorDtype : std::uint8_t { kFloat32, kBFloat16, kFloat16, kInt64, kUInt8 };

std::size_t DtypeSize(TensorDtype dtype);
const char* DtypeName(TensorDtype dtype);

// A tensor travelling as one frame. `data` stays valid while `owner` lives
// (the sender's buffer, or the received ZeroMQ frame).
struct TensorFrame {
  std::string name;
  TensorDtype dtype = TensorDtype::kFloat32;
  std::vector<std::int64_t> shape;
  const void* data = nullptr;
  std::size_t bytes = 0;
  std::shared_ptr<const void> owner;
};

struct Message {
  MessageType type = MessageType::kHeartbeat;
  std::uint32_t generation = 0;  // elastic generation the sender is in
  std::uint64_t step = 0;        // optimiser step the message refers to
  nlohmann::json body = nlohmann::json::object();
  std::vector<TensorFrame> tensors;
};

// A tensor frame that owns a copy of `bytes` bytes at `data`.
TensorFrame CopyTensor(std::string name, TensorDtype dtype, std::vector<std::int64_t> shape,
                       const void* data);

}  // namespace getps

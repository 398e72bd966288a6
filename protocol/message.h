// Message: one coordinator <-> worker <-> server message of the control
// plane, in the one versioned schema of getps (design section 7).
//
// On the wire a message is a ZeroMQ multipart message (codec.h):
//   frame 0  a fixed 32-byte header: magic "GTPS", protocol version, type,
//            generation, step, body size, tensor count (little-endian);
//   frame 1  the body: a JSON object (small: shard ranges, metrics, names),
//            one typed struct per message type (messages.h);
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

// 2: elastic generations; 3: shards on request; 4: grants say what is left;
// 5: work results (a work queue's jobs: getps explain under mpirun);
// 6: the MPI data plane (pushes and weights naming MpiData)
constexpr std::uint16_t kProtocolVersion = 6;

// The type in a message's header. What each carries, who sends it and who
// answers is said at its body's struct in messages.h, the one place that
// builds and reads bodies. Numbers are the wire's: never reuse one.
enum class MessageType : std::uint16_t {
  kHello = 1,
  kWelcome = 2,
  kReject = 3,
  kHeartbeat = 4,
  kShardRequest = 5,
  kShardGrant = 6,
  // 7 was kShardDone, never sent; the decoder refuses it.
  kPushGradients = 8,
  kPullParameters = 9,
  kParameters = 10,
  kMetrics = 11,
  kShutdown = 12,
  kCheckpoint = 13,
  kCheckpointDone = 14,
  kReduce = 15,
  kRendezvous = 16,  // v2: elastic generations
  kGeneration = 17,
  kStale = 18,
  kRunFile = 19,     // v3
  kWorkResult = 20,  // v5
};

// Whether `type` is a MessageType of this protocol version.
bool IsMessageType(std::uint16_t type);

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

// A one-dimensional fp32 frame over `values`, which it keeps alive (no copy).
TensorFrame FloatFrame(std::string name, std::shared_ptr<const std::vector<float>> values);

// A tensor frame that owns a copy of `bytes` bytes at `data`.
TensorFrame CopyTensor(std::string name, TensorDtype dtype, std::vector<std::int64_t> shape,
                       const void* data);

}  // namespace getps

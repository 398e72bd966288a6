#include "protocol/message.h"

#include <cstdint>
#include <cstring>

#include "common/error.h"

namespace getps {

const char* MessageTypeName(MessageType type) {
  switch (type) {
    case MessageType::kHello:
      return "hello";
    case MessageType::kWelcome:
      return "welcome";
    case MessageType::kReject:
      return "reject";
    case MessageType::kHeartbeat:
      return "heartbeat";
    case MessageType::kShardRequest:
      return "shard-request";
    case MessageType::kShardGrant:
      return "shard-grant";
    case MessageType::kPushGradients:
      return "push-gradients";
    case MessageType::kPullParameters:
      return "pull-parameters";
    case MessageType::kParameters:
      return "parameters";
    case MessageType::kMetrics:
      return "metrics";
    case MessageType::kShutdown:
      return "shutdown";
    case MessageType::kCheckpoint:
      return "checkpoint";
    case MessageType::kCheckpointDone:
      return "checkpoint-done";
    case MessageType::kReduce:
      return "reduce";
    case MessageType::kRendezvous:
      return "rendezvous";
    case MessageType::kGeneration:
      return "generation";
    case MessageType::kStale:
      return "stale";
    case MessageType::kRunFile:
      return "run-file";
    case MessageType::kWorkResult:
      return "work-result";
  }
  return "unknown";
}

bool IsMessageType(std::uint16_t type) {
  return type >= 1 && type <= static_cast<std::uint16_t>(MessageType::kWorkResult) && type != 7;
}

std::size_t DtypeSize(TensorDtype dtype) {
  switch (dtype) {
    case TensorDtype::kFloat32:
      return 4;
    case TensorDtype::kBFloat16:
    case TensorDtype::kFloat16:
      return 2;
    case TensorDtype::kInt64:
      return 8;
    case TensorDtype::kUInt8:
      return 1;
  }
  throw Error(ErrorCode::kInternal, "unknown tensor dtype");
}

const char* DtypeName(TensorDtype dtype) {
  switch (dtype) {
    case TensorDtype::kFloat32:
      return "float32";
    case TensorDtype::kBFloat16:
      return "bfloat16";
    case TensorDtype::kFloat16:
      return "float16";
    case TensorDtype::kInt64:
      return "int64";
    case TensorDtype::kUInt8:
      return "uint8";
  }
  return "unknown";
}

TensorFrame FloatFrame(std::string name, std::shared_ptr<const std::vector<float>> values) {
  TensorFrame f;
  f.name = std::move(name);
  f.shape = {static_cast<std::int64_t>(values->size())};
  f.data = values->data();
  f.bytes = values->size() * sizeof(float);
  f.owner = std::shared_ptr<const void>(values, values->data());
  return f;
}

TensorFrame CopyTensor(std::string name, TensorDtype dtype, std::vector<std::int64_t> shape,
                       const void* data) {
  std::size_t n = DtypeSize(dtype);
  for (auto d : shape) n *= static_cast<std::size_t>(d);
  auto buffer = std::shared_ptr<std::byte[]>(new std::byte[n]);
  if (n > 0) std::memcpy(buffer.get(), data, n);
  TensorFrame t;
  t.name = std::move(name);
  t.dtype = dtype;
  t.shape = std::move(shape);
  t.data = buffer.get();
  t.bytes = n;
  t.owner = std::shared_ptr<const void>(buffer, buffer.get());
  return t;
}

}  // namespace getps

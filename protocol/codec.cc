#include "protocol/codec.h"

#include <cstdint>
#include <cstring>
#include <string>

#include "common/error.h"

namespace getps {
namespace {

constexpr char kMagic[4] = {'G', 'T', 'P', 'S'};

template <typename T>
void Put(std::byte* out, std::size_t offset, T value) {  // little-endian hosts only (x86, arm64)
  std::memcpy(out + offset, &value, sizeof value);
}

template <typename T>
T Get(const std::byte* in, std::size_t offset) {
  T value;
  std::memcpy(&value, in + offset, sizeof value);
  return value;
}

[[noreturn]] void Malformed(const std::string& what) {
  throw Error(ErrorCode::kInvalidArgument, "malformed message: " + what);
}

// Releases the shared_ptr a zero-copy frame holds once ZeroMQ is done.
void ReleaseOwner(void*, void* hint) { delete static_cast<std::shared_ptr<const void>*>(hint); }

TensorDtype DtypeNamed(const std::string& name) {
  for (auto d : {TensorDtype::kFloat32, TensorDtype::kBFloat16, TensorDtype::kFloat16,
                 TensorDtype::kInt64, TensorDtype::kUInt8}) {
    if (name == DtypeName(d)) return d;
  }
  Malformed("unknown tensor dtype '" + name + "'");
}

}  // namespace

std::vector<zmq::message_t> EncodeMessage(const Message& m, std::uint16_t version) {
  nlohmann::json body = m.body;
  auto descriptors = nlohmann::json::array();
  for (const auto& t : m.tensors)
    descriptors.push_back({{"name", t.name}, {"dtype", DtypeName(t.dtype)}, {"shape", t.shape}});
  body["tensors"] = descriptors;
  const std::string text = body.dump();

  std::vector<zmq::message_t> frames;
  frames.reserve(2 + m.tensors.size());
  zmq::message_t header(kHeaderBytes);
  auto* h = static_cast<std::byte*>(header.data());
  std::memset(h, 0, kHeaderBytes);
  std::memcpy(h, kMagic, 4);
  Put<std::uint16_t>(h, 4, version);
  Put<std::uint16_t>(h, 6, static_cast<std::uint16_t>(m.type));
  Put<std::uint32_t>(h, 8, m.generation);
  Put<std::uint32_t>(h, 12, static_cast<std::uint32_t>(m.tensors.size()));
  Put<std::uint64_t>(h, 16, m.step);
  Put<std::uint32_t>(h, 24, static_cast<std::uint32_t>(text.size()));
  frames.push_back(std::move(header));
  frames.emplace_back(text.data(), text.size());
  for (const auto& t : m.tensors) {
    auto* hint = new std::shared_ptr<const void>(t.owner);
    frames.emplace_back(const_cast<void*>(t.data), t.bytes, ReleaseOwner, hint);
  }
  return frames;
}

Message DecodeMessage(std::vector<zmq::message_t>&& frames, const DecodeLimits& limits) {
  if (frames.size() < 2)
    Malformed("expected a header and a body frame, got " + std::to_string(frames.size()));
  if (frames[0].size() != kHeaderBytes)
    Malformed("header frame of " + std::to_string(frames[0].size()) + " bytes, expected " +
              std::to_string(kHeaderBytes));
  const auto* h = static_cast<const std::byte*>(frames[0].data());
  if (std::memcmp(h, kMagic, 4) != 0) Malformed("bad magic (not a getps peer)");
  const auto version = Get<std::uint16_t>(h, 4);
  if (version != kProtocolVersion)
    throw Error(ErrorCode::kFormatMismatch,
                "peer speaks getps protocol version " + std::to_string(version) +
                    ", this process speaks version " + std::to_string(kProtocolVersion));
  const auto type = Get<std::uint16_t>(h, 6);
  if (!IsMessageType(type)) Malformed("unknown message type " + std::to_string(type));
  const auto tensor_count = Get<std::uint32_t>(h, 12);
  const auto body_bytes = Get<std::uint32_t>(h, 24);
  if (tensor_count > limits.max_tensors)
    Malformed(std::to_string(tensor_count) + " tensors, more than the limit of " +
              std::to_string(limits.max_tensors));
  if (frames.size() != 2 + static_cast<std::size_t>(tensor_count))
    Malformed("header announces " + std::to_string(tensor_count) + " tensor frames, got " +
              std::to_string(frames.size() - 2));
  if (body_bytes > limits.max_body_bytes)
    Malformed("body of " + std::to_string(body_bytes) + " bytes, more than the limit of " +
              std::to_string(limits.max_body_bytes));
  if (frames[1].size() != body_bytes)
    Malformed("body frame of " + std::to_string(frames[1].size()) + " bytes, header says " +
              std::to_string(body_bytes));

  Message m;
  m.type = static_cast<MessageType>(type);
  m.generation = Get<std::uint32_t>(h, 8);
  m.step = Get<std::uint64_t>(h, 16);
  m.body = nlohmann::json::parse(static_cast<const char*>(frames[1].data()),
                                 static_cast<const char*>(frames[1].data()) + frames[1].size(),
                                 nullptr, /*allow_exceptions=*/false);
  if (!m.body.is_object()) Malformed("body is not a JSON object");
  const auto it = m.body.find("tensors");
  if (it == m.body.end() || !it->is_array() || it->size() != tensor_count)
    Malformed("body[\"tensors\"] must list " + std::to_string(tensor_count) + " tensors");
  for (std::size_t i = 0; i < tensor_count; ++i) {
    const auto& d = (*it)[i];
    if (!d.is_object() || !d.contains("name") || !d["name"].is_string() || !d.contains("dtype") ||
        !d["dtype"].is_string() || !d.contains("shape") || !d["shape"].is_array() ||
        d["shape"].size() > 8)
      Malformed("tensor " + std::to_string(i) +
                ": descriptor needs name, dtype, shape (<= 8 dims)");
    TensorFrame t;
    t.name = d["name"].get<std::string>();
    t.dtype = DtypeNamed(d["dtype"].get<std::string>());
    std::size_t bytes = DtypeSize(t.dtype);
    for (const auto& dim : d["shape"]) {
      if (!dim.is_number_integer() || dim.get<std::int64_t>() < 0)
        Malformed("tensor '" + t.name + "': shape entries must be non-negative integers");
      const auto n = static_cast<std::size_t>(dim.get<std::int64_t>());
      if (n != 0 && bytes > limits.max_tensor_bytes / n)
        Malformed("tensor '" + t.name + "' larger than the limit of " +
                  std::to_string(limits.max_tensor_bytes) + " bytes");
      bytes *= n;
      t.shape.push_back(static_cast<std::int64_t>(n));
    }
    auto frame = std::make_shared<zmq::message_t>(std::move(frames[2 + i]));
    if (frame->size() != bytes)
      Malformed("tensor '" + t.name + "': frame of " + std::to_string(frame->size()) +
                " bytes, its shape and dtype need " + std::to_string(bytes));
    t.data = frame->data();
    t.bytes = bytes;
    t.owner = std::shared_ptr<const void>(frame, frame->data());
    m.tensors.push_back(std::move(t));
  }
  m.body.erase("tensors");
  return m;
}

}  // namespace getps

// Encoding and decoding of Message (message.h) to and from ZeroMQ frames.
//
// Error contract of DecodeMessage: it never crashes on hostile input and
// never allocates more than the limits allow. It throws
//   Error(kFormatMismatch) when the header's magic is right but the protocol
//     version differs (the message says which versions met), and
//   Error(kInvalidArgument, "malformed message: ...") for anything else:
//     truncated or oversized frames, bad magic, unknown type, a body that is
//     not a JSON object, tensor descriptors that disagree with the frames.
#pragma once

#include <zmq.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "protocol/message.h"

namespace getps {

constexpr std::size_t kHeaderBytes = 32;

struct DecodeLimits {
  std::size_t max_body_bytes = 1 << 20;                 // 1 MiB of JSON
  std::size_t max_tensors = 4096;                       // frames after the body
  std::size_t max_tensor_bytes = std::size_t{1} << 32;  // 4 GiB per tensor
};

// Frames for `message`. Tensor frames point at the tensors' memory (no
// copy) and keep their owners alive until ZeroMQ has sent them. `version`
// is for tests that play an older or newer peer.
std::vector<zmq::message_t> EncodeMessage(const Message& message,
                                          std::uint16_t version = kProtocolVersion);

// Takes the frames (tensor frames are adopted, not copied).
Message DecodeMessage(std::vector<zmq::message_t>&& frames, const DecodeLimits& limits = {});

}  // namespace getps

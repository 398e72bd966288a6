// libFuzzer target for the control plane's decoding: the input is split
// into ZeroMQ frames (first byte: how many; then a 2-byte little-endian
// length before each frame but the last), decoded by DecodeMessage, and the
// body then read as every typed message (protocol/messages.h), whatever
// its header says. A refusal (getps::Error) is the expected outcome;
// anything else that escapes is a finding.
#include <cstdint>
#include <vector>
#include <zmq.hpp>

#include "common/error.h"
#include "protocol/codec.h"
#include "protocol/messages.h"

namespace {

std::vector<zmq::message_t> Frames(const std::uint8_t* data, std::size_t size) {
  std::vector<zmq::message_t> frames;
  if (size == 0) return frames;
  const std::size_t n = data[0] % 6 + 1;
  std::size_t at = 1;
  for (std::size_t k = 0; k < n && at <= size; ++k) {
    std::size_t len = size - at;
    if (k + 1 < n && at + 2 <= size) {
      len = std::min<std::size_t>(data[at] | (data[at + 1] << 8), size - at - 2);
      at += 2;
    }
    frames.emplace_back(data + at, len);
    at += len;
  }
  return frames;
}

template <typename T>
void TryDecode(getps::Message m) {
  m.type = T::kType;
  try {
    (void)getps::Decode<T>(m);
  } catch (const getps::Error&) {
  }
}

template <typename... T>
void DecodeAsEach(const getps::Message& m) {
  (TryDecode<T>(m), ...);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace getps;
  getps::Message m;
  try {
    m = DecodeMessage(Frames(data, size));
  } catch (const Error&) {
    return 0;
  }
  DecodeAsEach<Hello, Welcome, ShardWelcome, Reject, KeepAlive, Shutdown, Rendezvous, Stale,
               CollectState, ShardReady, ShardRequest, ShardGrant, PushGradients, ShardPush,
               PullParameters, Parameters, Metrics, CheckpointRequest, CheckpointDone, ShardState,
               Reduce, ReduceResult, GenerationStart, ShardGeneration, RunFile>(m);
  return 0;
}

#include "protocol/codec.h"

#include <gtest/gtest.h>
#include <cstdint>

#include <cstring>
#include <random>

#include "common/error.h"

namespace getps {
namespace {

Message Sample() {
  Message m;
  m.type = MessageType::kPushGradients;
  m.generation = 3;
  m.step = 1234567890123ull;
  m.body = {{"worker", "w1"}, {"shard", {10, 20}}};
  const std::vector<float> g = {1.5f, -2.25f, 0.f, 3.f, 4.f, 5.f};
  m.tensors.push_back(
      CopyTensor("encoder.blocks.0.attn.qkv.weight", TensorDtype::kFloat32, {2, 3}, g.data()));
  const std::vector<std::int64_t> ids = {7};
  m.tensors.push_back(CopyTensor("ids", TensorDtype::kInt64, {1}, ids.data()));
  return m;
}

TEST(Codec, RoundTripKeepsHeaderBodyAndTensorBytes) {
  const Message m = Sample();
  auto frames = EncodeMessage(m);
  ASSERT_EQ(frames.size(), 4u);
  EXPECT_EQ(frames[0].size(), kHeaderBytes);
  // Zero copy on the way out: the tensor frame is the tensor's own memory.
  EXPECT_EQ(frames[2].data(), m.tensors[0].data);
  const Message d = DecodeMessage(std::move(frames));
  EXPECT_EQ(d.type, MessageType::kPushGradients);
  EXPECT_EQ(d.generation, 3u);
  EXPECT_EQ(d.step, 1234567890123ull);
  EXPECT_EQ(d.body, m.body);
  ASSERT_EQ(d.tensors.size(), 2u);
  EXPECT_EQ(d.tensors[0].name, "encoder.blocks.0.attn.qkv.weight");
  EXPECT_EQ(d.tensors[0].shape, (std::vector<std::int64_t>{2, 3}));
  ASSERT_EQ(d.tensors[0].bytes, 24u);
  EXPECT_EQ(std::memcmp(d.tensors[0].data, m.tensors[0].data, 24), 0);
  EXPECT_EQ(*static_cast<const std::int64_t*>(d.tensors[1].data), 7);
}

std::string DecodeError(std::vector<zmq::message_t> frames, ErrorCode expected,
                        const DecodeLimits& limits = {}) {
  try {
    DecodeMessage(std::move(frames), limits);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), expected) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "decoded what should have been refused";
  return "";
}

TEST(Codec, AFloatFrameViewsItsVectorAndKeepsItAlive) {
  auto values = std::make_shared<const std::vector<float>>(std::vector<float>{1, 2, 3});
  const float* at = values->data();
  const TensorFrame f = FloatFrame("w", std::move(values));
  EXPECT_EQ(f.name, "w");
  EXPECT_EQ(f.dtype, TensorDtype::kFloat32);
  EXPECT_EQ(f.shape, std::vector<std::int64_t>{3});
  EXPECT_EQ(f.bytes, 12u);
  EXPECT_EQ(f.data, at);                                  // no copy
  EXPECT_EQ(static_cast<const float*>(f.data)[2], 3.0f);  // alive through f.owner alone
}

TEST(Codec, RefusesTruncatedOversizedAndInconsistentMessages) {
  auto frames = [] { return EncodeMessage(Sample()); };
  {  // a tensor frame cut short
    auto f = frames();
    f[2] = zmq::message_t(f[2].data(), 20);
    EXPECT_NE(DecodeError(std::move(f), ErrorCode::kInvalidArgument).find("frame of 20 bytes"),
              std::string::npos);
  }
  {  // a frame missing
    auto f = frames();
    f.pop_back();
    EXPECT_NE(DecodeError(std::move(f), ErrorCode::kInvalidArgument).find("tensor frames"),
              std::string::npos);
  }
  {  // header cut short
    auto f = frames();
    f[0] = zmq::message_t(f[0].data(), 10);
    DecodeError(std::move(f), ErrorCode::kInvalidArgument);
  }
  {  // not a getps peer
    auto f = frames();
    static_cast<char*>(f[0].data())[0] = 'X';
    EXPECT_NE(DecodeError(std::move(f), ErrorCode::kInvalidArgument).find("bad magic"),
              std::string::npos);
  }
  {  // body over the limit
    DecodeLimits small;
    small.max_body_bytes = 16;
    EXPECT_NE(DecodeError(frames(), ErrorCode::kInvalidArgument, small).find("limit"),
              std::string::npos);
  }
  {  // a shape claiming more than the limit
    Message m;
    m.tensors.push_back(CopyTensor("x", TensorDtype::kFloat32, {0}, nullptr));
    auto f = EncodeMessage(m);
    std::string body =
        R"({"tensors":[{"name":"x","dtype":"float32","shape":[4294967296,4294967296]}]})";
    f[1] = zmq::message_t(body.data(), body.size());
    const auto body_bytes = static_cast<std::uint32_t>(body.size());
    std::memcpy(static_cast<char*>(f[0].data()) + 24, &body_bytes, 4);  // header: body size
    EXPECT_NE(DecodeError(std::move(f), ErrorCode::kInvalidArgument).find("larger than the limit"),
              std::string::npos);
  }
  {  // a body that is not JSON
    auto f = frames();
    static_cast<char*>(f[1].data())[0] = '[';
    DecodeError(std::move(f), ErrorCode::kInvalidArgument);
  }
}

TEST(Codec, AnotherProtocolVersionIsAFormatMismatchNamingBoth) {
  const std::string what =
      DecodeError(EncodeMessage(Sample(), kProtocolVersion + 1), ErrorCode::kFormatMismatch);
  EXPECT_NE(what.find("version " + std::to_string(kProtocolVersion + 1)), std::string::npos);
  EXPECT_NE(what.find("speaks version " + std::to_string(kProtocolVersion)), std::string::npos);
}

// The fuzz target, run briefly: random byte flips, truncations and frame
// splices of valid messages are either decoded or refused with an Error;
// nothing else escapes and nothing crashes (ASan/UBSan builds check the
// memory side).
TEST(Codec, FuzzedFramesAreDecodedOrRefusedNeverCrash) {
  std::mt19937_64 rng(42);
  int refused = 0, decoded = 0;
  for (int iteration = 0; iteration < 20000; ++iteration) {
    auto frames = EncodeMessage(Sample());
    std::vector<zmq::message_t> fuzzed;
    for (auto& f : frames) {
      std::string bytes(static_cast<const char*>(f.data()), f.size());
      const int edits = static_cast<int>(rng() % 4);
      for (int e = 0; e < edits && !bytes.empty(); ++e) {
        switch (rng() % 3) {
          case 0:
            bytes[rng() % bytes.size()] = static_cast<char>(rng());
            break;
          case 1:
            bytes.resize(rng() % bytes.size());
            break;
          default:
            bytes.insert(rng() % bytes.size(), 1, static_cast<char>(rng()));
        }
      }
      if (rng() % 16 != 0) fuzzed.emplace_back(bytes.data(), bytes.size());
    }
    try {
      DecodeMessage(std::move(fuzzed));
      ++decoded;
    } catch (const Error&) {
      ++refused;
    }
  }
  EXPECT_GT(refused, 10000);
  EXPECT_GT(decoded, 0);  // untouched ones still decode
}

}  // namespace
}  // namespace getps

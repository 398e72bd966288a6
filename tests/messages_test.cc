// The typed message bodies (protocol/messages.h): every message type round
// trips; a missing required field, a value of the wrong type, an integer
// out of its range, an unknown enum word and a truncated tensor frame are
// refused with Error (kFormatMismatch for bodies); fuzzed bodies decode or
// are refused, nothing else escapes.
#include "protocol/messages.h"

#include <gtest/gtest.h>
#include <cstdint>

#include <functional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "common/error.h"

namespace getps {
namespace {

TensorFrame Floats(const std::string& name, std::vector<float> values) {
  return CopyTensor(name, TensorDtype::kFloat32, {static_cast<std::int64_t>(values.size())},
                    values.data());
}

// One sample of each message body, with the keys that may be left out.
struct Sample {
  std::string name;
  Message message;
  std::set<std::string> optional;
  std::function<void(const Message&)> decode;  // Decode<T> of the sample's T
};

template <typename T>
Sample Make(std::string name, T body, std::set<std::string> optional = {}) {
  return {std::move(name), Encode(std::move(body), {2, 7}), std::move(optional),
          [](const Message& m) { (void)Decode<T>(m); }};
}

std::vector<Sample> Samples() {
  Hello hello;
  hello.name = "replica 1";
  hello.host = "h1";
  hello.mpi_rank = 2;
  Welcome welcome;
  welcome.train = {{"epochs", 3}};
  welcome.servers = std::vector<ShardAddress>{{"tcp://h:1", "key", {"a.weight", "b.bias"}, 3}};
  return {
      Make("hello", hello, {"host", "mpi_rank"}),
      Make("welcome", welcome, {"servers"}),
      Make("shard welcome", ShardWelcome{3}),
      Make("reject", Reject{"no"}),
      Make("keep-alive", KeepAlive{}),
      Make("shard request", ShardRequest{64, 16}),
      Make("shard grant", ShardGrant{16, 16, 32}),
      Make("push", PushGradients{0.1, 0.5, std::size_t{32}, {Floats("w", {1, 2})}}, {"windows"}),
      Make("shard push", ShardPush{1, 0.1, 0.5, 4.0, {Floats("w", {1, 2})}, std::nullopt},
           {"sq_norm"}),
      Make("pull", PullParameters{PullKind::kStateOfRecord}),
      Make("parameters",
           Parameters{"run/checkpoints/step-1",
                      nlohmann::json{{"step", 1}},
                      {Floats("w", {3})},
                      std::nullopt},
           {"dir", "meta"}),
      Make("metrics", Metrics{{{"kind", "validation"}}}),
      Make("shutdown", Shutdown{}),
      Make("checkpoint", CheckpointRequest{{{"step", 4}}, true, {Floats("w", {1})}}),
      Make("checkpoint done", CheckpointDone{"dir", std::string("disk full")}, {"error"}),
      Make("shard state", ShardState{{Floats("w", {1})}}),
      Make("reduce", Reduce{ReduceOp::kGather, {1.5, 2.5}}),
      Make("reduce result", ReduceResult{{3.0}}),
      Make("rendezvous", Rendezvous{}),
      Make("generation", GenerationStart{1, 3, nlohmann::json{{"step", 2}}, {Floats("w", {1})}},
           {"commit"}),
      Make("shard generation", ShardGeneration{2, -1, 0.05, {Floats("w", {1})}}),
      Make("stale", Stale{}),
      Make("run file", RunFile{"test_predictions.tsv", "a\tb\n"}),
  };
}

ErrorCode CodeOf(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::kInternal;  // nothing thrown: not a refusal code
}

TEST(Messages, EveryBodyRoundTripsThroughTheFrames) {
  for (const auto& s : Samples()) {
    const Message back = DecodeMessage(EncodeMessage(s.message));
    EXPECT_EQ(back.type, s.message.type) << s.name;
    EXPECT_EQ(back.body, s.message.body) << s.name;
    EXPECT_EQ(back.tensors.size(), s.message.tensors.size()) << s.name;
    EXPECT_NO_THROW(s.decode(back)) << s.name;
  }
  const auto push =
      Decode<ShardPush>(Encode(ShardPush{1, 0.25, 0.5, 4.0, {Floats("w", {7})}, std::nullopt}));
  EXPECT_EQ(push.replica, 1);
  EXPECT_EQ(push.lr, 0.25);
  EXPECT_EQ(push.sq_norm, 4.0);
  ASSERT_EQ(push.tensors.size(), 1u);
  EXPECT_EQ(static_cast<const float*>(push.tensors[0].data)[0], 7.0f);
  const auto welcome =
      Decode<Welcome>(Encode(Welcome{SyncMode::kParameterServer, true, 4, WireDtype::kBf16, 1.5,
                                     nlohmann::json::object(), std::nullopt}));
  EXPECT_EQ(welcome.sync, SyncMode::kParameterServer);
  EXPECT_EQ(welcome.wire, WireDtype::kBf16);
  EXPECT_FALSE(welcome.servers.has_value());
}

TEST(Messages, AMissingRequiredFieldIsAFormatMismatchNamingIt) {
  int required = 0;
  for (const auto& s : Samples()) {
    for (const auto& [key, value] : s.message.body.items()) {
      Message m = s.message;
      m.body.erase(key);
      if (s.optional.count(key)) {
        EXPECT_NO_THROW(s.decode(m)) << s.name << " without optional " << key;
        continue;
      }
      ++required;
      try {
        s.decode(m);
        ADD_FAILURE() << s.name << " decoded without " << key;
      } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::kFormatMismatch) << s.name;
        EXPECT_NE(std::string(e.what()).find("'" + key + "' is missing"), std::string::npos)
            << e.what();
      }
    }
  }
  EXPECT_GT(required, 30);
}

TEST(Messages, AFieldOfTheWrongTypeIsAFormatMismatch) {
  for (const auto& s : Samples()) {
    for (const auto& [key, value] : s.message.body.items()) {
      Message m = s.message;
      m.body[key] = nlohmann::json::array({nullptr, "x"});  // wrong for every field type
      EXPECT_EQ(CodeOf([&] { s.decode(m); }), ErrorCode::kFormatMismatch) << s.name << "." << key;
    }
  }
}

TEST(Messages, OutOfRangeNumbersUnknownWordsAndOtherTypesAreRefused) {
  auto refused = [](const Message& m, auto decode) {
    return CodeOf([&] { decode(m); }) == ErrorCode::kFormatMismatch;
  };
  Message shard = Encode(ShardRequest{64, 16});
  shard.body["windows"] = -1;  // a negative count
  EXPECT_TRUE(refused(shard, [](const Message& m) { Decode<ShardRequest>(m); }));
  shard.body["windows"] = 1.5;  // not an integer
  EXPECT_TRUE(refused(shard, [](const Message& m) { Decode<ShardRequest>(m); }));
  Message hello = Encode(Hello{});
  hello.body["mpi_rank"] = std::int64_t{1} << 40;  // past an int
  EXPECT_TRUE(refused(hello, [](const Message& m) { Decode<Hello>(m); }));
  hello = Encode(Hello{});
  hello.body["role"] = "intruder";
  EXPECT_TRUE(refused(hello, [](const Message& m) { Decode<Hello>(m); }));
  Message push = Encode(PushGradients{0.1, 0, std::nullopt, {}});
  push.body["lr"] = "0.1";
  EXPECT_TRUE(refused(push, [](const Message& m) { Decode<PushGradients>(m); }));
  Message metrics = Encode(Metrics{{{"kind", "test"}}});
  metrics.body["record"] = "not an object";
  EXPECT_TRUE(refused(metrics, [](const Message& m) { Decode<Metrics>(m); }));
  // Another type than the one asked for.
  EXPECT_TRUE(refused(Encode(ShardGrant{0, 0}), [](const Message& m) { Decode<ShardRequest>(m); }));
  // Nested: a shard address without its key.
  Welcome w;
  w.servers = std::vector<ShardAddress>{{"tcp://h:1", "key", {}, std::nullopt}};
  Message welcome = Encode(w);
  welcome.body["servers"][0].erase("server_public");
  EXPECT_TRUE(refused(welcome, [](const Message& m) { Decode<Welcome>(m); }));
}

TEST(Messages, ATruncatedTensorFrameIsRefused) {
  for (const auto& s : Samples()) {
    if (s.message.tensors.empty()) continue;
    auto frames = EncodeMessage(s.message);
    const auto& whole = frames[2];
    frames[2] = zmq::message_t(whole.data(), whole.size() - 1);
    try {
      s.decode(DecodeMessage(std::move(frames)));
      ADD_FAILURE() << s.name << " decoded with a truncated tensor";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("frame of"), std::string::npos) << e.what();
    }
  }
}

// Random edits of every sample's body: each decodes or is refused with an
// Error, and nothing else escapes (the ASan/UBSan build checks memory).
TEST(Messages, FuzzedBodiesAreDecodedOrRefusedNeverCrash) {
  std::mt19937_64 rng(7);
  const auto samples = Samples();
  const std::vector<nlohmann::json> values = {nullptr,
                                              true,
                                              -1,
                                              0,
                                              std::int64_t{1} << 62,
                                              1e308,
                                              "",
                                              "sum",
                                              nlohmann::json::array(),
                                              nlohmann::json::object(),
                                              nlohmann::json::array({1, 2})};
  int refused = 0, decoded = 0;
  for (int iteration = 0; iteration < 20000; ++iteration) {
    const auto& s = samples[rng() % samples.size()];
    Message m = s.message;
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits && !m.body.empty(); ++e) {
      auto it = m.body.begin();
      std::advance(it, static_cast<long>(rng() % m.body.size()));
      if (rng() % 4 == 0)
        m.body.erase(it);
      else
        *it = values[rng() % values.size()];
    }
    try {
      s.decode(m);
      ++decoded;
    } catch (const Error&) {
      ++refused;
    }
  }
  EXPECT_GT(refused, 10000);
  EXPECT_GT(decoded, 100);
}

}  // namespace
}  // namespace getps

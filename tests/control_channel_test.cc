#include "protocol/control_channel.h"

#include <gtest/gtest.h>
#include <cstdint>

#include <zmq_addon.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "common/error.h"

namespace getps {
namespace {

using std::chrono::milliseconds;

// A coordinator loop on a thread: welcomes hellos, echoes everything else
// with step + 1, and records the errors it saw, until stopped.
struct EchoCoordinator {
  explicit EchoCoordinator(const RunKeys& keys) : server({"tcp://127.0.0.1:0", keys, {}, {}}) {
    thread = std::thread([this] {
      while (!stopping) {
        auto in = server.Receive(milliseconds(20));
        if (!in) continue;
        if (!in->message) {
          errors.push_back(in->error);
          continue;
        }
        Message reply = *in->message;
        if (reply.type == MessageType::kHello) {
          reply.type = MessageType::kWelcome;
          reply.body = {{"rank", 1}};
        }
        reply.step += 1;
        server.Send(in->peer, reply);
      }
    });
  }
  ~EchoCoordinator() { Stop(); }
  void Stop() {
    stopping = true;
    if (thread.joinable()) thread.join();
  }
  ControlServer server;
  std::atomic<bool> stopping{false};
  std::vector<std::string> errors;  // read after Stop()
  std::thread thread;
};

// A bare DEALER with the run's keys, for sending what ControlClient never
// would (another protocol version, malformed frames).
struct RawPeer {
  RawPeer(const RunKeys& keys, const std::string& endpoint)
      : dealer(context, zmq::socket_type::dealer) {
    dealer.set(zmq::sockopt::linger, 0);
    dealer.set(zmq::sockopt::curve_serverkey, keys.server_public);
    dealer.set(zmq::sockopt::curve_publickey, keys.client_public);
    dealer.set(zmq::sockopt::curve_secretkey, keys.client_secret);
    dealer.connect(endpoint);
  }
  // The next message, decoded; throws when none comes within 5 s.
  Message Receive() {
    zmq::pollitem_t item{dealer.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, milliseconds(5000)) != 1)
      throw std::runtime_error("no reply within 5 s");
    std::vector<zmq::message_t> frames;
    (void)zmq::recv_multipart(dealer, std::back_inserter(frames));
    return DecodeMessage(std::move(frames));
  }
  zmq::context_t context;
  zmq::socket_t dealer;
};

TEST(ControlChannel, JoinAndExchangeTensorsOverCurve) {
  const RunKeys keys = GenerateRunKeys();
  EchoCoordinator coordinator(keys);
  ControlClient client({coordinator.server.endpoint(), keys, "w1", milliseconds(5000), {}, {}});
  EXPECT_EQ(client.Join().body["rank"], 1);
  Message push;
  push.type = MessageType::kPushGradients;
  push.step = 41;
  std::vector<float> grad(1 << 20, 0.5f);  // 4 MiB
  push.tensors.push_back(CopyTensor("g", TensorDtype::kFloat32,
                                    {static_cast<std::int64_t>(grad.size())}, grad.data()));
  const Message echoed = client.Request(push);
  EXPECT_EQ(echoed.step, 42u);
  ASSERT_EQ(echoed.tensors.size(), 1u);
  EXPECT_EQ(static_cast<const float*>(echoed.tensors[0].data)[12345], 0.5f);
  coordinator.Stop();
  EXPECT_TRUE(coordinator.errors.empty());
}

TEST(ControlChannel, AProcessWithoutTheRunKeyCannotRegister) {
  const RunKeys keys = GenerateRunKeys();
  EchoCoordinator coordinator(keys);
  RunKeys intruder = GenerateRunKeys();
  intruder.server_public =
      keys.server_public;  // knows the address and server key, not the client key
  ControlClient client(
      {coordinator.server.endpoint(), intruder, "intruder", milliseconds(700), {}, {}});
  try {
    client.Join();
    FAIL() << "an intruder joined";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kTimeout) << e.what();
    EXPECT_NE(std::string(e.what()).find("run key"), std::string::npos);
  }
  coordinator.Stop();
  EXPECT_TRUE(coordinator.errors.empty());  // nothing of the intruder's got through
}

TEST(ControlChannel, AnotherProtocolVersionIsRefusedWithBothVersions) {
  const RunKeys keys = GenerateRunKeys();
  EchoCoordinator coordinator(keys);
  // A raw DEALER playing a peer of the next protocol version.
  RawPeer peer(keys, coordinator.server.endpoint());
  zmq::socket_t& dealer = peer.dealer;
  Message hello;
  hello.type = MessageType::kHello;
  zmq::send_multipart(dealer, EncodeMessage(hello, kProtocolVersion + 1));
  const Message reply = peer.Receive();
  EXPECT_EQ(reply.type, MessageType::kReject);
  const std::string reason = reply.body["reason"];
  EXPECT_NE(reason.find("version " + std::to_string(kProtocolVersion + 1)), std::string::npos);
  coordinator.Stop();
  ASSERT_EQ(coordinator.errors.size(), 1u);
}

TEST(ControlChannel, MalformedMessagesAreRefusedAndTheServerGoesOn) {
  const RunKeys keys = GenerateRunKeys();
  EchoCoordinator coordinator(keys);
  RawPeer peer(keys, coordinator.server.endpoint());
  zmq::socket_t& dealer = peer.dealer;
  dealer.send(zmq::str_buffer("garbage"), zmq::send_flags::none);
  auto frames = EncodeMessage(Message{});
  frames[1] = zmq::message_t(std::string("{not json"));
  zmq::send_multipart(dealer, frames);
  // Then a well-formed hello on the same connection (so after both): the
  // server is still there and answers it.
  Message hello;
  hello.type = MessageType::kHello;
  zmq::send_multipart(dealer, EncodeMessage(hello));
  EXPECT_EQ(peer.Receive().type, MessageType::kWelcome);
  coordinator.Stop();
  ASSERT_EQ(coordinator.errors.size(), 2u);
  EXPECT_NE(coordinator.errors[0].find("malformed message"), std::string::npos);
}

TEST(ControlChannel, SendingToAGonePeerIsAnErrorNotASilentDrop) {
  const RunKeys keys = GenerateRunKeys();
  ControlServer server({"tcp://127.0.0.1:0", keys, {}, {}});
  try {
    server.Send("no-such-peer", Message{});
    FAIL() << "sent to a peer that does not exist";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  }
  EXPECT_FALSE(server.Receive(milliseconds(10)).has_value());
}

// A hung peer (a real process, SIGSTOPped: its TCP connection stays open
// but it answers no heartbeat) is dropped after the heartbeat timeout, and
// sending to it then fails instead of queueing forever.
TEST(ControlChannel, AHungPeerIsDroppedByHeartbeats) {
  const RunKeys keys = GenerateRunKeys();
  const Heartbeat fast{milliseconds(100), milliseconds(600)};
  ControlServer server({"tcp://127.0.0.1:0", keys, {}, fast});
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {  // the peer: its own context, joins, then waits to be stopped
    ControlClient client({server.endpoint(), keys, "child", milliseconds(5000), {}, fast});
    Message hello;
    hello.type = MessageType::kHello;
    client.Send(hello);
    for (;;) pause();
  }
  std::optional<Incoming> in;
  for (int i = 0; i < 100 && !(in && in->message); ++i) in = server.Receive(milliseconds(100));
  ASSERT_TRUE(in && in->message) << "the child never said hello";
  server.Send(in->peer, Message{});  // alive: accepted
  ASSERT_EQ(kill(child, SIGSTOP), 0);
  bool dropped = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!dropped && std::chrono::steady_clock::now() < deadline) {
    (void)server.Receive(milliseconds(100));
    try {
      server.Send(in->peer, Message{});
    } catch (const Error& e) {
      dropped = e.code() == ErrorCode::kNotFound;
    }
  }
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  EXPECT_TRUE(dropped) << "a stopped peer was still connected after 10 s";
}

}  // namespace
}  // namespace getps

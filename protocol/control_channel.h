// The control plane of a run (design section 7): the coordinator's
// ControlServer (ZeroMQ ROUTER) and each worker's ControlClient (DEALER),
// CURVE-encrypted and authenticated with the run's keys (run_keys.h).
//
// Error contract:
// - every blocking call takes or has a timeout and throws Error(kTimeout)
//   (client) or returns nothing (server) when it passes;
// - a peer with the wrong run key never gets a byte through: the server's
//   ZAP handler refuses its CURVE handshake, so its requests time out;
// - a peer speaking another protocol version is answered with kReject
//   naming both versions, and ControlClient::Join throws Error(kRefused);
// - a malformed message does not stop either end: the server's Receive
//   reports it (peer and reason) and the next message is read as usual; the
//   client's Receive logs it and goes on waiting;
// - sending to a peer that has gone away throws Error(kNotFound)
//   (ZMQ_ROUTER_MANDATORY), never blocks or drops silently;
// - both ends send ZMTP heartbeats every `heartbeat` and drop a connection
//   that stays silent for `heartbeat_timeout` (a hung or partitioned peer,
//   not only a dead one), after which sends to it throw as above; the
//   coordinator probes its workers with kHeartbeat messages, which
//   ControlClient::Receive skips, to find that out while it waits.
// Each object is used from one thread (the server runs its ZAP handler on
// a thread of its own).
#pragma once

#include <zmq.hpp>

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

#include "protocol/codec.h"
#include "protocol/message.h"
#include "protocol/messages.h"
#include "protocol/run_keys.h"

namespace getps {

struct Heartbeat {
  std::chrono::milliseconds interval{1000};
  std::chrono::milliseconds timeout{10000};
};

struct ControlServerOptions {
  std::string bind = "tcp://127.0.0.1:0";  // port 0: an ephemeral port (see endpoint())
  RunKeys keys;
  DecodeLimits limits;
  Heartbeat heartbeat;
};

// What Receive read: a message from `peer`, or why its frames were refused.
struct Incoming {
  std::string peer;  // the ROUTER identity of the sender
  std::optional<Message> message;
  std::string error;  // set when message is empty
};

class ControlServer {
 public:
  explicit ControlServer(const ControlServerOptions& options);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // The endpoint workers connect to, with the real port.
  const std::string& endpoint() const { return endpoint_; }

  // Waits up to `timeout` for one message; nullopt when none came. A hello
  // in another protocol version is answered with kReject here and reported
  // as an error.
  std::optional<Incoming> Receive(std::chrono::milliseconds timeout);

  void Send(const std::string& peer, const Message& message);

 private:
  void ServeZap();

  ControlServerOptions options_;
  zmq::context_t context_;
  zmq::socket_t zap_;
  zmq::socket_t router_;
  std::string endpoint_;
  std::atomic<bool> stopping_{false};
  std::thread zap_thread_;
};

struct ControlClientOptions {
  std::string coordinator;  // e.g. tcp://10.0.0.1:5555
  RunKeys keys;             // needs server_public, client_public, client_secret
  std::string name;         // shown in the coordinator's log
  std::chrono::milliseconds timeout{10000};
  DecodeLimits limits;
  Heartbeat heartbeat;
  // At destruction, messages not sent yet (a replica's last records and its
  // goodbye) are flushed for up to this long, then dropped.
  std::chrono::milliseconds linger{2000};
};

class ControlClient {
 public:
  explicit ControlClient(const ControlClientOptions& options);
  ControlClient(const ControlClient&) = delete;
  ControlClient& operator=(const ControlClient&) = delete;

  // The version handshake: sends `hello` (with this version and the
  // client's name), returns the server's kWelcome (for the caller to
  // decode: a coordinator's Welcome, a shard's ShardWelcome). Throws
  // Error(kRefused) with the server's reason, Error(kTimeout) when no
  // answer comes (server down, or this process's run key is wrong).
  Message Join(Hello hello = {});

  void Send(const Message& message);
  // The next message other than a heartbeat. Throws Error(kTimeout) after
  // `timeout`, Error(kFormatMismatch) for a message in another protocol
  // version; malformed frames are logged and skipped.
  Message Receive(std::chrono::milliseconds timeout);
  // When a message (a heartbeat included) was last read from the server;
  // construction counts as heard. A caller that reads no replies (a
  // coordinator between calls to its server shards) drains with Receive(0)
  // and checks this.
  std::chrono::steady_clock::time_point last_heard() const { return last_heard_; }
  Message Request(const Message& message) {
    Send(message);
    return Receive(options_.timeout);
  }

 private:
  ControlClientOptions options_;
  std::string routing_id_;  // kept across reconnects (the server hands over)
  std::chrono::steady_clock::time_point last_heard_ = std::chrono::steady_clock::now();
  zmq::context_t context_;
  zmq::socket_t dealer_;
};

}  // namespace getps

// FakeCoordinator: a ControlServer on a thread of its own that answers each
// message with what a test's handler returns, for testing a replica's side
// of the control channel (the transports) without a real coordinator.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "protocol/control_channel.h"
#include "protocol/messages.h"

namespace getps::testing_util {

class FakeCoordinator {
 public:
  // handler(peer, message) -> the messages to send back to `peer`; a hello
  // is answered with `welcome`.
  using Handler = std::function<std::vector<Message>(const std::string&, const Message&)>;
  FakeCoordinator(const RunKeys& keys, Message welcome, Handler handler)
      : server_({"tcp://127.0.0.1:0", keys, {}, {}}),
        welcome_(std::move(welcome)),
        handler_(std::move(handler)) {
    thread_ = std::thread([this] { Serve(); });
  }
  ~FakeCoordinator() {
    stopping_ = true;
    thread_.join();
  }
  const std::string& endpoint() const { return server_.endpoint(); }
  // Every message received so far, in order (hellos included).
  std::vector<Message> received() const {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }

 private:
  void Serve() {
    while (!stopping_) {
      auto in = server_.Receive(std::chrono::milliseconds(20));
      if (!in || !in->message) continue;
      {
        std::lock_guard<std::mutex> lock(mu_);
        received_.push_back(*in->message);
      }
      if (in->message->type == MessageType::kHello) {
        server_.Send(in->peer, welcome_);
        continue;
      }
      for (const auto& reply : handler_(in->peer, *in->message)) server_.Send(in->peer, reply);
    }
  }

  ControlServer server_;
  Message welcome_;
  Handler handler_;
  mutable std::mutex mu_;
  std::vector<Message> received_;  // guarded by mu_
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace getps::testing_util

#include "protocol/control_channel.h"

#include <cstdint>
#include <zmq_addon.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <random>

#include "common/error.h"
#include "common/log.h"

namespace getps {
namespace {

std::array<std::uint8_t, 32> DecodeZ85(const std::string& key) {
  std::array<std::uint8_t, 32> out{};
  if (key.size() != 40 || zmq_z85_decode(out.data(), key.c_str()) == nullptr)
    throw Error(ErrorCode::kInvalidArgument, "not a Z85 CURVE key: '" + key + "'");
  return out;
}

// ZMTP heartbeats: PINGs every interval; a connection silent for `timeout`
// is closed; the peer is told to do the same (TTL).
void SetHeartbeat(zmq::socket_t& socket, const Heartbeat& h) {
  socket.set(zmq::sockopt::heartbeat_ivl, static_cast<int>(h.interval.count()));
  socket.set(zmq::sockopt::heartbeat_timeout, static_cast<int>(h.timeout.count()));
  socket.set(zmq::sockopt::heartbeat_ttl, static_cast<int>(h.timeout.count()));
}

// "c-" and 16 hex digits: printable, never starting with the zero byte
// ZeroMQ reserves, and unique among a run's clients.
std::string RandomRoutingId() {
  std::random_device random;
  const std::uint64_t bits = (std::uint64_t{random()} << 32) ^ random();
  char id[24];
  std::snprintf(id, sizeof id, "c-%016llx", static_cast<unsigned long long>(bits));
  return id;
}

std::vector<zmq::message_t> ReceiveFrames(zmq::socket_t& socket) {
  std::vector<zmq::message_t> frames;
  (void)zmq::recv_multipart(socket, std::back_inserter(frames));
  return frames;
}

}  // namespace

ControlServer::ControlServer(const ControlServerOptions& options)
    : options_(options),
      zap_(context_, zmq::socket_type::rep),
      router_(context_, zmq::socket_type::router) {
  // The ZAP handler must be bound before any CURVE socket of this context
  // accepts a connection.
  zap_.bind("inproc://zeromq.zap.01");
  zap_thread_ = std::thread([this] { ServeZap(); });
  router_.set(zmq::sockopt::linger, 0);
  router_.set(zmq::sockopt::router_mandatory, 1);
  // A client that reconnects (after a hang, or a dropped link) keeps its
  // routing id: the new connection takes the old one's place.
  router_.set(zmq::sockopt::router_handover, 1);
  router_.set(zmq::sockopt::curve_server, 1);
  router_.set(zmq::sockopt::curve_secretkey, options_.keys.server_secret);
  router_.set(zmq::sockopt::zap_domain, "getps");
  SetHeartbeat(router_, options_.heartbeat);
  try {
    router_.bind(options_.bind);
  } catch (const zmq::error_t& e) {
    stopping_ = true;
    zap_thread_.join();
    throw Error(ErrorCode::kIOError, "cannot bind " + options_.bind + ": " + e.what());
  }
  endpoint_ = router_.get(zmq::sockopt::last_endpoint);
}

ControlServer::~ControlServer() {
  stopping_ = true;
  if (zap_thread_.joinable()) zap_thread_.join();
}

// ZAP (RFC 27): admit a CURVE client only with the run's client key.
void ControlServer::ServeZap() {
  const auto allowed = DecodeZ85(options_.keys.client_public);
  zap_.set(zmq::sockopt::linger, 0);
  while (!stopping_) {
    zmq::pollitem_t item{zap_.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, std::chrono::milliseconds(50)) == 0) continue;
    auto request = ReceiveFrames(zap_);
    if (request.size() < 6) continue;
    const bool ok = request[5].to_string() == "CURVE" && request.size() >= 7 &&
                    request[6].size() == allowed.size() &&
                    std::memcmp(request[6].data(), allowed.data(), allowed.size()) == 0;
    std::array<zmq::message_t, 6> reply{
        zmq::message_t(std::string("1.0")),
        zmq::message_t(request[1].to_string()),
        zmq::message_t(std::string(ok ? "200" : "400")),
        zmq::message_t(std::string(ok ? "OK" : "not this run's key")),
        zmq::message_t(std::string(ok ? "worker" : "")),
        zmq::message_t()};
    zmq::send_multipart(zap_, reply);
  }
}

std::optional<Incoming> ControlServer::Receive(std::chrono::milliseconds timeout) {
  zmq::pollitem_t item{router_.handle(), 0, ZMQ_POLLIN, 0};
  if (zmq::poll(&item, 1, timeout) == 0) return std::nullopt;
  auto frames = ReceiveFrames(router_);
  Incoming in;
  if (frames.empty()) return in;
  in.peer = frames.front().to_string();
  frames.erase(frames.begin());
  try {
    in.message = DecodeMessage(std::move(frames), options_.limits);
  } catch (const Error& e) {
    in.error = e.what();
    if (e.code() == ErrorCode::kFormatMismatch) {  // answer in our version: the peer can read why
      try {
        Send(in.peer, Encode(Reject{std::string("coordinator refused: ") + e.what()}));
      } catch (const Error&) {  // gone already: nothing to tell
      }
    }
  }
  return in;
}

void ControlServer::Send(const std::string& peer, const Message& message) {
  auto frames = EncodeMessage(message);
  try {
    router_.send(zmq::buffer(peer), zmq::send_flags::sndmore);
    for (std::size_t i = 0; i < frames.size(); ++i) {
      router_.send(frames[i],
                   i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
    }
  } catch (const zmq::error_t& e) {
    if (e.num() == EHOSTUNREACH)
      throw Error(ErrorCode::kNotFound, "peer " + peer + " is no longer connected");
    throw Error(ErrorCode::kIOError, std::string("send failed: ") + e.what());
  }
}

ControlClient::ControlClient(const ControlClientOptions& options)
    : options_(options),
      routing_id_(RandomRoutingId()),
      dealer_(context_, zmq::socket_type::dealer) {
  dealer_.set(zmq::sockopt::linger, static_cast<int>(options_.linger.count()));
  dealer_.set(zmq::sockopt::curve_serverkey, options_.keys.server_public);
  dealer_.set(zmq::sockopt::curve_publickey, options_.keys.client_public);
  dealer_.set(zmq::sockopt::curve_secretkey, options_.keys.client_secret);
  SetHeartbeat(dealer_, options_.heartbeat);
  dealer_.set(zmq::sockopt::routing_id, routing_id_);
  try {
    dealer_.connect(options_.coordinator);
  } catch (const zmq::error_t& e) {
    throw Error(ErrorCode::kInvalidArgument,
                "cannot connect to '" + options_.coordinator + "': " + e.what());
  }
}

Message ControlClient::Join(Hello hello) {
  hello.version = kProtocolVersion;
  hello.name = options_.name;
  Message reply;
  try {
    reply = Request(Encode(hello));
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kFormatMismatch) throw Error(ErrorCode::kRefused, e.what());
    throw;
  }
  if (reply.type == MessageType::kReject) {
    std::string reason = "refused";
    try {
      reason = Decode<Reject>(reply).reason;
    } catch (const Error&) {  // a reject we cannot read is still a refusal
    }
    throw Error(ErrorCode::kRefused, reason);
  }
  if (reply.type != MessageType::kWelcome)
    throw Error(ErrorCode::kRefused,
                std::string("expected welcome, got ") + MessageTypeName(reply.type));
  return reply;
}

void ControlClient::Send(const Message& message) {
  auto frames = EncodeMessage(message);
  // DEALER queues while connecting; a full queue past the timeout is an error.
  dealer_.set(zmq::sockopt::sndtimeo, static_cast<int>(options_.timeout.count()));
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const auto sent = dealer_.send(
        frames[i], i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
    if (!sent)
      throw Error(ErrorCode::kTimeout, "could not send to " + options_.coordinator + " within " +
                                           std::to_string(options_.timeout.count()) + " ms");
  }
}

Message ControlClient::Receive(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const auto left = std::max(std::chrono::milliseconds(0),
                               std::chrono::duration_cast<std::chrono::milliseconds>(
                                   deadline - std::chrono::steady_clock::now()));
    zmq::pollitem_t item{dealer_.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, left) == 0)
      throw Error(ErrorCode::kTimeout,
                  "no reply from " + options_.coordinator + " within " +
                      std::to_string(timeout.count()) +
                      " ms: the coordinator is down or unreachable, or refused this process's "
                      "run key");
    auto frames = ReceiveFrames(dealer_);
    last_heard_ = std::chrono::steady_clock::now();
    try {
      Message m = DecodeMessage(std::move(frames), options_.limits);
      if (m.type != MessageType::kHeartbeat) return m;  // liveness probes are no reply
    } catch (const Error& e) {
      if (e.code() == ErrorCode::kFormatMismatch) throw;  // another version: the caller says
      LogWarning(options_.name + ": dropped a malformed message from " + options_.coordinator +
                 ": " + e.what());
    }
  }
}

}  // namespace getps

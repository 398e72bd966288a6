// Parameter-server exchange benchmark: N worker threads push a full
// gradient (fp32 by default, the paper model's 85,486,366 parameters) to S
// server shards over loopback TCP through the real control channel (CURVE,
// protocol frames), each shard sums the pushes of a step and answers every
// worker with its slice of the parameters. Reports push+pull GB/s.
//
//   exchange_bench WORKERS SHARDS [STEPS] [PARAMETERS]
//   exchange_bench raw plain|curve [STEPS] [PARAMETERS]
// The raw form is the reference: one worker and one shard exchanging the
// same bytes over bare ZeroMQ sockets (no getps protocol), with or without
// CURVE, to show what the protocol and the encryption cost.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "protocol/control_channel.h"
#include "protocol/run_keys.h"

namespace {

using namespace getps;
using std::chrono::milliseconds;

// One shard: sums the workers' pushes, then answers each with its params.
void ServeShard(ControlServer& server, std::size_t n, int workers, int steps) {
  auto params = std::make_shared<std::vector<float>>(n, 0.5f);
  std::vector<float> sum(n);
  for (int step = 0; step < steps; ++step) {
    std::vector<std::string> peers;
    std::fill(sum.begin(), sum.end(), 0.f);
    while (static_cast<int>(peers.size()) < workers) {
      auto in = server.Receive(milliseconds(60000));
      if (!in || !in->message) throw std::runtime_error("shard: no or bad push");
      if (in->message->type == MessageType::kHello) {
        Message welcome;
        welcome.type = MessageType::kWelcome;
        server.Send(in->peer, welcome);
        continue;
      }
      const auto* g = static_cast<const float*>(in->message->tensors.at(0).data);
      for (std::size_t i = 0; i < n; ++i) sum[i] += g[i];
      peers.push_back(in->peer);
    }
    for (std::size_t i = 0; i < n; ++i) (*params)[i] -= 1e-6f * sum[i];
    Message reply;
    reply.type = MessageType::kParameters;
    reply.tensors.push_back(FloatFrame("params", params));
    for (const auto& p : peers) server.Send(p, reply);
  }
}

// Bare ZeroMQ: a DEALER sends `bytes`, a ROUTER thread answers with the
// same number of bytes, `steps` times after one warm-up.
int RawExchange(bool curve, int steps, std::size_t total) {
  const RunKeys keys = GenerateRunKeys();
  zmq::context_t context;
  zmq::socket_t router(context, zmq::socket_type::router),
      dealer(context, zmq::socket_type::dealer);
  for (auto* s : {&router, &dealer}) s->set(zmq::sockopt::linger, 0);
  if (curve) {
    router.set(zmq::sockopt::curve_server, 1);
    router.set(zmq::sockopt::curve_secretkey, keys.server_secret);
    dealer.set(zmq::sockopt::curve_serverkey, keys.server_public);
    dealer.set(zmq::sockopt::curve_publickey, keys.client_public);
    dealer.set(zmq::sockopt::curve_secretkey, keys.client_secret);
  }
  router.bind("tcp://127.0.0.1:0");
  dealer.connect(router.get(zmq::sockopt::last_endpoint));
  const std::size_t bytes = total * sizeof(float);
  std::vector<char> out(bytes, 1), back(bytes, 2);
  std::thread server([&] {
    for (int i = 0; i <= steps; ++i) {
      zmq::message_t id, payload;
      (void)router.recv(id);
      (void)router.recv(payload);
      router.send(id, zmq::send_flags::sndmore);
      router.send(zmq::buffer(back.data(), back.size()));
    }
  });
  std::chrono::steady_clock::time_point t0;
  for (int i = 0; i <= steps; ++i) {
    if (i == 1) t0 = std::chrono::steady_clock::now();
    dealer.send(zmq::buffer(out.data(), out.size()));
    zmq::message_t reply;
    (void)dealer.recv(reply);
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  server.join();
  std::printf(
      "raw ZeroMQ (%s): 1 worker, 1 shard, %zu fp32: %.3f s per step, %.2f GB/s push+pull\n",
      curve ? "CURVE" : "plain", total, secs / steps,
      2.0 * static_cast<double>(bytes) * steps / secs / 1e9);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 3 && std::string(argv[1]) == "raw") {
    return RawExchange(std::string(argv[2]) == "curve", argc > 3 ? std::stoi(argv[3]) : 3,
                       argc > 4 ? std::stoull(argv[4]) : 85486366);
  }
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: exchange_bench WORKERS SHARDS [STEPS] [PARAMETERS]\n"
                 "       exchange_bench raw plain|curve [STEPS] [PARAMETERS]\n");
    return 2;
  }
  const int workers = std::stoi(argv[1]), shards = std::stoi(argv[2]);
  const int steps = argc > 3 ? std::stoi(argv[3]) : 3;
  const std::size_t total = argc > 4 ? std::stoull(argv[4]) : 85486366;
  const std::size_t per_shard =
      (total + static_cast<std::size_t>(shards) - 1) / static_cast<std::size_t>(shards);
  const RunKeys keys = GenerateRunKeys();
  std::vector<std::unique_ptr<ControlServer>> servers;
  std::vector<std::thread> threads;
  for (int s = 0; s < shards; ++s) {
    servers.push_back(
        std::make_unique<ControlServer>(ControlServerOptions{"tcp://127.0.0.1:0", keys, {}, {}}));
    threads.emplace_back([&, s] {
      ServeShard(*servers[static_cast<std::size_t>(s)], per_shard, workers, steps + 1);
    });
  }
  std::vector<double> seconds(static_cast<std::size_t>(workers));
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] {
      std::vector<std::unique_ptr<ControlClient>> clients;
      for (auto& server : servers) {
        clients.push_back(std::make_unique<ControlClient>(
            ControlClientOptions{server->endpoint(), keys, "bench", milliseconds(120000), {}, {}}));
        clients.back()->Join();
      }
      auto grad = std::make_shared<std::vector<float>>(per_shard, 0.25f);
      std::chrono::steady_clock::time_point t0;
      for (int step = 0; step <= steps; ++step) {  // step 0 warms up
        if (step == 1) t0 = std::chrono::steady_clock::now();
        Message push;
        push.type = MessageType::kPushGradients;
        push.tensors.push_back(FloatFrame("grad", grad));
        for (auto& c : clients) c->Send(push);
        for (auto& c : clients) (void)c->Receive(milliseconds(120000));
      }
      seconds[static_cast<std::size_t>(w)] =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    });
  }
  for (auto& t : threads) t.join();
  double slowest = 0;
  for (double s : seconds) slowest = std::max(slowest, s);
  const double bytes = 2.0 * static_cast<double>(per_shard * static_cast<std::size_t>(shards)) *
                       sizeof(float) * workers * steps;  // push + pull, every worker
  std::printf(
      "exchange: %d workers, %d shards, %zu fp32 parameters: %.3f s per step, %.2f GB/s push+pull "
      "(all workers), %.2f GB/s per worker\n",
      workers, shards, total, slowest / steps, bytes / slowest / 1e9,
      bytes / slowest / 1e9 / workers);
  return 0;
}

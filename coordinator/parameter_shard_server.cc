#include "coordinator/parameter_shard_server.h"

#include <torch/torch.h>

#include <memory>
#include <string>

#include "common/error.h"
#include "common/log.h"
#include "coordinator/parameter_server.h"
#include "coordinator/step_exchange.h"
#include "worker/optimizer.h"
#include "worker/tensor_frames.h"

namespace getps {
namespace {

class ParameterShard {
 public:
  ParameterShard(const ParameterShardOptions& o, ControlServer& server) : o_(o), server_(server) {}

  void Serve() {
    using Clock = std::chrono::steady_clock;
    const auto started = Clock::now();
    auto last_probe = started;
    while (true) {
      if (coordinator_.empty() && Clock::now() - started > o_.timeout)
        throw Error(ErrorCode::kTimeout, Name() + ": the coordinator did not connect within " +
                                             std::to_string(o_.timeout.count() / 1000) + " s");
      if (!coordinator_.empty() && Clock::now() - last_probe > o_.probe_interval) {
        Message probe;
        probe.type = MessageType::kHeartbeat;
        ToCoordinator(probe);
        last_probe = Clock::now();
      }
      auto in = server_.Receive(std::chrono::milliseconds(200));
      if (!in) continue;
      if (!in->message) {
        LogWarning(Name() + ": refused a message: " + in->error);
        continue;
      }
      if (!Handle(in->peer, *in->message)) return;
    }
  }

 private:
  std::string Name() const { return "parameter server shard " + std::to_string(o_.shard); }

  void ToCoordinator(const Message& m) {
    try {
      server_.Send(coordinator_, m);
    } catch (const Error& e) {
      throw Error(ErrorCode::kTimeout, Name() + ": the coordinator is gone (" + e.what() + ")");
    }
  }

  // A replica that cannot be reached is the coordinator's to find out.
  void Answer(const std::string& peer, const Message& m) {
    try {
      server_.Send(peer, m);
    } catch (const Error& e) {
      LogWarning(Name() + ": could not answer a replica: " + e.what());
    }
  }

  // Returns false once the coordinator says the run is over.
  bool Handle(const std::string& peer, const Message& m) {
    switch (m.type) {
      case MessageType::kHello: {
        if (m.body.value("role", std::string()) == "coordinator") coordinator_ = peer;
        Message welcome;
        welcome.type = MessageType::kWelcome;
        welcome.body = {{"shard", o_.shard}};
        Answer(peer, welcome);  // a joiner gone already is no reason to stop
        return true;
      }
      case MessageType::kPushGradients:
      case MessageType::kReduce:
        try {
          FromReplica(peer, m);
        } catch (const Error& e) {  // that replica's fault: it is refused, the run goes on
          LogError(Name() + ": " + e.what());
          Message reject;
          reject.type = MessageType::kReject;
          reject.body = {{"reason", e.what()}};
          Answer(peer, reject);
        }
        return true;
      case MessageType::kGeneration:
      case MessageType::kStale:
      case MessageType::kCheckpoint:
      case MessageType::kShutdown:
        if (peer != coordinator_) {
          LogWarning(Name() + ": " + MessageTypeName(m.type) + " from a replica ignored");
          return true;
        }
        return FromCoordinator(m);
      default:
        LogWarning(Name() + ": unexpected " + MessageTypeName(m.type) + " message ignored");
        return true;
    }
  }

  bool FromCoordinator(const Message& m) {
    if (m.type == MessageType::kShutdown) return false;
    if (m.type == MessageType::kGeneration) {
      Install(m);
      Message done;
      done.type = MessageType::kGeneration;
      done.generation = generation_;
      ToCoordinator(done);
    } else if (m.type == MessageType::kStale) {
      running_ = false;
      if (exchange_) {
        Message stale;  // in the generation now, as the coordinator says
        stale.type = MessageType::kStale;
        stale.generation = m.generation;
        for (const auto& peer : exchange_->Drop()) Answer(peer, stale);
      }
    } else {  // kCheckpoint
      if (!optimizer_) throw Error(ErrorCode::kInternal, Name() + ": checkpoint before any state");
      Message state;
      state.type = MessageType::kCheckpointDone;
      state.tensors = ParameterStateFrames(parameters_, *optimizer_);
      ToCoordinator(state);
    }
    return true;
  }

  // The commit a generation starts from: the first one also makes the
  // slice's tensors and optimizer (the slice never changes).
  void Install(const Message& m) {
    if (!optimizer_) {
      for (const auto& f : m.tensors) {
        if (f.name.find('@') != std::string::npos) continue;  // AdamW state
        parameters_.emplace_back(f.name,
                                 torch::zeros(f.shape, torch::kFloat).set_requires_grad(true));
        elements_ += parameters_.back().second.numel();
      }
      OptimizerOptions opt;
      opt.weight_decay = m.body.at("weight_decay").get<double>();
      optimizer_ = MakeAdamW(parameters_, opt);
      ps_ = std::make_unique<ParameterServer>(parameters_, *optimizer_);
      exchange_ = std::make_unique<StepExchange>(ps_.get(), m.body.at("staleness").get<int>(),
                                                 /*split_norm=*/true);
      LogInfo(Name() + ": " + std::to_string(parameters_.size()) + " parameter tensors, " +
              std::to_string(elements_) + " elements");
    }
    exchange_->Drop();
    LoadParameterState(parameters_, *optimizer_, m.tensors, "the coordinator");
    generation_ = m.generation;
    replicas_ = m.body.at("replicas").get<int>();
    running_ = true;
  }

  void FromReplica(const std::string& peer, const Message& m) {
    if (!running_ || m.generation != generation_) {  // its generation is over
      Message stale;
      stale.type = MessageType::kStale;
      stale.generation = m.generation + 1;
      return Answer(peer, stale);
    }
    Replies replies;
    if (m.type == MessageType::kReduce) {
      replies = exchange_->Scale(peer, replicas_, m);
    } else {
      const int replica = m.body.value("replica", -1);
      if (replica < 0 || replica >= replicas_)
        throw Error(ErrorCode::kInternal, Name() + ": a push from replica " +
                                              std::to_string(replica) + " of " +
                                              std::to_string(replicas_));
      replies = exchange_->Push(peer, replica, replicas_, m);
    }
    for (auto& r : replies) {
      r.message.generation = generation_;
      Answer(r.peer, r.message);
    }
  }

  ParameterShardOptions o_;
  ControlServer& server_;
  std::string coordinator_;  // its peer id, once it said hello
  NamedTensors parameters_;  // the slice (owned here)
  std::int64_t elements_ = 0;
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  std::unique_ptr<ParameterServer> ps_;
  std::unique_ptr<StepExchange> exchange_;
  std::uint32_t generation_ = 0;
  int replicas_ = 0;
  bool running_ = false;  // a generation is running
};

}  // namespace

void ServeParameterShard(const ParameterShardOptions& options, ControlServer& server) {
  ParameterShard(options, server).Serve();
}

}  // namespace getps

#include "coordinator/parameter_shard_server.h"

#include <torch/torch.h>
#include <cstdint>

#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "common/error.h"
#include "common/log.h"
#include "coordinator/mpi_pushes.h"
#include "coordinator/parameter_server.h"
#include "coordinator/step_exchange.h"
#include "protocol/messages.h"
#include "worker/model/optimizer.h"
#include "worker/model/tensor_frames.h"

namespace getps {
namespace {

class ParameterShard {
 public:
  ParameterShard(const ParameterShardOptions& o, ControlServer& server) : o_(o), server_(server) {
    if (o.data_plane.open()) mpi_.emplace(o.data_plane, o.timeout);
  }

  void Serve() {
    using Clock = std::chrono::steady_clock;
    const auto started = Clock::now();
    auto last_probe = started;
    MpiProgress progress;  // of the MPI transfers in flight
    while (true) {
      if (coordinator_.empty() && Clock::now() - started > o_.timeout)
        throw Error(ErrorCode::kTimeout, Name() + ": the coordinator did not connect within " +
                                             std::to_string(o_.timeout.count() / 1000) + " s");
      if (!coordinator_.empty() && Clock::now() - last_probe > o_.probe_interval) {
        ToCoordinator(Encode(KeepAlive{}));
        last_probe = Clock::now();
      }
      const bool busy = mpi_ && mpi_->busy();
      if (!busy) progress.Restart();
      auto in = server_.Receive(PollWait(busy, &progress));
      if (busy) PollMpi();
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

  // How long to wait for a control message: MPI moves bytes only while
  // this rank calls into it, so while transfers are in flight and messages
  // keep completing the loop polls without waiting (yielding the core),
  // then every millisecond (a lost peer's transfers stay until their
  // deadline).
  static std::chrono::milliseconds PollWait(bool busy, MpiProgress* progress) {
    if (!busy) return std::chrono::milliseconds(200);
    if (!progress->Moving()) return std::chrono::milliseconds(1);
    std::this_thread::yield();
    return std::chrono::milliseconds(0);
  }

  // Pushes whose bytes came in over MPI are served; those whose bytes did
  // not come in time are refused.
  void PollMpi() {
    for (const auto& push : mpi_->Ready()) ServeReplica(push.peer, push.message);
    for (const auto& peer : mpi_->Expired()) {
      LogError(Name() + ": a push's gradients did not come over MPI within " +
               std::to_string(o_.timeout.count() / 1000) + " s");
      Answer(peer, Encode(Reject{"its gradients did not come over MPI in time"}));
    }
  }

  // A push or scale factor of a replica; one that breaks the protocol is
  // that replica's fault: it is refused, the run goes on.
  void ServeReplica(const std::string& peer, const Message& m) {
    try {
      FromReplica(peer, m);
    } catch (const Error& e) {
      if (e.code() == ErrorCode::kIOError) throw;  // MPI failed: this shard cannot go on
      LogError(Name() + ": " + e.what());
      Answer(peer, Encode(Reject{e.what()}));
    }
  }

  // A push naming MPI data: its bytes are received (and dropped when its
  // generation is over) before it is served.
  void AcceptMpi(const std::string& peer, const Message& m) {
    if (!mpi_) return Answer(peer, Encode(Reject{Name() + " has no MPI data plane"}));
    if (!running_ || m.generation != generation_) {
      mpi_->Drain(m);
      return Answer(peer, Encode(Stale{}, {m.generation + 1, 0}));
    }
    mpi_->Accept(peer, m);
  }

  // Returns false once the coordinator says the run is over. A message
  // that does not decode is logged and dropped.
  bool Handle(const std::string& peer, const Message& m) {
    try {
      return Dispatch(peer, m);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kFormatMismatch) throw;
      LogWarning(Name() + ": dropped a malformed " + MessageTypeName(m.type) +
                 " message: " + e.what());
      return true;
    }
  }

  bool Dispatch(const std::string& peer, const Message& m) {
    switch (m.type) {
      case MessageType::kHello:
        if (Decode<Hello>(m).role == PeerRole::kCoordinator) coordinator_ = peer;
        Answer(peer, Encode(ShardWelcome{o_.shard}));  // a joiner gone already is no reason to stop
        return true;
      case MessageType::kPushGradients:
      case MessageType::kReduce:
        if (MpiPushes::NamesMpiData(m))
          AcceptMpi(peer, m);
        else
          ServeReplica(peer, m);
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
    switch (m.type) {
      case MessageType::kShutdown:
        return false;
      case MessageType::kGeneration:
        Install(Decode<ShardGeneration>(m), m.generation);
        ToCoordinator(Encode(ShardReady{}, {generation_, 0}));
        return true;
      case MessageType::kStale:
        running_ = false;
        {  // in the generation now, as the coordinator says
          const Message stale = Encode(Stale{}, {m.generation, 0});
          if (exchange_)
            for (const auto& peer : exchange_->Drop()) Answer(peer, stale);
          // Pushes whose bytes were still coming in: drained, and answered too.
          if (mpi_)
            for (const auto& peer : mpi_->DrainAll()) Answer(peer, stale);
        }
        return true;
      default:  // kCheckpoint: collect the state
        if (!optimizer_)
          throw Error(ErrorCode::kInternal, Name() + ": checkpoint before any state");
        ToCoordinator(Encode(ShardState{ParameterStateFrames(parameters_, *optimizer_)}));
        return true;
    }
  }

  // The commit a generation starts from: the first one also makes the
  // slice's tensors and optimizer (the slice never changes).
  void Install(const ShardGeneration& start, std::uint32_t generation) {
    if (!optimizer_) {
      for (const auto& f : start.tensors) {
        if (f.name.find('@') != std::string::npos) continue;  // AdamW state
        parameters_.emplace_back(f.name,
                                 torch::zeros(f.shape, torch::kFloat).set_requires_grad(true));
        elements_ += parameters_.back().second.numel();
      }
      OptimizerOptions opt;
      opt.weight_decay = start.weight_decay;
      optimizer_ = MakeAdamW(parameters_, opt);
      ps_ = std::make_unique<ParameterServer>(parameters_, *optimizer_);
      exchange_ = std::make_unique<StepExchange>(ps_.get(), start.staleness, /*split_norm=*/true);
      LogInfo(Name() + ": " + std::to_string(parameters_.size()) + " parameter tensors, " +
              std::to_string(elements_) + " elements");
    }
    exchange_->Drop();
    if (mpi_) mpi_->DrainAll();
    LoadParameterState(parameters_, *optimizer_, start.tensors, "the coordinator");
    generation_ = generation;
    replicas_ = start.replicas;
    running_ = true;
  }

  void FromReplica(const std::string& peer, const Message& m) {
    if (!running_ || m.generation != generation_)  // its generation is over
      return Answer(peer, Encode(Stale{}, {m.generation + 1, 0}));
    Replies replies;
    if (m.type == MessageType::kReduce) {
      replies = exchange_->Scale(peer, replicas_, m);
    } else {
      const int replica = Decode<ShardPush>(m).replica;
      if (replica < 0 || replica >= replicas_)
        throw Error(ErrorCode::kInternal, Name() + ": a push from replica " +
                                              std::to_string(replica) + " of " +
                                              std::to_string(replicas_));
      replies = exchange_->Push(peer, replica, replicas_, m);
    }
    for (auto& r : replies) {
      r.message.generation = generation_;
      Answer(r.peer, mpi_ ? mpi_->Outgoing(r.peer, r.message) : r.message);
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
  std::optional<MpiPushes> mpi_;  // --data-plane mpi
  std::uint32_t generation_ = 0;
  int replicas_ = 0;
  bool running_ = false;  // a generation is running
};

}  // namespace

void ServeParameterShard(const ParameterShardOptions& options, ControlServer& server) {
  ParameterShard(options, server).Serve();
}

}  // namespace getps

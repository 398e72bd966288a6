#include "coordinator/coordinator.h"

#include <torch/torch.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "common/error.h"
#include "common/log.h"
#include "coordinator/parameter_server.h"
#include "storage/store_reader.h"
#include "worker/checkpoint.h"
#include "worker/optimizer.h"
#include "worker/region_model.h"
#include "worker/state_dict.h"
#include "worker/tensor_frames.h"

namespace getps {
namespace {

class Coordinator {
 public:
  Coordinator(const CoordinatorOptions& o, ControlServer& server)
      : o_(o), server_(server), checkpoints_(o.train.run_dir, o.train.keep_last) {
    std::filesystem::create_directories(o.train.run_dir);
    metrics_.open(std::filesystem::path(o.train.run_dir) / "metrics.jsonl", std::ios::app);
    // The same model the replicas build (same seed, same init): the
    // parameter server's state of record, or the vessel of mpi checkpoints.
    auto store = StoreReader::Open(o.train.store);
    auto config = GetModelConfig::Named(o.train.model_size,
                                        static_cast<std::int64_t>(store->num_motifs() + 1));
    config.drop_path_max = o.train.drop_path;
    torch::manual_seed(o.train.seed);
    model_ = MakeRegionModel(o.train.model, config);
    if (!o.train.init.empty()) LoadStateDict(model_->module(), CheckpointWeightsPath(o.train.init));
    OptimizerOptions opt;
    opt.weight_decay = o.train.weight_decay;
    optimizer_ = MakeAdamW(model_->module(), opt);
    ps_ = std::make_unique<ParameterServer>(model_->module(), *optimizer_);
  }

  void Serve() {
    auto last_heard = std::chrono::steady_clock::now();
    while (finished_.size() < static_cast<std::size_t>(o_.replicas)) {
      auto in = server_.Receive(std::chrono::milliseconds(200));
      if (!in) {
        if (std::chrono::steady_clock::now() - last_heard > o_.timeout)
          throw Error(ErrorCode::kTimeout, "coordinator: no replica heard from for " +
                                               std::to_string(o_.timeout.count() / 1000) + " s (" +
                                               std::to_string(finished_.size()) + " of " +
                                               std::to_string(o_.replicas) + " finished)");
        continue;
      }
      last_heard = std::chrono::steady_clock::now();
      if (!in->message) {
        LogWarning("coordinator: refused a message: " + in->error);
        continue;
      }
      Handle(in->peer, *in->message);
    }
    // Every replica's last checkpoint went through Handle already; wait for
    // in-flight pushes is unnecessary: a finished replica pushes no more.
  }

 private:
  void Handle(const std::string& peer, const Message& m) {
    switch (m.type) {
      case MessageType::kHello: {
        Message welcome;
        welcome.type = MessageType::kWelcome;
        welcome.body = {{"replicas", o_.replicas},
                        {"sync", o_.sync == SyncMode::kMpi ? "mpi" : "ps"}};
        server_.Send(peer, welcome);
        LogInfo("coordinator: " + m.body.value("name", std::string("a replica")) + " joined");
        return;
      }
      case MessageType::kPullParameters:
        return SendParameters(peer);
      case MessageType::kPushGradients:
        return Push(peer, m);
      case MessageType::kMetrics: {
        nlohmann::json record = m.body.at("record");
        record["time"] =
            std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
                .count();
        metrics_ << record.dump() << "\n";
        metrics_.flush();
        return;
      }
      case MessageType::kCheckpoint:
        return Checkpoint(peer, m);
      case MessageType::kShutdown:
        finished_.insert(peer);
        return;
      default:
        LogWarning(std::string("coordinator: unexpected ") + MessageTypeName(m.type) +
                   " message ignored");
    }
  }

  void SendParameters(const std::string& peer) {
    Message reply;
    reply.type = MessageType::kParameters;
    reply.tensors = ps_->Snapshot();
    server_.Send(peer, reply);
  }

  // Synchronous: the update applies once every replica pushed this step.
  void Push(const std::string& peer, const Message& m) {
    if (o_.sync != SyncMode::kParameterServer)
      throw Error(ErrorCode::kInternal, "gradients pushed to a --sync mpi coordinator");
    ps_->Accumulate(m.step, m.tensors);
    waiting_.push_back(peer);
    if (ps_->pushes() < o_.replicas) return;
    ps_->Apply(m.body.at("lr").get<double>(), m.body.at("clip").get<double>());
    Message reply;
    reply.type = MessageType::kParameters;
    reply.step = m.step + 1;
    reply.tensors = ps_->Snapshot();
    for (const auto& p : waiting_) server_.Send(p, reply);
    waiting_.clear();
  }

  void Checkpoint(const std::string& peer, const Message& m) {
    if (o_.sync == SyncMode::kMpi) {  // replica 0 sent its weights and optimizer
      torch::NoGradGuard no_grad;
      auto named = model_->module().named_parameters();
      for (const auto& f : m.tensors) {
        if (f.name == "optimizer.pt") {
          std::istringstream bytes(std::string(static_cast<const char*>(f.data), f.bytes));
          torch::load(*optimizer_, bytes);
        } else if (auto* p = named.find(f.name)) {
          p->copy_(TensorOf(f).view_as(*p));
        } else {
          throw Error(ErrorCode::kInternal, "checkpoint names unknown parameter " + f.name);
        }
      }
    }
    const std::string dir =
        checkpoints_.Save(static_cast<std::int64_t>(m.step), model_->module(), *optimizer_,
                          m.body.at("meta"), m.body.at("is_best").get<bool>());
    Message done;
    done.type = MessageType::kCheckpointDone;
    done.body = {{"dir", dir}};
    server_.Send(peer, done);
  }

  CoordinatorOptions o_;
  ControlServer& server_;
  CheckpointManager checkpoints_;
  std::ofstream metrics_;
  std::unique_ptr<RegionModel> model_;
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  std::unique_ptr<ParameterServer> ps_;
  std::vector<std::string> waiting_;  // replicas whose push awaits the step's update
  std::set<std::string> finished_;
};

}  // namespace

void RunCoordinator(const CoordinatorOptions& options, ControlServer& server) {
  Coordinator(options, server).Serve();
}

}  // namespace getps

#include "coordinator/coordinator.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "common/error.h"
#include "common/json_number.h"
#include "common/log.h"
#include "common/wall_clock.h"
#include "coordinator/parameter_server.h"
#include "storage/store_reader.h"
#include "worker/checkpoint.h"
#include "worker/initial_model.h"
#include "worker/optimizer.h"
#include "worker/region_model.h"
#include "worker/state_dict.h"
#include "worker/tensor_frames.h"
#include "worker/train_options_json.h"

namespace getps {
namespace {

class Coordinator {
 public:
  Coordinator(const CoordinatorOptions& o, ControlServer& server, RunProgress* progress)
      : o_(o),
        server_(server),
        progress_(progress),
        checkpoints_(o.train.run_dir, o.train.keep_last) {
    std::filesystem::create_directories(o.train.run_dir);
    metrics_.open(std::filesystem::path(o.train.run_dir) / "metrics.jsonl", std::ios::app);
    // The same model the replicas build (same seed, same init): the
    // parameter server's state of record, or the vessel of mpi checkpoints.
    GetModelConfig config;
    model_ = MakeInitialModel(o.train, *StoreReader::Open(o.train.store), &config);
    OptimizerOptions opt;
    opt.weight_decay = o.train.weight_decay;
    optimizer_ = MakeAdamW(model_->module(), opt);
    // A resumed run: the state of record is the newest valid checkpoint (the
    // replicas check it matches the store and model, and load it too).
    if (o.train.resume) {
      if (auto dir = checkpoints_.NewestValid()) {
        LoadStateDict(model_->module(), *dir + "/model.pt");
        torch::load(*optimizer_, *dir + "/optimizer.pt");
        checkpoints_.AdoptAsStateOfRecord(*dir);
        if (progress_)
          progress_->Set("step", CheckpointManager::ReadMeta(*dir).at("step").get<double>(),
                         "Optimizer steps done.");
        LogInfo("coordinator: state of record from " + *dir);
      }
    }
    ps_ = std::make_unique<ParameterServer>(model_->module(), *optimizer_);
  }

  void Serve() {
    auto last_heard = std::chrono::steady_clock::now(), last_probe = last_heard;
    while (finished_.size() < static_cast<std::size_t>(Replicas())) {
      if (std::chrono::steady_clock::now() - last_probe > o_.probe_interval) {
        ProbeReplicas();
        last_probe = std::chrono::steady_clock::now();
      }
      auto in = server_.Receive(std::chrono::milliseconds(200));
      if (!in) {
        if (std::chrono::steady_clock::now() - last_heard > o_.timeout)
          throw Error(ErrorCode::kTimeout, "coordinator: no replica heard from for " +
                                               std::to_string(o_.timeout.count() / 1000) + " s (" +
                                               std::to_string(finished_.size()) + " of " +
                                               std::to_string(Replicas()) + " finished)");
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
  // A kHeartbeat to every joined, unfinished replica: the send throws once
  // the control channel has dropped the peer (its process ended, or it
  // missed heartbeats for the heartbeat timeout). A peer that is gone may
  // have said goodbye in a message not read yet: messages are read for up
  // to half a second first, and only a peer still not finished then is lost.
  void ProbeReplicas() {
    Message probe;
    probe.type = MessageType::kHeartbeat;
    std::vector<std::pair<std::string, int>> gone;
    for (const auto& [peer, index] : replica_of_) {
      if (finished_.count(peer)) continue;
      try {
        server_.Send(peer, probe);
      } catch (const Error&) {
        gone.emplace_back(peer, index);
      }
    }
    if (gone.empty()) return;
    const auto grace = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
    auto all_finished = [&] {
      return std::all_of(gone.begin(), gone.end(),
                         [&](const auto& g) { return finished_.count(g.first) > 0; });
    };
    while (!all_finished() && std::chrono::steady_clock::now() < grace) {
      if (auto in = server_.Receive(std::chrono::milliseconds(50)); in && in->message)
        Handle(in->peer, *in->message);
    }
    for (const auto& [peer, index] : gone) {
      if (finished_.count(peer)) continue;
      throw Error(ErrorCode::kTimeout,
                  "coordinator: replica " + std::to_string(index) +
                      " was lost (its process ended or it missed heartbeats); ending the job "
                      "so that it can be restarted from the last commit (getps launch)");
    }
  }

  void Handle(const std::string& peer, const Message& m) {
    switch (m.type) {
      case MessageType::kHello:
        return Welcome(peer, m);
      case MessageType::kReduce:
        return Reduce(peer, m);
      case MessageType::kPullParameters:
        return SendParameters(peer);
      case MessageType::kPushGradients:
        return Push(peer, m);
      case MessageType::kMetrics: {
        nlohmann::json record = m.body.at("record");
        record["time"] = WallClockSeconds();
        metrics_ << record.dump() << "\n";
        metrics_.flush();
        ShowRecord(record);
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

  // The live figures of an epoch or test record.
  void ShowRecord(const nlohmann::json& r) {
    if (!progress_) return;
    progress_->SetState(r.value("kind", "") == "test" ? "done" : "training");
    for (auto [key, gauge] : {std::pair{"step", "step"},
                              {"epoch", "epochs_done"},
                              {"train_loss", "train_loss"},
                              {"validation_loss", "validation_loss"},
                              {"masked_mse", "test_masked_mse"}})
      if (const double v = NumberOr(r, key); !std::isnan(v)) progress_->Set(gauge, v);
    if (const double v = NumberOr(r.value("pooled", nlohmann::json::object()), "pearson");
        !std::isnan(v))
      progress_->Set("test_pearson", v);
    double rate = 0;
    for (const auto& t : r.value("throughput", nlohmann::json::array()))
      rate += t.value("samples_per_s", 0.0);
    if (rate > 0)
      progress_->Set("samples_per_second", rate, "Training windows per second (all replicas).");
    progress_->Set("replicas", Replicas(), "Replicas in the run.");
  }

  int Replicas() const { return o_.mpi_replicas + (o_.sync == SyncMode::kMpi ? 0 : o_.external); }

  void Welcome(const std::string& peer, const Message& m) {
    Message reply;
    int index;
    if (m.body.contains("mpi_rank")) {
      index = m.body["mpi_rank"].get<int>() - 1;
    } else if (o_.sync == SyncMode::kParameterServer && next_external_ < o_.external) {
      index = o_.mpi_replicas + next_external_++;
    } else {
      reply.type = MessageType::kReject;
      reply.body["reason"] = "this run takes no (more) workers from outside mpirun";
      server_.Send(peer, reply);
      return;
    }
    replica_of_[peer] = index;
    reply.type = MessageType::kWelcome;
    reply.body = {{"replica", index},
                  {"replicas", Replicas()},
                  {"sync", o_.sync == SyncMode::kMpi ? "mpi" : "ps"},
                  {"wire", o_.bf16_wire ? "bf16" : "fp32"},
                  {"train", TrainOptionsToJson(o_.train)}};
    server_.Send(peer, reply);
    LogInfo("coordinator: " + m.body.value("name", std::string("a replica")) +
            " joined as replica " + std::to_string(index) + " of " + std::to_string(Replicas()));
  }

  // Sums and gathers of the ps replicas: answered once all have sent theirs.
  void Reduce(const std::string& peer, const Message& m) {
    const std::string op = m.body.at("op");
    reduce_parts_[replica_of_.at(peer)] = {peer, m.body.at("values").get<std::vector<double>>()};
    if (static_cast<int>(reduce_parts_.size()) < Replicas()) return;
    std::vector<double> sum, all;
    for (const auto& [index, part] : reduce_parts_) {
      const auto& values = part.second;
      if (sum.size() < values.size()) sum.resize(values.size());
      for (std::size_t i = 0; i < values.size(); ++i) sum[i] += values[i];
      all.insert(all.end(), values.begin(), values.end());
    }
    for (const auto& [index, part] : reduce_parts_) {
      Message reply;
      reply.type = MessageType::kReduce;
      reply.body["values"] = op == "sum" ? sum : index == 0 ? all : std::vector<double>{};
      server_.Send(part.first, reply);
    }
    reduce_parts_.clear();
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
    if (o_.staleness >= 0) return PushAsync(peer, m);
    ps_->Accumulate(m.step, m.tensors);
    waiting_.push_back(peer);
    if (ps_->pushes() < Replicas()) return;
    ps_->Apply(m.body.at("lr").get<double>(), m.body.at("clip").get<double>());
    if (progress_) progress_->Set("step", static_cast<double>(m.step + 1), "Optimizer steps done.");
    Message reply;
    reply.type = MessageType::kParameters;
    reply.step = m.step + 1;
    reply.tensors = ps_->Snapshot();
    for (const auto& p : waiting_) server_.Send(p, reply);
    waiting_.clear();
  }

  // Asynchronous with a staleness bound (stale synchronous parallel): each
  // push is applied at once; the pusher gets the newest weights as soon as
  // it is at most `staleness` pushes ahead of the slowest replica.
  void PushAsync(const std::string& peer, const Message& m) {
    const int replica = replica_of_.at(peer);
    if (clock_.empty()) clock_.assign(static_cast<std::size_t>(Replicas()), 0);
    ps_->Accumulate(m.step, m.tensors);
    ps_->Apply(m.body.at("lr").get<double>(), m.body.at("clip").get<double>());
    ++clock_[static_cast<std::size_t>(replica)];
    waiting_.push_back(peer);
    const int slowest = *std::min_element(clock_.begin(), clock_.end());
    std::vector<std::string> still;
    std::vector<TensorFrame> weights;
    for (const auto& p : waiting_) {
      const int ahead = clock_[static_cast<std::size_t>(replica_of_.at(p))] - slowest;
      if (ahead > o_.staleness) {
        still.push_back(p);
        continue;
      }
      if (weights.empty()) weights = ps_->Snapshot();
      Message reply;
      reply.type = MessageType::kParameters;
      reply.tensors = weights;
      server_.Send(p, reply);
    }
    waiting_ = std::move(still);
  }

  // mpi: replica 0 alone sends its state. ps: every replica sends (the
  // barrier); the checkpoint is written when the last arrives, from replica
  // 0's meta, and all are answered.
  void Checkpoint(const std::string& peer, const Message& m) {
    if (o_.sync == SyncMode::kParameterServer) {
      const int index = replica_of_.at(peer);
      checkpoint_waiting_.push_back(peer);
      if (index == 0) checkpoint_request_ = m;
      if (static_cast<int>(checkpoint_waiting_.size()) < Replicas()) return;
    }
    const Message& request = o_.sync == SyncMode::kParameterServer ? checkpoint_request_ : m;
    if (o_.sync == SyncMode::kMpi) {  // replica 0 sent its weights and optimizer
      std::vector<TensorFrame> weights;
      for (const auto& f : m.tensors) {
        if (f.name == "optimizer.pt") {
          std::istringstream bytes(std::string(static_cast<const char*>(f.data), f.bytes));
          torch::load(*optimizer_, bytes);
        } else {
          weights.push_back(f);
        }
      }
      CopyIntoParameters(model_->module(), weights, "replica 0's checkpoint");
    }
    // A checkpoint that cannot be written (disk full, permissions) is
    // reported and training goes on; the previous ones stay intact.
    Message done;
    done.type = MessageType::kCheckpointDone;
    try {
      done.body = {{"dir", checkpoints_.Save(static_cast<std::int64_t>(request.step),
                                             model_->module(), *optimizer_, request.body.at("meta"),
                                             request.body.at("is_best").get<bool>())}};
    } catch (const Error& e) {
      LogError(std::string("coordinator: ") + e.what() + " (training goes on)");
      done.body = {{"dir", ""}, {"error", e.what()}};
    }
    if (o_.sync == SyncMode::kMpi) {
      server_.Send(peer, done);
      return;
    }
    for (const auto& p : checkpoint_waiting_) server_.Send(p, done);
    checkpoint_waiting_.clear();
  }

  CoordinatorOptions o_;
  ControlServer& server_;
  RunProgress* progress_;  // not owned; may be null
  CheckpointManager checkpoints_;
  std::ofstream metrics_;
  std::unique_ptr<RegionModel> model_;
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  std::unique_ptr<ParameterServer> ps_;
  std::vector<std::string> waiting_;  // replicas whose push awaits the step's update
  std::vector<int> clock_;            // async ps: pushes per replica
  std::set<std::string> finished_;
  std::map<std::string, int> replica_of_;  // peer -> replica index
  int next_external_ = 0;
  std::map<int, std::pair<std::string, std::vector<double>>> reduce_parts_;  // by replica
  std::vector<std::string> checkpoint_waiting_;
  Message checkpoint_request_;  // replica 0's, in ps mode
};

}  // namespace

void RunCoordinator(const CoordinatorOptions& options, ControlServer& server,
                    RunProgress* progress) {
  Coordinator(options, server, progress).Serve();
}

}  // namespace getps

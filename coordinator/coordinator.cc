#include "coordinator/coordinator.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <utility>

#include "common/error.h"
#include "common/log.h"
#include "coordinator/parameter_server.h"
#include "coordinator/parameter_shards.h"
#include "coordinator/record_figures.h"
#include "coordinator/run_files.h"
#include "coordinator/state_of_record.h"
#include "coordinator/step_exchange.h"
#include "storage/store_reader.h"
#include "worker/checkpoint.h"
#include "worker/initial_model.h"
#include "worker/optimizer.h"
#include "worker/region_model.h"
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
    elastic_ = o.sync == SyncMode::kParameterServer;
    // The same model the replicas build (same seed, same init): the
    // parameter server's state of record, or the vessel of mpi checkpoints.
    const auto store = StoreReader::Open(o.train.store);
    model_ = MakeInitialModel(o.train, *store, &config_);
    files_ = std::make_unique<RunFiles>(o.train, config_);
    AdaptForTraining(*model_, o.train, /*log=*/false);
    OptimizerOptions opt;
    opt.weight_decay = o.train.weight_decay;
    optimizer_ = MakeAdamW(model_->module(), opt);
    // A resumed run: the state of record is the newest valid checkpoint
    // (mpi replicas check and load it too, ps replicas get it from here).
    if (o.train.resume) {
      resumed_ = LoadNewestCheckpoint(checkpoints_, o.train, *store, config_, model_->module(),
                                      *optimizer_);
      if (resumed_) LogInfo("coordinator: state of record from " + resumed_->dir);
    }
    const nlohmann::json meta = resumed_ ? resumed_->meta : nlohmann::json();
    if (progress_ && !meta.is_null())
      progress_->Set("step", meta.at("step").get<double>(), "Optimizer steps done.");
    ps_ = std::make_unique<ParameterServer>(NamedParameters(model_->module()), *optimizer_);
    if (!o.servers.empty())
      servers_ = std::make_unique<ParameterShards>(o.servers, model_->module());
    exchange_ =
        std::make_unique<StepExchange>(elastic_ && !servers_ ? ps_.get() : nullptr, o_.staleness);
    record_.Capture(model_->module(), *optimizer_, meta);
    GenerationOptions g = o.elastic;
    g.initial = Replicas0();
    if (!elastic_) g.min_workers = g.initial;  // mpi: every rank, always
    generations_ = std::make_unique<Generations>(
        g, meta.is_null() ? 0u : meta.value("generation", 0u) + 1, Clock::now());
  }

  void Serve() {
    auto last_heard = Clock::now(), last_probe = last_heard;
    while (!generations_->all_finished()) {
      if (Clock::now() - last_probe > o_.probe_interval) {
        ProbeReplicas();
        last_probe = Clock::now();
      }
      MaybeStartGeneration();
      auto in = server_.Receive(std::chrono::milliseconds(200));
      if (!in) {
        // Asynchronous replicas with --servers talk to the shards between
        // epochs; their liveness is what ProbeReplicas checks.
        const bool quiet_by_design = servers_ && o_.staleness >= 0;
        if (generations_->running() && !quiet_by_design && Clock::now() - last_heard > o_.timeout)
          throw Error(ErrorCode::kTimeout, "coordinator: no replica heard from for " +
                                               std::to_string(o_.timeout.count() / 1000) + " s");
        continue;
      }
      last_heard = Clock::now();
      if (!in->message) {
        LogWarning("coordinator: refused a message: " + in->error);
        continue;
      }
      Handle(in->peer, *in->message);
      for (const auto& peer : std::exchange(unreachable_, {}))
        if (generations_->IndexOf(peer)) Lose(peer);
    }
    for (const auto& peer : generations_->Newcomers()) Refuse(peer, "the run has finished");
    if (servers_) servers_->Shutdown();
    if (const auto best = checkpoints_.Best()) files_->WriteMergedModel(*best);
  }

 private:
  using Clock = std::chrono::steady_clock;

  // A kHeartbeat to every live replica: the send throws once the control
  // channel has dropped the peer (its process ended, or it missed
  // heartbeats for the heartbeat timeout). A peer that is gone may have
  // said goodbye in a message not read yet: messages are read for up to
  // half a second first, and only a peer still not finished then is lost.
  // With --servers, a server shard silent for the heartbeat timeout ends
  // the job (parameter_shards.h).
  // Peers lost earlier are told their generation is over once they can be
  // reached again (a hung process that came back).
  void ProbeReplicas() {
    if (servers_) servers_->Probe(o_.servers.front().heartbeat.timeout);
    Message probe;
    probe.type = MessageType::kHeartbeat;
    std::vector<std::string> gone;
    for (const auto& peer : generations_->Live()) {
      if (!TrySend(peer, probe)) gone.push_back(peer);
    }
    if (!gone.empty()) {
      const auto grace = Clock::now() + std::chrono::milliseconds(500);
      auto settled = [&] {
        return std::all_of(gone.begin(), gone.end(),
                           [&](const auto& p) { return generations_->finished(p); });
      };
      while (!settled() && Clock::now() < grace) {
        if (auto in = server_.Receive(std::chrono::milliseconds(50)); in && in->message)
          Handle(in->peer, *in->message);
      }
      for (const auto& peer : gone)
        if (!generations_->finished(peer)) Lose(peer);
    }
    auto& untold = generations_->untold();
    for (auto it = untold.begin(); it != untold.end();) {
      if (TrySend(*it, Stale())) {
        LogInfo("coordinator: told " + Name(*it) + " (lost earlier) that its generation is over");
        it = untold.erase(it);
      } else {
        ++it;
      }
    }
  }

  bool TrySend(const std::string& peer, const Message& m) {
    try {
      server_.Send(peer, m);
      return true;
    } catch (const Error&) {
      return false;
    }
  }

  // A reply to a member; one that cannot be reached is lost once the
  // message at hand has been handled.
  void Reply(const std::string& peer, const Message& m) {
    if (!TrySend(peer, m)) unreachable_.push_back(peer);
  }

  Message Stale() const {
    Message m;
    m.type = MessageType::kStale;
    m.generation = generations_->generation();
    return m;
  }

  void Refuse(const std::string& peer, const std::string& reason) {
    Message reject;
    reject.type = MessageType::kReject;
    reject.body["reason"] = reason;
    TrySend(peer, reject);
  }

  std::string Name(const std::string& peer) const {
    auto it = names_.find(peer);
    return it == names_.end() ? "peer " + peer : it->second;
  }

  // A replica is gone. mpi: the job ends. ps: a member's loss ends the
  // generation (unless the run is already finishing).
  void Lose(const std::string& peer) {
    const auto index = generations_->IndexOf(peer);
    if (!elastic_)
      throw Error(ErrorCode::kTimeout,
                  "coordinator: replica " + std::to_string(index.value_or(-1)) +
                      " was lost (its process ended or it missed heartbeats); ending the job "
                      "so that it can be restarted from the last commit (getps launch)");
    const bool member = generations_->Lost(peer, Clock::now());
    LogWarning("coordinator: " + Name(peer) +
               (index ? " (replica " + std::to_string(*index) + ")" : std::string()) +
               " was lost (its process ended or it missed heartbeats)");
    if (!member) return;
    if (generations_->any_finished()) return;  // the others are past their last exchange
    EndGeneration(Name(peer) + " was lost");
  }

  // Every member is told; pending requests are dropped with the gradients
  // gathered for the step; the next generation starts from the commit.
  void EndGeneration(const std::string& why) {
    const auto ended = generations_->generation();
    const auto told = generations_->End(Clock::now());
    DropPending();
    if (servers_) servers_->End(generations_->generation());
    for (const auto& peer : told) TrySend(peer, Stale());
    LogWarning("coordinator: generation " + std::to_string(ended) + " ended (" + why + "); " +
               std::to_string(told.size()) + " replica(s) rejoin at the last commit (step " +
               std::to_string(record_.step()) + ")");
  }

  void DropPending() {
    exchange_->Drop();
    checkpoint_waiting_.clear();
  }

  // Starts the next generation when it may (ps: from the state of record).
  void MaybeStartGeneration() {
    const auto members = generations_->StartIfReady(Clock::now());
    if (!members) return;
    if (progress_) {
      if (elastic_)  // rolled back to the commit (before the generation shows)
        progress_->Set("step", static_cast<double>(record_.step()), "Optimizer steps done.");
      progress_->Set("replicas", Replicas(), "Replicas in the run.");
      progress_->Set("generation", generations_->generation(), "Generation of the run.");
    }
    if (!elastic_) return;
    record_.Restore(model_->module(), *optimizer_);
    DropPending();
    if (servers_)  // before any replica may push
      servers_->Start(generations_->generation(), static_cast<int>(members->size()), o_.staleness,
                      o_.train.weight_decay, *optimizer_);
    const auto weights = ps_->Snapshot();
    std::vector<std::string> unreachable;
    for (std::size_t i = 0; i < members->size(); ++i) {
      Message start;
      start.type = MessageType::kGeneration;
      start.generation = generations_->generation();
      start.body = {{"replica", i}, {"replicas", members->size()}, {"commit", record_.meta()}};
      start.tensors = weights;
      if (!TrySend((*members)[i], start)) unreachable.push_back((*members)[i]);
    }
    LogInfo("coordinator: generation " + std::to_string(generations_->generation()) + " with " +
            std::to_string(members->size()) + " replica(s), from step " +
            std::to_string(record_.step()));
    for (const auto& peer : unreachable) Lose(peer);
  }

  // Whether `m` comes from a member of the running generation, in it.
  bool Current(const std::string& peer, const Message& m) const {
    return generations_->running() && generations_->IndexOf(peer) &&
           (!elastic_ || m.generation == generations_->generation());
  }

  void Handle(const std::string& peer, const Message& m) {
    switch (m.type) {
      case MessageType::kHello:
        return Welcome(peer, m);
      case MessageType::kRendezvous:
        return Rendezvous(peer);
      case MessageType::kShardRequest:
      case MessageType::kPullParameters:
      case MessageType::kReduce:
      case MessageType::kPushGradients:
      case MessageType::kCheckpoint:
        if (!Current(peer, m)) {  // of an ended generation: it must rejoin
          TrySend(peer, Stale());
          return;
        }
        return Exchange(peer, m);
      case MessageType::kMetrics: {
        if (!Current(peer, m)) return;  // an ended generation's record is redone
        files_->AppendRecord(m.body.at("record"));
        if (progress_) ShowRecordFigures(m.body.at("record"), Replicas(), *progress_);
        return;
      }
      case MessageType::kRunFile:
        if (Current(peer, m))
          files_->Write(m.body.value("name", std::string()), m.body.value("text", std::string()));
        return;
      case MessageType::kShutdown:
        if (Current(peer, m)) generations_->Finished(peer);
        return;
      default:
        LogWarning(std::string("coordinator: unexpected ") + MessageTypeName(m.type) +
                   " message ignored");
    }
  }

  // A member's message within its generation.
  void Exchange(const std::string& peer, const Message& m) {
    const int replica = *generations_->IndexOf(peer);
    switch (m.type) {
      case MessageType::kShardRequest:
        if (progress_ && servers_)  // the steps before it are done
          progress_->Set("step", static_cast<double>(m.step), "Optimizer steps done.");
        return Send(exchange_->Shard(peer, replica, m));
      case MessageType::kPullParameters:
        return Reply(peer, m.body.value("checkpoint", std::string()) == "best" ? BestWeights()
                                                                               : ResumedState());
      case MessageType::kReduce:
        return Send(exchange_->Reduce(peer, replica, Replicas(), m));
      case MessageType::kPushGradients: {
        const Replies weights = exchange_->Push(peer, replica, Replicas(), m);
        if (progress_ && o_.staleness < 0 && !weights.empty())
          progress_->Set("step", static_cast<double>(weights[0].message.step),
                         "Optimizer steps done.");
        return Send(weights);
      }
      default:
        return Checkpoint(peer, m);
    }
  }

  int Replicas0() const { return o_.mpi_replicas + (o_.sync == SyncMode::kMpi ? 0 : o_.external); }
  int Replicas() const { return generations_->replicas(); }

  void Welcome(const std::string& peer, const Message& m) {
    int order;
    if (m.body.contains("mpi_rank")) {
      order = m.body["mpi_rank"].get<int>() - 1 - static_cast<int>(o_.servers.size());
    } else if (elastic_) {
      order = 1000000 + next_external_++;
    } else {
      return Refuse(peer, "a --sync mpi run takes no workers from outside mpirun");
    }
    const std::string host = m.body.value("host", std::string("?"));
    generations_->Joined(peer, host, order);
    names_[peer] = m.body.value("name", std::string("a replica")) + " on " + host;
    Message reply;
    reply.type = MessageType::kWelcome;
    reply.body = {{"sync", elastic_ ? "ps" : "mpi"},
                  {"shards", !elastic_ || o_.staleness < 0},
                  {"step_replicas", Replicas0()},
                  {"wire", o_.bf16_wire ? "bf16" : "fp32"},
                  {"rendezvous_timeout_s", o_.elastic.rendezvous_timeout.count() / 1000.0},
                  {"train", TrainOptionsToJson(o_.train)}};
    if (servers_) reply.body["servers"] = servers_->Describe();
    TrySend(peer, reply);  // one gone already is not probed: it never joined
    LogInfo("coordinator: " + Name(peer) + " said hello");
    if (!elastic_) generations_->Ready(peer);  // mpi replicas are the ranks, all at once
  }

  // A replica asks to take part: at once when a generation is forming, at
  // the next commit point when one is running.
  void Rendezvous(const std::string& peer) {
    if (!elastic_) return LogWarning("coordinator: rendezvous in a --sync mpi run ignored");
    if (const auto why = generations_->Refusal(peer, Clock::now()); !why.empty()) {
      LogWarning("coordinator: refused " + Name(peer) + ": " + why);
      return Refuse(peer, why);
    }
    generations_->untold().erase(peer);  // it knows
    generations_->Ready(peer);
    if (generations_->running())
      LogInfo("coordinator: " + Name(peer) + " waits to join at the next commit point");
  }

  // The weights of the run's best checkpoint, for the replicas' held-out
  // test; body "dir" is empty when there is none.
  Message BestWeights() {
    Message reply;
    reply.type = MessageType::kParameters;
    const auto best = checkpoints_.Best();
    reply.body = {{"dir", best.value_or("")}};
    if (best) reply.tensors = files_->WeightsOf(*best);
    return reply;
  }

  // mpi, a resumed run: the state of record this run resumed from, for the
  // replicas (asked before their first step, when the model and optimizer
  // here hold it still); body "dir" is empty when there is none.
  Message ResumedState() {
    Message reply;
    reply.type = MessageType::kParameters;
    reply.body = {{"dir", resumed_ ? resumed_->dir : ""},
                  {"meta", resumed_ ? resumed_->meta : nlohmann::json()}};
    if (resumed_) reply.tensors = TrainingStateFrames(model_->module(), *optimizer_);
    return reply;
  }

  // Hands the replies of an exchange to their replicas.
  void Send(const Replies& replies) {
    for (const auto& r : replies) Reply(r.peer, r.message);
  }

  // mpi: replica 0 alone sends its state. ps: every replica sends (the
  // barrier); the checkpoint is written when the last arrives, from replica
  // 0's meta, and all are answered.
  void Checkpoint(const std::string& peer, const Message& m) {
    if (o_.sync == SyncMode::kParameterServer) {
      const int index = *generations_->IndexOf(peer);
      checkpoint_waiting_.push_back(peer);
      if (index == 0) checkpoint_request_ = m;
      if (static_cast<int>(checkpoint_waiting_.size()) < Replicas()) return;
    }
    const Message& request = o_.sync == SyncMode::kParameterServer ? checkpoint_request_ : m;
    if (o_.sync == SyncMode::kMpi) {  // replica 0 sent its weights and optimizer
      LoadTrainingState(model_->module(), *optimizer_, m.tensors, "replica 0's checkpoint");
    } else if (servers_) {
      servers_->Collect(*optimizer_);  // the shards' state, for the checkpoint
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
      Reply(peer, done);
      return;
    }
    if (!done.body.contains("error")) {  // the new state of record
      record_.Capture(model_->module(), *optimizer_, request.body.at("meta"));
      if (const auto newcomers = generations_->Newcomers(); !newcomers.empty())
        return EndGeneration("admitting " + std::to_string(newcomers.size()) +
                             " replica(s) at the commit point");
    }
    for (const auto& p : checkpoint_waiting_) Reply(p, done);
    checkpoint_waiting_.clear();
  }

  CoordinatorOptions o_;
  ControlServer& server_;
  RunProgress* progress_;  // not owned; may be null
  CheckpointManager checkpoints_;
  std::unique_ptr<RunFiles> files_;  // metrics.jsonl, replica 0's files, merged.pt
  GetModelConfig config_;
  std::unique_ptr<RegionModel> model_;
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  std::unique_ptr<ParameterServer> ps_;       // --sync ps without --servers: the one shard
  std::unique_ptr<ParameterShards> servers_;  // --servers K
  bool elastic_;                              // --sync ps: generations
  std::unique_ptr<Generations> generations_;
  StateOfRecord record_;                      // ps: the last commit, to roll back to
  std::optional<ResumePoint> resumed_;        // --resume: the checkpoint resumed from
  std::map<std::string, std::string> names_;  // peer -> "replica 2 on host"
  std::vector<std::string> unreachable_;      // members a reply did not reach
  std::unique_ptr<StepExchange> exchange_;    // shards, pushes, sums of the generation
  int next_external_ = 0;
  std::vector<std::string> checkpoint_waiting_;
  Message checkpoint_request_;  // replica 0's, in ps mode
};

}  // namespace

void RunCoordinator(const CoordinatorOptions& options, ControlServer& server,
                    RunProgress* progress) {
  Coordinator(options, server, progress).Serve();
}

}  // namespace getps

#include "coordinator/coordinator_core.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "common/error.h"
#include "common/log.h"
#include "coordinator/record_figures.h"
#include "storage/store_reader.h"
#include "worker/model/initial_model.h"
#include "worker/model/optimizer.h"
#include "worker/model/tensor_frames.h"
#include "worker/model/train_options_json.h"

namespace getps {

CoordinatorCore::CoordinatorCore(const CoordinatorOptions& o, ControlServer& server,
                                 RunProgress* progress, GenerationOptions membership)
    : o_(o),
      server_(server),
      progress_(progress),
      checkpoints_(o.train.run_dir, o.train.keep_last) {
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
  // (mpi replicas pull it from here, ps replicas get it with a generation).
  if (o.train.resume) {
    resumed_ =
        LoadNewestCheckpoint(checkpoints_, o.train, *store, config_, model_->module(), *optimizer_);
    if (resumed_) LogInfo("coordinator: state of record from " + resumed_->dir);
  }
  if (resumed_) ShowStep(resumed_->meta.at("step").get<double>());
  const std::uint32_t first = resumed_ ? resumed_->meta.value("generation", 0u) + 1 : 0u;
  generations_ = std::make_unique<Generations>(membership, first, Clock::now());
  exchange_ = std::make_unique<StepExchange>(nullptr, o.staleness);
}

void CoordinatorCore::Serve() {
  auto last_heard = Clock::now(), last_probe = last_heard;
  while (!generations_->all_finished()) {
    if (Clock::now() - last_probe > o_.probe_interval) {
      ProbeServers();
      ProbeReplicas();
      last_probe = Clock::now();
    }
    MaybeStartGeneration();
    auto in = server_.Receive(std::chrono::milliseconds(200));
    if (!in) {
      if (generations_->running() && !SilentByDesign() && Clock::now() - last_heard > o_.timeout)
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
  Finish();
  if (const auto best = checkpoints_.Best()) files_->WriteMergedModel(*best);
}

// A kHeartbeat to every live replica: the send throws once the control
// channel has dropped the peer (its process ended, or it missed heartbeats
// for the heartbeat timeout). A peer that is gone may have said goodbye in
// a message not read yet: messages are read for up to half a second first,
// and only a peer still not finished then is lost. Peers lost earlier are
// told their generation is over once they can be reached again (a hung
// process that came back).
void CoordinatorCore::ProbeReplicas() {
  const Message probe = Encode(KeepAlive{});
  std::vector<std::string> gone;
  for (const auto& peer : generations_->Live())
    if (!TrySend(peer, probe)) gone.push_back(peer);
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
    if (TrySend(*it, StaleNotice())) {
      LogInfo("coordinator: told " + Name(*it) + " (lost earlier) that its generation is over");
      it = untold.erase(it);
    } else {
      ++it;
    }
  }
}

bool CoordinatorCore::TrySend(const std::string& peer, const Message& m) {
  try {
    server_.Send(peer, m);
    return true;
  } catch (const Error&) {
    return false;
  }
}

void CoordinatorCore::Reply(const std::string& peer, const Message& m) {
  if (!TrySend(peer, m)) unreachable_.push_back(peer);
}

void CoordinatorCore::Send(const Replies& replies) {
  for (const auto& r : replies) Reply(r.peer, r.message);
}

Message CoordinatorCore::StaleNotice() const {
  return Encode(Stale{}, {generations_->generation(), 0});
}

void CoordinatorCore::Refuse(const std::string& peer, const std::string& reason) {
  TrySend(peer, Encode(Reject{reason}));
}

std::string CoordinatorCore::Name(const std::string& peer) const {
  auto it = names_.find(peer);
  return it == names_.end() ? "peer " + peer : it->second;
}

void CoordinatorCore::ShowStep(double step) {
  if (progress_) progress_->Set("step", step, "Optimizer steps done.");
}

void CoordinatorCore::MaybeStartGeneration() {
  const auto members = generations_->StartIfReady(Clock::now());
  if (!members) return;
  if (progress_) {
    progress_->Set("replicas", Replicas(), "Replicas in the run.");
    progress_->Set("generation", generations_->generation(), "Generation of the run.");
  }
  StartGeneration(*members);
}

void CoordinatorCore::Handle(const std::string& peer, const Message& m) {
  try {
    Dispatch(peer, m);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kFormatMismatch) throw;
    LogWarning("coordinator: dropped a malformed message from " + Name(peer) + ": " + e.what());
  }
}

void CoordinatorCore::Dispatch(const std::string& peer, const Message& m) {
  // Whether `m` comes from a member of the running generation, in it.
  const bool current =
      generations_->running() && generations_->IndexOf(peer).has_value() && InGeneration(m);
  switch (m.type) {
    case MessageType::kHello:
      return Greet(peer, m);
    case MessageType::kRendezvous:
      return Rendezvous(peer);
    case MessageType::kShardRequest:
    case MessageType::kPullParameters:
    case MessageType::kReduce:
    case MessageType::kPushGradients:
    case MessageType::kCheckpoint:
      if (!current) return (void)TrySend(peer, StaleNotice());  // it must rejoin
      return Exchange(peer, m);
    case MessageType::kMetrics: {
      const auto record = Decode<Metrics>(m).record;
      if (!current) return;  // an ended generation's record is redone
      files_->AppendRecord(record);
      if (progress_) ShowRecordFigures(record, Replicas(), *progress_);
      return;
    }
    case MessageType::kRunFile: {
      const auto file = Decode<RunFile>(m);
      if (current) files_->Write(file.name, file.text);
      return;
    }
    case MessageType::kShutdown:
      if (current) generations_->Finished(peer);
      return;
    default:
      LogWarning(std::string("coordinator: unexpected ") + MessageTypeName(m.type) +
                 " message ignored");
  }
}

// A member's message within its generation.
void CoordinatorCore::Exchange(const std::string& peer, const Message& m) {
  const int replica = *generations_->IndexOf(peer);
  switch (m.type) {
    case MessageType::kShardRequest:
      ShardRequested(m.step);
      return Send(exchange_->Shard(peer, replica, m));
    case MessageType::kPullParameters:
      return Reply(peer, Decode<PullParameters>(m).checkpoint == PullKind::kBest ? BestWeights()
                                                                                 : ResumedState());
    case MessageType::kReduce:
      return Send(exchange_->Reduce(peer, replica, Replicas(), m));
    case MessageType::kPushGradients:
      return Push(peer, replica, m);
    default:
      return Checkpoint(peer, replica, m);
  }
}

Welcome CoordinatorCore::MakeWelcome() const {
  Welcome w;
  w.sync = o_.sync;
  w.shards = HandsOutShards();
  w.step_replicas = PlannedReplicas();
  w.wire = o_.wire;
  w.rendezvous_timeout_s = static_cast<double>(o_.elastic.rendezvous_timeout.count()) / 1000.0;
  w.train = TrainOptionsToJson(o_.train);
  return w;
}

void CoordinatorCore::Greet(const std::string& peer, const Message& m) {
  const auto hello = Decode<Hello>(m);
  std::string why;
  const auto order = JoinOrder(hello, &why);
  if (!order) return Refuse(peer, why);
  const std::string host = hello.host.value_or("?");
  generations_->Joined(peer, host, *order);
  names_[peer] = (hello.name.empty() ? std::string("a replica") : hello.name) + " on " + host;
  TrySend(peer, Encode(MakeWelcome()));  // one gone already is not probed: it never joined
  LogInfo("coordinator: " + Name(peer) + " said hello");
  Joined(peer);
}

// The weights of the run's best checkpoint, for the replicas' held-out
// test; no dir when there is none.
Message CoordinatorCore::BestWeights() {
  Parameters reply;
  const auto best = checkpoints_.Best();
  reply.dir = best.value_or("");
  if (best) reply.tensors = files_->WeightsOf(*best);
  return Encode(std::move(reply));
}

// A resumed run: the state of record this run resumed from, for the
// replicas (asked before their first step, when the model and optimizer
// here hold it still); no dir when there is none.
Message CoordinatorCore::ResumedState() {
  Parameters reply;
  reply.dir = resumed_ ? resumed_->dir : "";
  if (resumed_) {
    reply.meta = resumed_->meta;
    reply.tensors = TrainingStateFrames(model_->module(), *optimizer_);
  }
  return Encode(std::move(reply));
}

CheckpointDone CoordinatorCore::WriteCheckpoint(std::uint64_t step,
                                                const CheckpointRequest& request) {
  // A checkpoint that cannot be written (disk full, permissions) is
  // reported and training goes on; the previous ones stay intact.
  try {
    return {checkpoints_.Save(static_cast<std::int64_t>(step), model_->module(), *optimizer_,
                              request.meta, request.is_best),
            std::nullopt};
  } catch (const Error& e) {
    LogError(std::string("coordinator: ") + e.what() + " (training goes on)");
    return {"", std::string(e.what())};
  }
}

}  // namespace getps

#include "coordinator/ps_coordinator.h"

#include <cstdint>

#include "common/log.h"
#include "worker/model/optimizer.h"

namespace getps {
namespace {

GenerationOptions Elastic(const CoordinatorOptions& o) {
  GenerationOptions g = o.elastic;
  g.initial = o.mpi_replicas + o.external;
  return g;
}

}  // namespace

PsCoordinator::PsCoordinator(const CoordinatorOptions& o, ControlServer& server,
                             RunProgress* progress)
    : CoordinatorCore(o, server, progress, Elastic(o)) {
  ps_ = std::make_unique<ParameterServer>(NamedParameters(model_->module()), *optimizer_);
  if (!o.servers.empty()) servers_ = std::make_unique<ParameterShards>(o.servers, model_->module());
  exchange_ = std::make_unique<StepExchange>(servers_ ? nullptr : ps_.get(), o.staleness);
  record_.Capture(model_->module(), *optimizer_, resumed_ ? resumed_->meta : nlohmann::json());
}

std::optional<int> PsCoordinator::JoinOrder(const Hello& hello, std::string*) {
  if (hello.mpi_rank) return *hello.mpi_rank - 1 - static_cast<int>(o_.servers.size());
  return 1000000 + next_external_++;  // after the ranks, in the order they come
}

Welcome PsCoordinator::MakeWelcome() const {
  Welcome w = CoordinatorCore::MakeWelcome();
  if (servers_) w.servers = servers_->Addresses();
  if (servers_ && o_.mpi_data_plane)
    for (std::size_t k = 0; k < w.servers->size(); ++k)
      (*w.servers)[k].mpi_rank = static_cast<int>(k) + 1;
  return w;
}

// A replica asks to take part: at once when a generation is forming, at the
// next commit point when one is running.
void PsCoordinator::Rendezvous(const std::string& peer) {
  if (const auto why = generations_->Refusal(peer, Clock::now()); !why.empty()) {
    LogWarning("coordinator: refused " + Name(peer) + ": " + why);
    return Refuse(peer, why);
  }
  generations_->untold().erase(peer);  // it knows
  generations_->Ready(peer);
  if (generations_->running())
    LogInfo("coordinator: " + Name(peer) + " waits to join at the next commit point");
}

// A member's loss ends the generation (unless the run is already finishing).
void PsCoordinator::Lose(const std::string& peer) {
  const auto index = generations_->IndexOf(peer);
  const bool member = generations_->Lost(peer, Clock::now());
  LogWarning("coordinator: " + Name(peer) +
             (index ? " (replica " + std::to_string(*index) + ")" : std::string()) +
             " was lost (its process ended or it missed heartbeats)");
  if (!member) return;
  if (generations_->any_finished()) return;  // the others are past their last exchange
  EndGeneration(Name(peer) + " was lost");
}

void PsCoordinator::EndGeneration(const std::string& why) {
  const auto ended = generations_->generation();
  const auto told = generations_->End(Clock::now());
  DropPending();
  if (servers_) servers_->End(generations_->generation());
  for (const auto& peer : told) TrySend(peer, StaleNotice());
  LogWarning("coordinator: generation " + std::to_string(ended) + " ended (" + why + "); " +
             std::to_string(told.size()) + " replica(s) rejoin at the last commit (step " +
             std::to_string(record_.step()) + ")");
}

void PsCoordinator::DropPending() {
  exchange_->Drop();
  checkpoint_waiting_.clear();
}

// From the state of record.
void PsCoordinator::StartGeneration(const std::vector<std::string>& members) {
  ShowStep(static_cast<double>(record_.step()));  // rolled back to the commit
  record_.Restore(model_->module(), *optimizer_);
  DropPending();
  const auto generation = generations_->generation();
  const int replicas = static_cast<int>(members.size());
  if (servers_)  // before any replica may push
    servers_->Start(generation, replicas, o_.staleness, o_.train.weight_decay, *optimizer_);
  const auto weights = ps_->Snapshot();
  std::vector<std::string> unreachable;
  for (int i = 0; i < replicas; ++i) {
    const auto& peer = members[static_cast<std::size_t>(i)];
    const auto commit =
        record_.meta().is_null() ? std::nullopt : std::optional<nlohmann::json>(record_.meta());
    if (!TrySend(peer, Encode(GenerationStart{i, replicas, commit, weights}, {generation, 0})))
      unreachable.push_back(peer);
  }
  LogInfo("coordinator: generation " + std::to_string(generation) + " with " +
          std::to_string(replicas) + " replica(s), from step " + std::to_string(record_.step()));
  for (const auto& peer : unreachable) Lose(peer);
}

void PsCoordinator::ShardRequested(std::uint64_t step) {
  if (servers_) ShowStep(static_cast<double>(step));  // the steps before it are done
}

void PsCoordinator::Push(const std::string& peer, int replica, const Message& m) {
  const Replies weights = exchange_->Push(peer, replica, Replicas(), m);
  if (o_.staleness < 0 && !weights.empty()) ShowStep(static_cast<double>(weights[0].message.step));
  Send(weights);
}

// Every replica sends (the barrier); the checkpoint is written when the
// last arrives, from replica 0's meta, and all are answered.
void PsCoordinator::Checkpoint(const std::string& peer, int replica, const Message& m) {
  auto request = Decode<CheckpointRequest>(m);
  checkpoint_waiting_.push_back(peer);
  if (replica == 0) {
    checkpoint_request_ = std::move(request);
    checkpoint_step_ = m.step;
  }
  if (static_cast<int>(checkpoint_waiting_.size()) < Replicas()) return;
  if (servers_) servers_->Collect(*optimizer_);  // the shards' state, for the checkpoint
  const CheckpointDone done = WriteCheckpoint(checkpoint_step_, checkpoint_request_);
  if (!done.error) {  // the new state of record
    record_.Capture(model_->module(), *optimizer_, checkpoint_request_.meta);
    if (const auto newcomers = generations_->Newcomers(); !newcomers.empty())
      return EndGeneration("admitting " + std::to_string(newcomers.size()) +
                           " replica(s) at the commit point");
  }
  const Message reply = Encode(done);
  for (const auto& p : checkpoint_waiting_) Reply(p, reply);
  checkpoint_waiting_.clear();
}

void PsCoordinator::ProbeServers() {
  if (servers_) servers_->Probe(o_.servers.front().heartbeat.timeout);
}

void PsCoordinator::Finish() {
  if (servers_) servers_->Shutdown();
}

}  // namespace getps

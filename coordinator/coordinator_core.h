// CoordinatorCore: what every coordinator of a distributed run does, whatever
// its --sync (coordinator.h): the serving loop, liveness probes of the
// replicas, hellos, records, run files, sums and gathers, the hand-out of
// synchronous steps' shards, pulls of the best checkpoint's weights, and
// the model and optimizer that checkpoints of record are written from. One
// subclass per transport (mpi_coordinator.h, ps_coordinator.h) says who may
// join, what losing a replica means, how a generation starts, and how a
// commit is made: a new transport is a new subclass.
//
// Every message is decoded into its typed body (protocol/messages.h) before
// anything is changed; one that does not decode is logged and dropped, and
// the loop goes on.
//
// Ownership: `server` and `progress` (may be null) are not owned and
// outlive this. Used from one thread.
#pragma once

#include <torch/torch.h>
#include <cstdint>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "coordinator/coordinator.h"
#include "coordinator/generations.h"
#include "coordinator/run_files.h"
#include "coordinator/step_exchange.h"
#include "protocol/control_channel.h"
#include "protocol/messages.h"
#include "worker/model/checkpoint.h"
#include "worker/model/get_model.h"
#include "worker/model/region_model.h"

namespace getps {

class CoordinatorCore {
 public:
  // `membership` says how many replicas the first generation waits for and
  // how many a generation needs at least.
  CoordinatorCore(const CoordinatorOptions& options, ControlServer& server, RunProgress* progress,
                  GenerationOptions membership);
  virtual ~CoordinatorCore() = default;

  // Serves the run until every replica finished.
  void Serve();

 protected:
  using Clock = std::chrono::steady_clock;

  // ---- what differs by transport ----
  // The order a replica saying `hello` takes among newcomers (its index
  // follows it); nullopt: refused, with the reason in `why`.
  virtual std::optional<int> JoinOrder(const Hello& hello, std::string* why) = 0;
  // After the welcome.
  virtual void Joined(const std::string& peer) = 0;
  // Whether the coordinator hands out every step's shards.
  virtual bool HandsOutShards() const = 0;
  // The replica count a global step is sized for.
  virtual int PlannedReplicas() const = 0;
  virtual void Rendezvous(const std::string& peer) = 0;
  // `peer` is gone (its process ended, or it missed heartbeats).
  virtual void Lose(const std::string& peer) = 0;
  // Whether `m` of a member is of the running generation.
  virtual bool InGeneration(const Message& m) const = 0;
  // The next generation starts with `members` (in index order).
  virtual void StartGeneration(const std::vector<std::string>& members) = 0;
  virtual void Push(const std::string& peer, int replica, const Message& m) = 0;
  virtual void Checkpoint(const std::string& peer, int replica, const Message& m) = 0;
  // The welcome a joining replica gets.
  virtual getps::Welcome MakeWelcome() const;
  // A replica asked for a shard of `step` (the steps before it are done).
  virtual void ShardRequested(std::uint64_t) {}
  // Whether replicas of a running generation may stay silent here past the
  // timeout (they talk to server shards instead).
  virtual bool SilentByDesign() const { return false; }
  // Once a probe round (every probe_interval).
  virtual void ProbeServers() {}
  // The run is over.
  virtual void Finish() {}

  // ---- for the subclasses ----
  // A reply to a member; one that cannot be reached is lost once the
  // message at hand has been handled.
  void Reply(const std::string& peer, const Message& m);
  void Send(const Replies& replies);
  bool TrySend(const std::string& peer, const Message& m);
  void Refuse(const std::string& peer, const std::string& reason);
  Message StaleNotice() const;
  std::string Name(const std::string& peer) const;
  int Replicas() const { return generations_->replicas(); }
  // Writes the checkpoint of record from the model and optimizer here;
  // returns its folder, or the error that kept it from being written
  // (logged; training goes on).
  CheckpointDone WriteCheckpoint(std::uint64_t step, const CheckpointRequest& request);
  void ShowStep(double step);

  CoordinatorOptions o_;
  ControlServer& server_;
  RunProgress* progress_;  // not owned; may be null
  CheckpointManager checkpoints_;
  GetModelConfig config_;
  std::unique_ptr<RunFiles> files_;  // metrics.jsonl, replica 0's files, merged.pt
  std::unique_ptr<RegionModel> model_;
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  std::optional<ResumePoint> resumed_;  // --resume: the checkpoint resumed from
  std::unique_ptr<Generations> generations_;
  std::unique_ptr<StepExchange> exchange_;  // shards, pushes, sums of the generation

 private:
  void ProbeReplicas();
  void MaybeStartGeneration();
  void Handle(const std::string& peer, const Message& m);
  void Dispatch(const std::string& peer, const Message& m);
  void Exchange(const std::string& peer, const Message& m);
  void Greet(const std::string& peer, const Message& m);
  Message BestWeights();
  Message ResumedState();

  std::map<std::string, std::string> names_;  // peer -> "replica 2 on host"
  std::vector<std::string> unreachable_;      // members a reply did not reach
};

}  // namespace getps

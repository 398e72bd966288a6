// `getps worker`: a replica of a --sync ps run that joins from outside
// mpirun (launch/distributed_train.h).
#include <unistd.h>

#include <iostream>

#include "common/error.h"
#include "common/host_name.h"
#include "common/log.h"
#include "launch/command_line.h"
#include "launch/commands.h"
#include "launch/distributed_train.h"
#include "protocol/run_keys.h"
#include "worker/model/train_options_json.h"
#include "worker/ps_transport.h"
#include "worker/trainer.h"

namespace getps::cli {

int RunWorker(const std::vector<std::string>& args) {
  CommandSpec spec(
      "worker", "--coordinator tcp://HOST:PORT --key-file RUN/run.key [options]",
      "Joins a running `mpirun ... getps train --sync ps` as one of its replicas:\n"
      "authenticates with the run's CURVE keys (the key file must be mode 0600), receives\n"
      "the run's training options, and trains its slice of every step. A run that waits\n"
      "for it (--external-workers K) takes it at the start; a running one admits it at\n"
      "its next commit point. The coordinator's endpoint is in RUN/coordinator.json.");
  spec.options.add_options()("coordinator", po::value<std::string>()->required(),
                             "the coordinator's endpoint, tcp://HOST:PORT")(
      "key-file", po::value<std::string>()->required(), "the run's key file (RUN/run.key)")(
      "store", po::value<std::string>()->default_value(""),
      "this host's replica of the feature store (default: the run's path)")(
      "device", po::value<std::string>()->default_value(""),
      "cpu or cuda[:N] (default: the run's)")(
      "run-dir", po::value<std::string>()->default_value(""),
      "this host's folder for the run (default: the run's path); it need not be shared:\n"
      "weights and checkpoints come from the coordinator (as replica 0 a worker writes\n"
      "test_predictions.tsv and, with --lora, merged.pt there)")(
      "timeout", po::value<int>()->default_value(DistributedOptions{}.timeout_seconds),
      "seconds any control-channel wait may take")("quiet", po::bool_switch(), kQuietHelp);
  auto vm = Parse(args, spec);
  if (!vm) return 0;
  PsTransportOptions options;
  options.control.coordinator = (*vm)["coordinator"].as<std::string>();
  options.control.keys = ReadRunKeys((*vm)["key-file"].as<std::string>());
  options.control.name = "worker on " + HostName() + " (pid " + std::to_string(getpid()) + ")";
  options.control.timeout = std::chrono::milliseconds(1000LL * (*vm)["timeout"].as<int>());
  PsTransport link(options);
  TrainOptions train = TrainOptionsFromJson(link.welcome().train);
  if (!(*vm)["store"].as<std::string>().empty()) train.store = (*vm)["store"].as<std::string>();
  if (!(*vm)["device"].as<std::string>().empty())
    train.device = DeviceNamed("--device", (*vm)["device"].as<std::string>());
  if (!(*vm)["run-dir"].as<std::string>().empty())
    train.run_dir = (*vm)["run-dir"].as<std::string>();
  train.progress = !(*vm)["quiet"].as<bool>();  // lines from replica 0 only
  LogInfo("joined the run at " + options.control.coordinator +
          "; waiting to be given a place in a generation");
  const TrainSummary s = Train(train, &link);
  std::cout << "trained " << s.epochs << " epochs (" << s.steps << " steps) as replica "
            << link.replica() << " of " << link.replicas();
  if (!s.best_checkpoint.empty()) std::cout << "; tested the best checkpoint " << s.best_checkpoint;
  std::cout << "\n";
  return 0;
}

}  // namespace getps::cli

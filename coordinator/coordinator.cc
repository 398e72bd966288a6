#include "coordinator/coordinator.h"

#include "coordinator/mpi_coordinator.h"
#include "coordinator/ps_coordinator.h"

namespace getps {

void RunCoordinator(const CoordinatorOptions& options, ControlServer& server,
                    RunProgress* progress) {
  switch (options.sync) {
    case SyncMode::kMpi:
    case SyncMode::kNccl:  // the same coordination; only the replicas' gradient sums differ
      return MpiCoordinator(options, server, progress).Serve();
    case SyncMode::kParameterServer:
      return PsCoordinator(options, server, progress).Serve();
  }
}

}  // namespace getps

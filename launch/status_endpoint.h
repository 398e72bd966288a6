// The --status-port/--status-bind options of `getps train`: a StatusServer
// for the run, its URL logged and written to RUN/status.json
// ({"url": ..., "pid": the serving process}) for scripts and tests.
#pragma once

#include <memory>
#include <string>

#include "protocol/status_server.h"

namespace getps::cli {

// Null when `port` < 0 (off, the default).
std::unique_ptr<StatusServer> StartStatusEndpoint(const std::string& bind, int port,
                                                  const std::string& run_dir,
                                                  const RunProgress& progress);

}  // namespace getps::cli

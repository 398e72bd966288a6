#include "launch/status_endpoint.h"

#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/log.h"

namespace getps::cli {

std::unique_ptr<StatusServer> StartStatusEndpoint(const std::string& bind, int port,
                                                  const std::string& run_dir,
                                                  const RunProgress& progress) {
  if (port < 0) return nullptr;
  auto server = std::make_unique<StatusServer>(StatusServerOptions{bind, port}, progress);
  std::filesystem::create_directories(run_dir);
  WriteFileAtomically(std::filesystem::path(run_dir) / "status.json",
                      nlohmann::json{{"url", server->url()}, {"pid", getpid()}}.dump() + "\n");
  LogInfo("status: " + server->url() + " (Prometheus: " + server->url() + "metrics)");
  return server;
}

}  // namespace getps::cli

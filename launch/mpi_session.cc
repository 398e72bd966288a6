#include "launch/mpi_session.h"

#include <torch/cuda.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/error.h"
#include "common/log.h"
#include "launch/advertised_endpoint.h"

namespace getps::cli {

bool StartedByMpiLauncher() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_FD"})
    if (std::getenv(name)) return true;
  return false;
}

MpiSession::MpiSession() {
  int provided = 0;
  if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided) != MPI_SUCCESS)
    throw Error(ErrorCode::kIOError, "MPI_Init failed (run under mpirun)");
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

MpiSession::~MpiSession() {
  if (finalize_bound_ > 0) {
    std::thread([seconds = finalize_bound_] {
      std::this_thread::sleep_for(std::chrono::seconds(seconds));
      std::fflush(nullptr);
      std::_Exit(0);
    }).detach();
  }
  MPI_Finalize();
}

std::string Broadcast(std::string text) {
  int n = static_cast<int>(text.size());
  MPI_Bcast(&n, 1, MPI_INT, 0, MPI_COMM_WORLD);
  text.resize(static_cast<std::size_t>(n));
  MPI_Bcast(text.data(), n, MPI_CHAR, 0, MPI_COMM_WORLD);
  return text;
}

std::vector<std::string> GatherAtRankZero(const std::string& text, int ranks) {
  constexpr int kWidth = 1024;
  std::string mine = text;
  if (mine.size() >= kWidth) throw Error(ErrorCode::kInternal, "gathered text too long");
  mine.resize(kWidth, '\0');
  std::string all(static_cast<std::size_t>(kWidth * ranks), '\0');
  MPI_Gather(mine.data(), kWidth, MPI_CHAR, all.data(), kWidth, MPI_CHAR, 0, MPI_COMM_WORLD);
  std::vector<std::string> out;
  for (int r = 0; r < ranks; ++r)
    out.emplace_back(all.c_str() + static_cast<std::size_t>(r) * kWidth);
  return out;
}

CoordinatorAddress BroadcastCoordinator(const CoordinatorAddress& address) {
  const auto text = Broadcast(nlohmann::json{{"endpoint", address.endpoint},
                                             {"server_public", address.keys.server_public},
                                             {"client_public", address.keys.client_public},
                                             {"client_secret", address.keys.client_secret}}
                                  .dump());
  const auto boot = nlohmann::json::parse(text);
  CoordinatorAddress out;
  out.endpoint = boot.at("endpoint");
  out.keys.server_public = boot.at("server_public");
  out.keys.client_public = boot.at("client_public");
  out.keys.client_secret = boot.at("client_secret");
  return out;
}

std::string Advertise(const ControlServer& server, const std::string& advertise,
                      const std::string& who) {
  const Advertised a = AdvertisedEndpoint(server.endpoint(), advertise, ReadHostAddresses());
  LogInfo(who + " bound to " + server.endpoint() + ", advertised as " + a.endpoint + " (" + a.why +
          ")");
  return a.endpoint;
}

c10::Device ReplicaDevice(c10::Device device, MPI_Comm ranks) {
  if (!device.is_cuda() || device.has_index() || !torch::cuda::is_available()) return device;
  MPI_Comm node;
  MPI_Comm_split_type(ranks, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
  int local = 0;
  MPI_Comm_rank(node, &local);
  MPI_Comm_free(&node);
  return c10::Device(c10::DeviceType::CUDA,
                     static_cast<c10::DeviceIndex>(local % torch::cuda::device_count()));
}

}  // namespace getps::cli

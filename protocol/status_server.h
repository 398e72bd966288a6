// StatusServer: a run's live progress over HTTP, off unless asked for.
//   GET /metrics  the RunProgress gauges in the Prometheus text format
//                 (version 0.0.4): getps_NAME{run="RUN_DIR"} VALUE, plus
//                 getps_up and getps_uptime_seconds;
//   GET /         a small HTML status page (refreshes every 5 s);
//   anything else 404, a method other than GET or HEAD 405.
// One thread accepts and answers connections one at a time (a status page,
// not a web server); a client gets 2 s to send its request. Binds to
// 127.0.0.1 unless told otherwise.
#pragma once

#include <atomic>
#include <string>
#include <thread>

#include "protocol/run_progress.h"

namespace getps {

struct StatusServerOptions {
  std::string bind = "127.0.0.1";  // an IPv4 address; 0.0.0.0 for every interface
  int port = 0;                    // 0: any free port (see port())
};

std::string PrometheusText(const RunProgress::Snapshot& snapshot);
std::string StatusPage(const RunProgress::Snapshot& snapshot);

class StatusServer {
 public:
  // Listens at once. `progress` is not owned and outlives this. Throws
  // Error(kIOError) naming the address when it cannot listen,
  // Error(kInvalidArgument) for an address that is not IPv4.
  StatusServer(const StatusServerOptions& options, const RunProgress& progress);
  ~StatusServer();  // stops the thread and closes the socket
  StatusServer(const StatusServer&) = delete;
  StatusServer& operator=(const StatusServer&) = delete;

  int port() const { return port_; }
  std::string url() const;  // http://ADDRESS:PORT/

 private:
  void Serve();
  void Answer(int connection);

  const RunProgress& progress_;
  std::string bind_;
  int listener_ = -1, port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace getps

// StatusServer: a run's live progress over HTTP, off unless asked for.
//   GET /metrics  the RunProgress gauges in the Prometheus text format
//                 (version 0.0.4): getps_NAME{run="RUN_DIR"} VALUE, plus
//                 getps_up and getps_uptime_seconds;
//   GET /         a small HTML status page (refreshes every 5 s);
//   anything else 404, a method other than GET or HEAD 405.
// Served by cpp-httplib on two threads (a status page, not a web server):
// one request per connection, a client gets 2 s to send its request; an
// error inside a handler is logged and answered 500, never ends the run.
// Binds to 127.0.0.1 unless told otherwise.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "protocol/run_progress.h"

namespace httplib {
class Server;
}

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
  void Route();

  const RunProgress& progress_;
  std::string bind_;
  std::unique_ptr<httplib::Server> http_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace getps

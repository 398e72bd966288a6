#include "protocol/status_server.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <sys/socket.h>

#include <chrono>
#include <cmath>
#include <cstdio>

#include "common/error.h"
#include "common/log.h"
#include "common/wall_clock.h"

namespace getps {
namespace {

std::string Escaped(const std::string& s, bool html) {
  std::string out;
  for (char c : s) {
    if (html && c == '<')
      out += "&lt;";
    else if (html && c == '>')
      out += "&gt;";
    else if (html && c == '&')
      out += "&amp;";
    else if (!html && (c == '\\' || c == '"'))
      out += std::string("\\") + c;
    else if (!html && c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string Number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char s[40];
  std::snprintf(s, sizeof s, "%.10g", v);
  return s;
}

}  // namespace

std::string PrometheusText(const RunProgress::Snapshot& s) {
  const std::string labels = "{run=\"" + Escaped(s.run_dir, false) + "\"}";
  std::string out =
      "# HELP getps_up 1 while the run is in progress.\n# TYPE getps_up gauge\ngetps_up" + labels +
      " " + (s.state == "done" ? "0" : "1") +
      "\n# HELP getps_uptime_seconds Seconds since the run started.\n"
      "# TYPE getps_uptime_seconds gauge\ngetps_uptime_seconds" +
      labels + " " + Number(WallClockSeconds() - s.started) + "\n";
  for (const auto& [name, g] : s.gauges) {
    const std::string metric = "getps_" + name;
    if (!g.help.empty()) out += "# HELP " + metric + " " + Escaped(g.help, false) + "\n";
    out += "# TYPE " + metric + " gauge\n" + metric + labels + " " + Number(g.value) + "\n";
  }
  return out;
}

std::string StatusPage(const RunProgress::Snapshot& s) {
  std::string rows;
  for (const auto& [name, g] : s.gauges)
    rows += "<tr><td>" + Escaped(name, true) + "</td><td>" + Number(g.value) + "</td><td>" +
            Escaped(g.help, true) + "</td></tr>";
  return "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" "
         "content=\"5\"><title>getps: " +
         Escaped(s.run_dir, true) +
         "</title><style>body{font-family:sans-serif;margin:24px}td,th{border:1px solid "
         "#ccc;padding:3px 8px}table{border-collapse:collapse}</style></head><body><h1>getps "
         "run</h1><p>" +
         Escaped(s.run_dir, true) + ": <b>" + Escaped(s.state, true) + "</b>, " +
         Number(std::round(WallClockSeconds() - s.started)) +
         " s</p><table><tr><th>figure</th><th>value</th><th>meaning</th></tr>" + rows +
         "</table><p><a href=\"/metrics\">/metrics</a> (Prometheus)</p></body></html>\n";
}

StatusServer::StatusServer(const StatusServerOptions& o, const RunProgress& progress)
    : progress_(progress), bind_(o.bind), http_(std::make_unique<httplib::Server>()) {
  if (o.port < 0 || o.port > 65535)
    throw Error(ErrorCode::kInvalidArgument,
                "status server: port " + std::to_string(o.port) + " is not in 0..65535");
  in_addr address{};
  if (inet_pton(AF_INET, o.bind.c_str(), &address) != 1)
    throw Error(ErrorCode::kInvalidArgument,
                "status server: '" + o.bind + "' is not an IPv4 address");
  Route();
  // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, with which a
  // second server would share a port in use instead of being refused.
  http_->set_socket_options([](int fd) {
    const int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  port_ = o.port == 0 ? http_->bind_to_any_port(o.bind)
                      : (http_->bind_to_port(o.bind, o.port) ? o.port : -1);
  if (port_ < 0)
    throw Error(ErrorCode::kIOError, "status server: cannot listen on " + o.bind + ":" +
                                         std::to_string(o.port) + " (in use, or not this host's)");
  thread_ = std::thread([this] { http_->listen_after_bind(); });
  // Serving before the constructor returns: a stop() before httplib's loop
  // has started would be missed, and the loop would never end.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!http_->is_running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  if (!http_->is_running()) {
    http_->stop();
    thread_.join();
    throw Error(ErrorCode::kIOError, "status server: " + url() + " did not start serving");
  }
}

StatusServer::~StatusServer() {
  http_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string StatusServer::url() const {
  return "http://" + bind_ + ":" + std::to_string(port_) + "/";
}

// GET (and HEAD, which httplib answers from the GET handlers without the
// body) of / and /metrics; other methods 405, other paths 404. One request
// per connection, 2 s to send it, two threads (a status page, not a web
// server).
void StatusServer::Route() {
  http_->new_task_queue = [] { return new httplib::ThreadPool(2); };
  http_->set_keep_alive_max_count(1);
  http_->set_read_timeout(2, 0);
  http_->set_default_headers({{"Cache-Control", "no-store"}});
  http_->Get("/metrics", [this](const httplib::Request&, httplib::Response& r) {
    r.set_content(PrometheusText(progress_.Read()), "text/plain; version=0.0.4; charset=utf-8");
  });
  http_->Get("/", [this](const httplib::Request&, httplib::Response& r) {
    r.set_content(StatusPage(progress_.Read()), "text/html; charset=utf-8");
  });
  // Before any body is read (a POST without a length would be waited for).
  http_->set_pre_routing_handler([](const httplib::Request& q, httplib::Response& r) {
    if (q.method == "GET" || q.method == "HEAD") return httplib::Server::HandlerResponse::Unhandled;
    r.status = 405;
    r.set_content("only GET\n", "text/plain; charset=utf-8");
    return httplib::Server::HandlerResponse::Handled;
  });
  http_->set_error_handler([](const httplib::Request&, httplib::Response& r) {
    if (r.status == 404) r.set_content("no such page; try / or /metrics\n", "text/plain");
  });
  http_->set_exception_handler([](const httplib::Request&, httplib::Response& r,
                                  std::exception_ptr e) {  // a status page never ends the run
    try {
      if (e) std::rethrow_exception(e);
    } catch (const std::exception& what) {
      LogWarning(std::string("status server: ") + what.what());
    }
    r.status = 500;
  });
}

}  // namespace getps

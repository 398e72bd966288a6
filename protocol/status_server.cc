#include "protocol/status_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>

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

void SendAll(int fd, const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;  // the client went away; nothing to do
    sent += static_cast<std::size_t>(n);
  }
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
    : progress_(progress), bind_(o.bind) {
  if (o.port < 0 || o.port > 65535)
    throw Error(ErrorCode::kInvalidArgument,
                "status server: port " + std::to_string(o.port) + " is not in 0..65535");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(o.port));
  if (inet_pton(AF_INET, o.bind.c_str(), &addr.sin_addr) != 1)
    throw Error(ErrorCode::kInvalidArgument,
                "status server: '" + o.bind + "' is not an IPv4 address");
  const std::string where = o.bind + ":" + std::to_string(o.port);
  listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int yes = 1;
  setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  if (listener_ < 0 || bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(listener_, 16) != 0) {
    const std::string why = std::strerror(errno);
    if (listener_ >= 0) close(listener_);
    throw Error(ErrorCode::kIOError, "status server: cannot listen on " + where + ": " + why);
  }
  socklen_t len = sizeof addr;
  getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Serve(); });
}

StatusServer::~StatusServer() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  close(listener_);
}

std::string StatusServer::url() const {
  return "http://" + bind_ + ":" + std::to_string(port_) + "/";
}

void StatusServer::Serve() {
  while (!stop_) {
    pollfd p{listener_, POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    const int connection = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (connection < 0) {  // e.g. out of descriptors: wait rather than spin
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    try {
      Answer(connection);
    } catch (const std::exception& e) {  // a status page must never end the run
      LogWarning(std::string("status server: ") + e.what());
    }
    close(connection);
  }
}

void StatusServer::Answer(int fd) {
  // The request head, up to 8 KiB, within 2 s.
  std::string request;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (request.find("\r\n\r\n") == std::string::npos && request.size() < 8192) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) return;
    char buffer[1024];
    const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) return;
    request.append(buffer, static_cast<std::size_t>(n));
  }
  const std::string line = request.substr(0, request.find("\r\n"));
  const auto space = line.find(' '), space2 = line.find(' ', space + 1);
  const std::string method = line.substr(0, space);
  std::string path = space == std::string::npos ? "" : line.substr(space + 1, space2 - space - 1);
  path = path.substr(0, path.find('?'));
  std::string status = "200 OK", type = "text/plain; charset=utf-8", body;
  if (method != "GET" && method != "HEAD") {
    status = "405 Method Not Allowed";
    body = "only GET\n";
  } else if (path == "/metrics") {
    type = "text/plain; version=0.0.4; charset=utf-8";
    body = PrometheusText(progress_.Read());
  } else if (path == "/") {
    type = "text/html; charset=utf-8";
    body = StatusPage(progress_.Read());
  } else {
    status = "404 Not Found";
    body = "no such page; try / or /metrics\n";
  }
  SendAll(fd, "HTTP/1.1 " + status + "\r\nContent-Type: " + type +
                  "\r\nContent-Length: " + std::to_string(body.size()) +
                  "\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n" +
                  (method == "HEAD" ? "" : body));
}

}  // namespace getps

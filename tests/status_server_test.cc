#include "protocol/status_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cstdint>

#include <string>

#include "common/error.h"

namespace getps {
namespace {

int Connect(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  return fd;
}

// The whole response to `request`.
std::string Fetch(int port, const std::string& request) {
  const int fd = Connect(port);
  EXPECT_EQ(send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  std::string response;
  char buffer[4096];
  for (ssize_t n; (n = recv(fd, buffer, sizeof buffer, 0)) > 0;)
    response.append(buffer, static_cast<std::size_t>(n));
  close(fd);
  return response;
}

std::string Get(int port, const std::string& path) {
  return Fetch(port, "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
}

TEST(StatusServer, MetricsAreGaugesInThePrometheusTextFormat) {
  RunProgress progress("runs/a\"b");
  progress.Set("step", 12, "Optimizer steps done.");
  progress.Set("train_loss", 0.25);
  StatusServer server({}, progress);
  EXPECT_EQ(server.url(), "http://127.0.0.1:" + std::to_string(server.port()) + "/");
  const std::string r = Get(server.port(), "/metrics");
  EXPECT_EQ(r.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << r;
  EXPECT_NE(r.find("Content-Type: text/plain; version=0.0.4"), std::string::npos);
  EXPECT_NE(r.find("# HELP getps_step Optimizer steps done.\n# TYPE getps_step gauge\n"
                   "getps_step{run=\"runs/a\\\"b\"} 12\n"),
            std::string::npos)
      << r;
  EXPECT_NE(r.find("getps_train_loss{run=\"runs/a\\\"b\"} 0.25\n"), std::string::npos);
  EXPECT_NE(r.find("getps_up{run=\"runs/a\\\"b\"} 1\n"), std::string::npos);
  // The body is exactly Content-Length bytes.
  const auto head_end = r.find("\r\n\r\n") + 4;
  const auto length_at = r.find("Content-Length: ") + 16;
  EXPECT_EQ(std::stoul(r.substr(length_at)), r.size() - head_end);
  // Updates show on the next scrape; "done" turns getps_up to 0.
  progress.Set("step", 13);
  progress.SetState("done");
  const std::string again = Get(server.port(), "/metrics");
  EXPECT_NE(again.find("getps_step{run=\"runs/a\\\"b\"} 13\n"), std::string::npos);
  EXPECT_NE(again.find("getps_up{run=\"runs/a\\\"b\"} 0\n"), std::string::npos);
}

TEST(StatusServer, StatusPageNotFoundAndWrongMethod) {
  RunProgress progress("r<1>");
  progress.Set("epoch", 3);
  StatusServer server({}, progress);
  const std::string page = Get(server.port(), "/");
  EXPECT_EQ(page.rfind("HTTP/1.1 200 OK", 0), 0u);
  EXPECT_NE(page.find("r&lt;1&gt;"), std::string::npos);
  EXPECT_NE(page.find("<td>epoch</td><td>3</td>"), std::string::npos);
  EXPECT_EQ(Get(server.port(), "/nope").rfind("HTTP/1.1 404", 0), 0u);
  EXPECT_EQ(Fetch(server.port(), "POST /metrics HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 405", 0), 0u);
  // HEAD: the head without the body.
  const std::string head = Fetch(server.port(), "HEAD /metrics HTTP/1.1\r\n\r\n");
  EXPECT_EQ(head.substr(head.find("\r\n\r\n") + 4), "");
}

TEST(StatusServer, ASilentClientDoesNotStopTheServer) {
  RunProgress progress("r");
  StatusServer server({}, progress);
  const int silent = Connect(server.port());  // connects and says nothing
  EXPECT_EQ(Get(server.port(), "/metrics").rfind("HTTP/1.1 200", 0), 0u);
  close(silent);
}

TEST(StatusServer, BadAddressesAreClearErrors) {
  RunProgress progress("r");
  try {
    StatusServer server({"localhost", 0}, progress);
    FAIL() << "a host name was taken";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("'localhost' is not an IPv4 address"), std::string::npos);
  }
  StatusServer first({}, progress);
  try {
    StatusServer second({"127.0.0.1", first.port()}, progress);
    FAIL() << "two servers on one port";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIOError);
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(first.port())),
              std::string::npos);
  }
}

}  // namespace
}  // namespace getps

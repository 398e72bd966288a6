// HostName: this machine's host name (gethostname), "" when it cannot be
// read. What a process says it runs on: hellos to the coordinator,
// RUN/coordinator.json, the supervisor's check that a coordinator is local.
#pragma once

#include <unistd.h>

#include <string>

namespace getps {

inline std::string HostName() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) return "";
  return host;
}

}  // namespace getps

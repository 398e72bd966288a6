#include "protocol/run_keys.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include <cstring>
#include <fstream>
#include <map>

#include "common/error.h"

namespace getps {

RunKeys GenerateRunKeys() {
  if (!zmq_has("curve"))
    throw Error(ErrorCode::kInternal, "this libzmq was built without CURVE security");
  char pub[41], sec[41];
  RunKeys k;
  if (zmq_curve_keypair(pub, sec) != 0)
    throw Error(ErrorCode::kInternal, "zmq_curve_keypair failed");
  k.server_public = pub;
  k.server_secret = sec;
  if (zmq_curve_keypair(pub, sec) != 0)
    throw Error(ErrorCode::kInternal, "zmq_curve_keypair failed");
  k.client_public = pub;
  k.client_secret = sec;
  return k;
}

void WriteRunKeys(const std::string& path, const RunKeys& k) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    throw Error(ErrorCode::kIOError,
                "cannot create key file " + path + ": " + std::strerror(errno));
  const std::string text =
      "server_public = " + k.server_public + "\nserver_secret = " + k.server_secret +
      "\nclient_public = " + k.client_public + "\nclient_secret = " + k.client_secret + "\n";
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                  ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) throw Error(ErrorCode::kIOError, "cannot write key file " + path);
}

RunKeys ReadRunKeys(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw Error(ErrorCode::kNotFound, "no key file " + path);
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
    throw Error(ErrorCode::kRefused, "key file " + path +
                                         " is readable by group or others; chmod 600 it (the run's "
                                         "keys are its only authentication)");
  std::ifstream in(path);
  std::map<std::string, std::string> values;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    const auto eq = line.find(" = ");
    const std::string value = eq == std::string::npos ? "" : line.substr(eq + 3);
    if (eq == std::string::npos || value.size() != 40)
      throw Error(ErrorCode::kInvalidArgument, path + ":" + std::to_string(number) +
                                                   ": expected `name = <40-character Z85 key>`");
    values[line.substr(0, eq)] = value;
  }
  RunKeys k;
  for (auto [name, field] :
       {std::pair{"server_public", &k.server_public}, std::pair{"server_secret", &k.server_secret},
        std::pair{"client_public", &k.client_public},
        std::pair{"client_secret", &k.client_secret}}) {
    if (!values.count(name))
      throw Error(ErrorCode::kInvalidArgument, path + ": no " + std::string(name) + " line");
    *field = values[name];
  }
  return k;
}

}  // namespace getps

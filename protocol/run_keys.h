// RunKeys: the per-run CURVE keys of a training run. The coordinator serves
// with the server pair; every legitimate worker authenticates with the
// client pair. A process without the key file cannot register, fetch work
// or push updates: the coordinator's ZAP handler admits only the run's
// client public key, and without the server public key nothing connects.
//
// The key file is four `name = Z85 key` lines, created with mode 0600 and
// refused when group or others can read it.
#pragma once

#include <string>

namespace getps {

struct RunKeys {
  std::string server_public, server_secret;  // Z85, 40 characters each
  std::string client_public, client_secret;
};

// Fresh keys from libsodium via zmq_curve_keypair. Throws Error(kInternal)
// when this libzmq has no CURVE.
RunKeys GenerateRunKeys();

// Creates `path` (mode 0600; an existing file is an error, so a run never
// overwrites another's keys). Throws Error(kIOError) naming the path.
void WriteRunKeys(const std::string& path, const RunKeys& keys);

// Throws Error(kNotFound) when missing, Error(kRefused) when its mode lets
// group or others read it, Error(kInvalidArgument) naming the line when a
// key is missing or malformed.
RunKeys ReadRunKeys(const std::string& path);

}  // namespace getps

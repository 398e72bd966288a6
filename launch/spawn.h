// Spawn: fork + exec of a child command for the supervisor (`getps launch`)
// and the sweep's folds. argv and the environment are built before fork(),
// so the child only makes async-signal-safe calls until it execs (safe in a
// process with threads: LibTorch's, ZeroMQ's).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace getps::cli {

struct SpawnOptions {
  std::vector<std::string> env;  // NAME=VALUE set (or replaced) in the child
  std::string log_file;          // stdout and stderr appended here; empty: inherited
  bool own_process_group = false;
  bool unblock_signals = false;  // clear the blocked-signal mask (the supervisor blocks some)
};

// Starts argv[0] (a path, or a program on PATH). Throws Error(kIOError)
// when fork fails; a child that cannot exec writes one line to its stderr
// and exits 127.
pid_t Spawn(const std::vector<std::string>& argv, const SpawnOptions& options);

}  // namespace getps::cli

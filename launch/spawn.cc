#include "launch/spawn.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <string_view>

#include "common/error.h"

namespace getps::cli {

pid_t Spawn(const std::vector<std::string>& command, const SpawnOptions& o) {
  std::vector<std::string> env_text = o.env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry(*e);
    bool replaced = false;
    for (const auto& mine : o.env)
      replaced |= entry.rfind(std::string_view(mine).substr(0, mine.find('=') + 1), 0) == 0;
    if (!replaced) env_text.emplace_back(entry);
  }
  std::vector<char*> argv, envp;
  for (const auto& a : command) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (auto& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);
  sigset_t none;
  sigemptyset(&none);
  const pid_t pid = fork();
  if (pid < 0) throw Error(ErrorCode::kIOError, "cannot fork to run " + command.at(0));
  if (pid > 0) {
    if (o.own_process_group) setpgid(pid, pid);  // also here: no race with a kill(-pid)
    return pid;
  }
  if (o.unblock_signals) sigprocmask(SIG_SETMASK, &none, nullptr);
  if (o.own_process_group) setpgid(0, 0);
  if (!o.log_file.empty()) {
    const int fd = open(o.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0) _exit(127);
  }
  execvpe(argv[0], argv.data(), envp.data());
  const char message[] = "getps: cannot run the command (execvp failed)\n";
  [[maybe_unused]] const auto n = write(STDERR_FILENO, message, sizeof message - 1);
  _exit(127);
}

}  // namespace getps::cli

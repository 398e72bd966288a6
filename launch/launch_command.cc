// `getps launch [--max-restarts R] [--restart-delay S] -- COMMAND...`: the
// whole-job supervisor. Runs COMMAND (typically `mpirun … getps train …` or
// `srun …`) in its own process group; when it fails -- the coordinator
// died, mpirun aborted, a node was lost -- runs it again with
// `--resume auto` appended (unless COMMAND names --resume itself), so
// training continues from the newest valid checkpoint (a commit: with --commit-every, mid-epoch at
// the right window), up to R times. Exit status 2 (bad usage or input) is not retried: it would
// fail the same way. A distributed train is ended at once when its run is
// over but its ranks are not: RUN/outcome.json says it failed, or its
// coordinator (on this host) died (under OpenMPI's recovery settings the
// other ranks would wait out --timeout). SIGINT/SIGTERM are passed to the job and end the
// supervision. Each attempt sees GETPS_ATTEMPT=N (1, 2, …) in its
// environment, so a wrapper script can choose another worker count. A
// distributed `getps train` that exits 0 must also have written "finished"
// to RUN/outcome.json (mpirun with recovery settings always exits 0).
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/error.h"
#include "common/host_name.h"
#include "common/log.h"
#include "common/progress.h"
#include "launch/command_line.h"
#include "launch/commands.h"
#include "launch/spawn.h"

namespace getps::cli {
namespace {

namespace fs = std::filesystem;

// SIGINT and SIGTERM are blocked in the supervisor and taken with
// sigtimedwait while it waits (no handler, no global flag); the job gets
// them unblocked.
sigset_t StopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

// Starts `command` in a process group of its own, with GETPS_ATTEMPT set
// and the stop signals unblocked.
pid_t Start(const std::vector<std::string>& command, int attempt) {
  return Spawn(command, {{"GETPS_ATTEMPT=" + std::to_string(attempt)}, "", true, true});
}

// After the job's first process ended: whatever is left of its group
// (ranks mpirun did not reap) goes too, so no leftover writes to the run.
void EndGroup(pid_t pid) { kill(-pid, SIGKILL); }

// Whether the command already says how to resume (--resume X or --resume=X).
bool SaysResume(const std::vector<std::string>& command) {
  return std::any_of(command.begin(), command.end(), [](const std::string& a) {
    return a == "--resume" || a.rfind("--resume=", 0) == 0;
  });
}

// The value of `--name V` or `--name=V` in `command`, or "".
std::string OptionValue(const std::vector<std::string>& command, const std::string& name) {
  for (std::size_t i = 0; i < command.size(); ++i) {
    if (command[i] == name && i + 1 < command.size()) return command[i + 1];
    if (command[i].rfind(name + "=", 0) == 0) return command[i].substr(name.size() + 1);
  }
  return "";
}

// The coordinator of a distributed `getps train` attempt, for ending the
// job as soon as the run is over: under OpenMPI's recovery settings a dead
// rank 0 does not end the job, nor does always its MPI_Abort, and the other
// ranks would wait out --timeout. Over() says why the job should end now:
// RUN/outcome.json, written by this attempt, says the run failed; or it
// says the run finished and the job is still there `linger` after (mpirun
// over several hosts has been seen to outlive every rank of a run that
// finished); or the coordinator runs on this host (RUN/coordinator.json of
// this attempt names its host and pid), its process is gone, and it wrote no
// outcome.
// A file counts as this attempt's when its inode, modification time or size
// differs from what was there when the attempt started (both files are
// written atomically, so each write is a new inode): comparing times with
// the clock missed a file written within the file system's timestamp
// granularity of the start.
class CoordinatorWatch {
 public:
  // Before the attempt starts.
  CoordinatorWatch(const std::vector<std::string>& command, std::chrono::duration<double> linger)
      : linger_(linger) {
    if (OptionValue(command, "--sync").empty()) return;
    run_dir_ = OptionValue(command, "--run-dir");
    outcome_at_start_ = StampOf(run_dir_ + "/outcome.json");
    coordinator_at_start_ = StampOf(run_dir_ + "/coordinator.json");
  }

  struct Ending {
    std::string why;
    int exit_code = 0;      // the run's own (RUN/outcome.json), or 0: let the kill stand
    bool finished = false;  // the run finished: the ended job counts as exited 0
  };
  std::optional<Ending> Over() {
    if (run_dir_.empty()) return std::nullopt;
    const std::string outcome = run_dir_ + "/outcome.json";
    if (WrittenThisAttempt(outcome, outcome_at_start_)) {
      std::ifstream in(outcome);
      const auto o = nlohmann::json::parse(in, nullptr, false);
      if (o.is_object() && o.value("status", "") == "failed")
        return Ending{
            "the coordinator ended the run (" + outcome + ": " + o.value("error", "?") + ")",
            std::max(1, o.value("exit_code", 1))};
      // Finished: the ranks end by themselves, or are ended `linger` later.
      const auto now = std::chrono::steady_clock::now();
      if (!finished_seen_) finished_seen_ = now;
      if (now - *finished_seen_ < linger_) return std::nullopt;
      return Ending{"the run finished (" + outcome + ") but the job was still running " +
                        FormatDuration(linger_.count()) + " later",
                    0, true};
    }
    if (pid_ <= 0) pid_ = LocalCoordinator();
    if (pid_ <= 0 || kill(pid_, 0) == 0 || errno != ESRCH) return std::nullopt;
    if (WrittenThisAttempt(outcome, outcome_at_start_))
      return std::nullopt;  // it wrote one as it went; next tick
    return Ending{"the coordinator (pid " + std::to_string(pid_) + ") died"};
  }

 private:
  struct Stamp {
    ino_t inode;
    std::int64_t mtime_ns;
    off_t size;
    bool operator==(const Stamp& o) const {
      return inode == o.inode && mtime_ns == o.mtime_ns && size == o.size;
    }
  };
  static std::optional<Stamp> StampOf(const std::string& path) {
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) return std::nullopt;
    return Stamp{st.st_ino, std::int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec,
                 st.st_size};
  }
  static bool WrittenThisAttempt(const std::string& path, const std::optional<Stamp>& at_start) {
    const auto now = StampOf(path);
    return now && !(at_start && *now == *at_start);
  }
  pid_t LocalCoordinator() const {
    const std::string path = run_dir_ + "/coordinator.json";
    if (!WrittenThisAttempt(path, coordinator_at_start_)) return -1;
    std::ifstream in(path);
    const auto info = nlohmann::json::parse(in, nullptr, false);
    if (!info.is_object() || info.value("host", "") != HostName()) return -1;
    return info.value("pid", -1);
  }

  std::string run_dir_;  // empty: not a distributed train, nothing to watch
  std::optional<Stamp> outcome_at_start_, coordinator_at_start_;
  std::chrono::duration<double> linger_;
  std::optional<std::chrono::steady_clock::time_point> finished_seen_;
  pid_t pid_ = -1;
};

// Waits for the job; a stop signal is passed on to its group and noted in
// *stopped_by. A run its coordinator ended or lost ends the job at once
// (with the run's exit status, when it wrote one): SIGTERM to its group,
// then SIGKILL if it is still there `grace` later. srun needs the SIGTERM:
// it forwards it to its step's tasks on every node and waits for them, while
// a SIGKILLed srun can do neither and leaves its ranks running.
int Wait(pid_t pid, CoordinatorWatch& watch, std::chrono::duration<double> grace, int* stopped_by) {
  using Clock = std::chrono::steady_clock;
  const sigset_t stop = StopSignals();
  const timespec tick{0, 100'000'000};
  int status = 0;
  std::optional<CoordinatorWatch::Ending> ended;
  auto kill_at = Clock::time_point::max();  // max: no SIGKILL due
  while (true) {
    const pid_t got = waitpid(pid, &status, WNOHANG);
    if (got == pid) {
      if (ended && ended->finished) return 0;  // as a wait status: exited 0
      return ended && ended->exit_code ? ended->exit_code << 8 : status;
    }
    if (got < 0) throw Error(ErrorCode::kIOError, "launch: waitpid failed");
    const int signal = sigtimedwait(&stop, nullptr, &tick);
    if (signal > 0) {
      kill(-pid, signal);
      *stopped_by = signal;
    } else if (!ended && (ended = watch.Over())) {
      LogWarning("launch: " + ended->why + "; ending the job");
      kill(-pid, SIGTERM);
      kill_at = Clock::now() + std::chrono::duration_cast<Clock::duration>(grace);
    } else if (Clock::now() >= kill_at) {
      LogWarning("launch: the job was still running " + FormatDuration(grace.count()) +
                 " after SIGTERM; killing it");
      kill(-pid, SIGKILL);
      kill_at = Clock::time_point::max();
    }
  }
}

// mpirun with OpenMPI's recovery settings (which let a distributed run
// outlive a dead rank) exits 0 whatever became of the job; a distributed
// `getps train` (--sync) records how it ended in RUN/outcome.json. An exit
// status 0 of such a command counts only with an outcome of "finished";
// returns the wait status to go by.
int CheckedStatus(const std::vector<std::string>& command, int status) {
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return status;
  const std::string run_dir = OptionValue(command, "--run-dir");
  if (OptionValue(command, "--sync").empty() || run_dir.empty()) return status;
  const std::string path = run_dir + "/outcome.json";
  std::ifstream in(path);
  const auto outcome = nlohmann::json::parse(in, nullptr, false);
  if (outcome.is_object() && outcome.value("status", "") == "finished") return status;
  const int code = outcome.is_object() ? outcome.value("exit_code", 1) : 1;
  LogWarning("launch: the job exited 0 but " +
             (outcome.is_object() ? path + " says it failed: " + outcome.value("error", "?")
                                  : "left no " + path + " (its coordinator died)"));
  return (code == 0 ? 1 : code) << 8;  // as a wait status: exited with `code`
}

std::string Describe(int status) {
  if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
  return "exited with status " + std::to_string(WEXITSTATUS(status));
}

}  // namespace

int RunLaunch(const std::vector<std::string>& args) {
  CommandSpec spec(
      "launch", "[--max-restarts R] [--restart-delay S] -- COMMAND...",
      "Runs COMMAND (e.g. `mpirun -np 17 getps train ... --commit-every 100`) and restarts it\n"
      "when it fails, with `--resume auto` appended, up to --max-restarts times: the run\n"
      "continues from its newest valid checkpoint. Exit status 2 (bad usage or input) is not\n"
      "retried. A distributed train whose coordinator ended the run (RUN/outcome.json) or\n"
      "died is ended at once rather than left to its ranks' timeouts; one whose run finished\n"
      "but which is still running --stop-grace seconds later is ended and counts as finished.\n"
      "Ctrl-C / SIGTERM stop the job and the supervision. Each attempt has\n"
      "GETPS_ATTEMPT=N in its environment.");
  spec.options.add_options()("max-restarts", po::value<int>()->default_value(3),
                             "restarts after failures, at most")(
      "restart-delay", po::value<double>()->default_value(1.0),
      "seconds to wait before a restart (lets ports and a dying job's files settle)")(
      "stop-grace", po::value<double>()->default_value(10.0),
      "seconds a job ended by launch has between SIGTERM and SIGKILL (srun takes its step's "
      "tasks down on SIGTERM, not on SIGKILL), and a finished run's job has to exit");
  const auto dashes = std::find(args.begin(), args.end(), "--");
  auto vm = Parse({args.begin(), dashes}, spec);
  if (!vm) return 0;
  std::vector<std::string> command(dashes == args.end() ? dashes : dashes + 1, args.end());
  if (command.empty())
    throw Error(ErrorCode::kInvalidArgument, "launch: no command after `--` (see --help)");
  const int max_restarts = std::max(0, (*vm)["max-restarts"].as<int>());
  const double delay = std::max(0.0, (*vm)["restart-delay"].as<double>());
  const std::chrono::duration<double> grace(std::max(0.0, (*vm)["stop-grace"].as<double>()));
  const sigset_t stop = StopSignals();
  sigprocmask(SIG_BLOCK, &stop, nullptr);
  int stopped_by = 0;
  for (int attempt = 1;; ++attempt) {
    const auto started = std::chrono::steady_clock::now();
    CoordinatorWatch watch(command, grace);
    const pid_t job = Start(command, attempt);
    const int status = CheckedStatus(command, Wait(job, watch, grace, &stopped_by));
    EndGroup(job);
    const double took =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      if (attempt > 1) LogInfo("launch: the job finished on attempt " + std::to_string(attempt));
      return 0;
    }
    const std::string what = "launch: attempt " + std::to_string(attempt) + " " + Describe(status) +
                             " after " + FormatDuration(took);
    if (stopped_by != 0) {
      LogWarning(what + "; stopped by signal " + std::to_string(stopped_by));
      return 128 + stopped_by;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 2) {
      LogError(what + " (bad usage or input: not retried)");
      return 2;
    }
    if (attempt > max_restarts) {
      LogError(what + "; no restarts left (--max-restarts " + std::to_string(max_restarts) + ")");
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    LogWarning(what + "; restarting from the newest checkpoint (restart " +
               std::to_string(attempt) + " of " + std::to_string(max_restarts) + ")");
    if (!SaysResume(command)) command.insert(command.end(), {"--resume", "auto"});
    std::this_thread::sleep_for(std::chrono::duration<double>(delay));
  }
}

}  // namespace getps::cli

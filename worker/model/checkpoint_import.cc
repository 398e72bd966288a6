#include "worker/model/checkpoint_import.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "common/error.h"
#include "common/log.h"
#include "worker/model/state_dict.h"

extern char** environ;

namespace getps {
namespace {

// The reference's extract_state_dict ("model", then "state_dict"), saved
// as a plain dict LibTorch reads.
constexpr char kConverter[] = R"PY(
import sys, torch
obj = torch.load(sys.argv[1], map_location="cpu", weights_only=False)
if isinstance(obj, dict) and isinstance(obj.get("model"), dict): obj = obj["model"]
if isinstance(obj, dict) and isinstance(obj.get("state_dict"), dict): obj = obj["state_dict"]
if not isinstance(obj, dict) or not all(isinstance(k, str) and torch.is_tensor(v) for k, v in obj.items()):
    sys.exit("holds no {name: tensor} state dict (a %s)" % type(obj).__name__)
torch.save({k: v.detach().cpu().contiguous() for k, v in obj.items()}, sys.argv[2])
)PY";

std::string Python() {
  if (const char* p = std::getenv("GETPS_PYTHON"); p && *p) return p;
#ifdef GETPS_DEFAULT_PYTHON
  if (std::filesystem::exists(GETPS_DEFAULT_PYTHON)) return GETPS_DEFAULT_PYTHON;
#endif
  return "python3";
}

// Runs the converter; returns "" on success, else what it said.
std::string Convert(const std::string& python, const std::string& in, const std::string& out,
                    const std::string& log) {
  const char* argv[] = {python.c_str(), "-c", kConverter, in.c_str(), out.c_str(), nullptr};
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&files, 1, 2);
  pid_t pid = 0;
  const int rc =
      posix_spawnp(&pid, python.c_str(), &files, nullptr, const_cast<char**>(argv), environ);
  posix_spawn_file_actions_destroy(&files);
  if (rc != 0) return "cannot run " + python + " (set GETPS_PYTHON to a Python with torch)";
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
  std::ifstream said(log);
  std::string text((std::istreambuf_iterator<char>(said)), {});
  const auto last = text.find_last_not_of("\n");
  text = last == std::string::npos ? "" : text.substr(0, last + 1);
  const auto line = text.rfind('\n');
  return line == std::string::npos ? text : text.substr(line + 1);
}

std::string Shape(const torch::Tensor& t) { return c10::str(t.sizes()); }

}  // namespace

std::map<std::string, torch::Tensor> ImportStateDict(const std::string& path) {
  if (!std::filesystem::exists(path))
    throw Error(ErrorCode::kNotFound, "cannot read state dict " + path);
  try {
    return ReadTensorDict(path);
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kNotFound) throw;
  }
  // Not a plain state dict: through PyTorch itself.
  const auto dir = std::filesystem::temp_directory_path();
  const std::string stem = (dir / ("getps-import-" + std::to_string(getpid()))).string();
  const std::string python = Python();
  const std::string why = Convert(python, path, stem + ".pt", stem + ".log");
  std::filesystem::remove(stem + ".log");
  if (!why.empty()) {
    std::filesystem::remove(stem + ".pt");
    throw Error(ErrorCode::kCorruption, path +
                                            " is not a readable PyTorch state dict (neither "
                                            "getps nor " +
                                            python + " reads one from it: " + why + ")");
  }
  auto weights = ReadTensorDict(stem + ".pt");
  std::filesystem::remove(stem + ".pt");
  LogInfo("read " + path + " through " + python);
  return weights;
}

void AdoptWeights(RegionModel& model, std::map<std::string, torch::Tensor> weights,
                  const AdoptOptions& o) {
  const bool lightning = !weights.empty() &&
                         std::all_of(weights.begin(), weights.end(),
                                     [](const auto& w) { return w.first.rfind("model.", 0) == 0; });
  std::map<std::string, torch::Tensor> source;
  const std::regex drop(o.drop.empty() ? "$^" : o.drop);
  std::vector<std::string> left_out, dropped_heads, new_heads;
  for (auto& [key, t] : weights) {
    const std::string name = lightning ? key.substr(6) : key;
    if (!o.drop.empty() && std::regex_search(name, drop))
      left_out.push_back(name);
    else
      source[name] = t;
  }
  torch::NoGradGuard no_grad;
  auto own = StateDict(model.module());
  for (auto& [name, t] : own) {
    const auto it = source.find(name);
    if (it != source.end() && it->second.sizes() == t.sizes()) {
      t.copy_(it->second);
      source.erase(it);
    } else if (model.IsHead(name) && o.new_heads) {
      new_heads.push_back(name + (it == source.end() ? "" : " (" + Shape(it->second) + " there)"));
      if (it != source.end()) source.erase(it);
    } else if (it == source.end()) {
      throw Error(ErrorCode::kInvalidArgument,
                  o.source + ": missing " + name + " (the model expects " + Shape(t) + ")");
    } else {
      throw Error(ErrorCode::kInvalidArgument, o.source + ": " + name + " has shape " +
                                                   Shape(it->second) + ", the model expects " +
                                                   Shape(t));
    }
  }
  for (const auto& [name, t] : source) {
    if (!model.IsHead(name))
      throw Error(ErrorCode::kInvalidArgument,
                  o.source + ": unexpected " + name + " (" + Shape(t) +
                      ") that the model lacks; leave it out with --init-drop");
    dropped_heads.push_back(name);
  }
  auto list = [](const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
  };
  if (!left_out.empty()) LogInfo("--init-drop left out of " + o.source + ": " + list(left_out));
  if (!dropped_heads.empty())
    LogInfo("heads of " + o.source + " this model does not have, dropped: " + list(dropped_heads));
  if (!new_heads.empty())
    LogInfo("heads this model needs that " + o.source + " lacks, initialised: " + list(new_heads));
}

}  // namespace getps

// The getps command line, shared by its two binaries:
//   getps        the torch-free one: the featurizer, the store, scan, count,
//                simulate, report, launch. It loads in milliseconds and maps
//                no LibTorch or CUDA library.
//   getps-model  beside it: every command, with LibTorch (training, predict,
//                explain, sweeps, variant effects; scan and featurize on a
//                --device).
// `getps train ...` and every other command line that needs LibTorch is run by
// getps as getps-model with the same arguments and environment (execv, so the
// process, its pid and an mpirun rank stay the same); users and scripts only
// ever name getps.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace getps::cli {

using CommandFn = int (*)(const std::vector<std::string>& args);

// Thrown by a command of the torch-free binary, after parsing its options and
// before doing anything else, when what it was asked needs LibTorch (e.g.
// `scan --device cuda`). Not a std::exception, so no handler of errors
// swallows it on the way to RunMain.
struct NeedsLibTorch {
  std::string what;  // e.g. "--device cuda", for the message when getps-model is missing
};

// The binary's own runner of a command; nullptr: the command needs LibTorch
// and this binary has none.
using RunnerOf = CommandFn (*)(std::string_view name);

// main() of either binary: usage, --version, the command, and its errors as
// an exit status with one line on stderr (getps::Error's code; 1 for others).
// `links_libtorch`: false for getps, which runs what needs LibTorch in the
// getps-model found beside its own executable.
int RunMain(int argc, char** argv, RunnerOf runner_of, bool links_libtorch);

// The getps-model beside the running executable (/proc/self/exe).
std::string ModelBinaryPath();

}  // namespace getps::cli

#include "featurizer/torch_motif_scanner.h"

#include <torch/torch.h>
#include <cstdint>

#include <algorithm>
#include <utility>

#include "common/error.h"

#ifdef GETPS_TORCH_CUDA
#include <cuda_runtime_api.h>
#endif

namespace getps {
namespace {

constexpr std::int64_t kPositionBytes = 70;   // per position: codes, one-hot (int64, then float)
constexpr std::int64_t kScoreBytes = 5;       // per position and motif: score and comparison
constexpr std::int64_t kMinPositions = 4096;  // below this, cut the motifs instead

// The budget of one convolution on `device`.
std::size_t Budget(const torch::Device& device, std::size_t asked) {
  if (asked > 0) return asked;
  if (!device.is_cuda()) return kCpuScanMemory;
#ifdef GETPS_TORCH_CUDA
  std::size_t free = 0, total = 0;
  if (cudaMemGetInfo(&free, &total) == cudaSuccess && free > 0) return free / 4;
#endif
  return kGpuScanMemory;
}

}  // namespace

struct TorchMotifScanner::Impl {
  std::vector<Pssm> pssms;
  torch::Device device{torch::kCPU};
  torch::Tensor weight;     // [P, 5, Wmax]
  torch::Tensor threshold;  // [P, 1]
  std::int64_t wmax = 0;
  std::int64_t chunk_positions = 0, chunk_motifs = 0;  // per convolution

  // The candidate windows (>= threshold - margin) of motifs [m0, m0 + n)
  // over concatenated positions [first, first + count): (motif, position).
  torch::Tensor Candidates(const torch::Tensor& codes, std::int64_t m0, std::int64_t n,
                           std::int64_t first, std::int64_t count) const;
};

torch::Tensor TorchMotifScanner::Impl::Candidates(const torch::Tensor& codes, std::int64_t m0,
                                                  std::int64_t n, std::int64_t first,
                                                  std::int64_t count) const {
  const auto segment = codes.narrow(0, first, count + wmax - 1).to(device).to(torch::kLong);
  const auto onehot = torch::one_hot(segment, 5).to(torch::kFloat32).t().unsqueeze(0);
  const auto scores = torch::conv1d(onehot, weight.narrow(0, m0, n)).squeeze(0);  // [n, count]
  auto hits = (scores >= threshold.narrow(0, m0, n)).nonzero().to(torch::kCPU);
  hits.select(1, 0).add_(m0);
  hits.select(1, 1).add_(first);
  return hits;
}

TorchMotifScanner::TorchMotifScanner(std::vector<Pssm> pssms, const std::string& device,
                                     const TorchScanOptions& options)
    : impl_(std::make_unique<Impl>()) {
  try {
    impl_->device = torch::Device(device == "torch-cpu" ? "cpu" : device);
  } catch (const std::exception& e) {
    throw Error(ErrorCode::kInvalidArgument, "--device '" + device + "': " + e.what());
  }
  if (impl_->device.is_cuda() && !torch::cuda::is_available()) {
    throw Error(ErrorCode::kInvalidArgument,
                "--device " + device +
                    ": this getps was built with a CPU-only LibTorch or sees no GPU "
                    "(build with -DTorch_DIR=<a CUDA LibTorch> on a GPU host)");
  }
  impl_->pssms = std::move(pssms);
  const auto p = static_cast<std::int64_t>(impl_->pssms.size());
  for (const auto& m : impl_->pssms)
    impl_->wmax = std::max<std::int64_t>(impl_->wmax, static_cast<std::int64_t>(m.width()));
  auto w = torch::zeros({p, 5, impl_->wmax}, torch::kFloat32);
  auto t = torch::empty({p, 1}, torch::kFloat32);
  auto wa = w.accessor<float, 3>();
  for (std::int64_t i = 0; i < p; ++i) {
    const Pssm& m = impl_->pssms[static_cast<std::size_t>(i)];
    for (std::size_t j = 0; j < m.width(); ++j) {
      for (int b = 0; b < 4; ++b)
        wa[i][b][static_cast<std::int64_t>(j)] = static_cast<float>(m.scores[j][b]);
      wa[i][4][static_cast<std::int64_t>(j)] = -1e9f;
    }
    t[i][0] = static_cast<float>(m.threshold - kMargin);
  }
  impl_->weight = w.to(impl_->device);
  impl_->threshold = t.to(impl_->device);
  if (impl_->device.is_cuda()) at::globalContext().setAllowTF32CuDNN(false);
  const auto budget = static_cast<std::int64_t>(Budget(impl_->device, options.memory_bytes));
  impl_->chunk_motifs = std::max<std::int64_t>(p, 1);
  impl_->chunk_positions = budget / (kPositionBytes + kScoreBytes * impl_->chunk_motifs);
  if (impl_->chunk_positions < kMinPositions) {
    impl_->chunk_positions = kMinPositions;
    impl_->chunk_motifs = std::clamp<std::int64_t>(
        (budget / kMinPositions - kPositionBytes) / kScoreBytes, 1, impl_->chunk_motifs);
  }
}

TorchMotifScanner::~TorchMotifScanner() = default;

const std::vector<Pssm>& TorchMotifScanner::pssms() const { return impl_->pssms; }
std::int64_t TorchMotifScanner::chunk_positions() const { return impl_->chunk_positions; }
std::int64_t TorchMotifScanner::chunk_motifs() const { return impl_->chunk_motifs; }

void TorchMotifScanner::ScanBatch(const std::vector<std::span<const std::uint8_t>>& sequences,
                                  std::vector<std::vector<MotifMatch>>* out) const {
  torch::NoGradGuard no_grad;
  const std::int64_t wmax = impl_->wmax;
  // Concatenate with wmax "other" bases after each sequence so no window
  // crosses from one sequence into the next without meeting them.
  std::vector<std::int64_t> offsets;
  std::int64_t total = 0;
  for (const auto& s : sequences) {
    offsets.push_back(total);
    total += static_cast<std::int64_t>(s.size()) + wmax;
  }
  auto codes = torch::full({total}, 4, torch::kUInt8);
  auto ca = codes.accessor<std::uint8_t, 1>();
  for (std::size_t i = 0; i < sequences.size(); ++i) {
    for (std::size_t k = 0; k < sequences[i].size(); ++k)
      ca[offsets[i] + static_cast<std::int64_t>(k)] = std::min<std::uint8_t>(sequences[i][k], 4);
  }
  // Convolutions of at most chunk_motifs x chunk_positions (the budget).
  std::vector<torch::Tensor> found;
  const auto motifs = static_cast<std::int64_t>(impl_->pssms.size());
  const std::int64_t windows = total - wmax + 1;
  for (std::int64_t m0 = 0; m0 < motifs; m0 += impl_->chunk_motifs) {
    for (std::int64_t first = 0; first < windows; first += impl_->chunk_positions) {
      found.push_back(impl_->Candidates(codes, m0, std::min(impl_->chunk_motifs, motifs - m0),
                                        first, std::min(impl_->chunk_positions, windows - first)));
    }
  }
  const auto hits = found.empty() ? torch::empty({0, 2}, torch::kLong) : torch::cat(found);
  out->assign(sequences.size(), {});
  auto ha = hits.accessor<std::int64_t, 2>();
  for (std::int64_t h = 0; h < hits.size(0); ++h) {
    const std::int64_t m = ha[h][0], pos = ha[h][1];
    const auto seq = static_cast<std::size_t>(
        std::upper_bound(offsets.begin(), offsets.end(), pos) - offsets.begin() - 1);
    const std::int64_t local = pos - offsets[seq];
    const Pssm& p = impl_->pssms[static_cast<std::size_t>(m)];
    if (local + static_cast<std::int64_t>(p.width()) >
        static_cast<std::int64_t>(sequences[seq].size()))
      continue;
    double s = 0;
    bool ok = true;
    for (std::size_t j = 0; j < p.width() && ok; ++j) {
      const std::uint8_t b = sequences[seq][static_cast<std::size_t>(local) + j];
      if (b > 3)
        ok = false;
      else
        s += p.scores[j][b];
    }
    if (ok && s >= p.threshold) {
      (*out)[seq].push_back({static_cast<std::uint32_t>(m), static_cast<std::uint32_t>(local), s});
    }
  }
  // Chunks come motif range by motif range: MotifScanner's order again.
  for (auto& matches : *out) {
    std::sort(matches.begin(), matches.end(), [](const MotifMatch& a, const MotifMatch& b) {
      return a.pssm != b.pssm ? a.pssm < b.pssm : a.pos < b.pos;
    });
  }
}

std::unique_ptr<BatchScanner> MakeTorchMotifScanner(std::vector<Pssm> pssms,
                                                    const std::string& device,
                                                    const TorchScanOptions& options) {
  return std::make_unique<TorchMotifScanner>(std::move(pssms), device, options);
}

}  // namespace getps

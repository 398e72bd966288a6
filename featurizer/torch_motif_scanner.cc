#include "featurizer/torch_motif_scanner.h"

#include <torch/torch.h>

#include <algorithm>

#include "common/error.h"

namespace getps {

struct TorchMotifScanner::Impl {
  std::vector<Pssm> pssms;
  torch::Device device{torch::kCPU};
  torch::Tensor weight;     // [P, 5, Wmax]
  torch::Tensor threshold;  // [P, 1]
  std::int64_t wmax = 0;
};

TorchMotifScanner::TorchMotifScanner(std::vector<Pssm> pssms, const std::string& device)
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
}

TorchMotifScanner::~TorchMotifScanner() = default;

const std::vector<Pssm>& TorchMotifScanner::pssms() const { return impl_->pssms; }

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
  auto codes = torch::full({total}, 4, torch::kLong);
  auto ca = codes.accessor<std::int64_t, 1>();
  for (std::size_t i = 0; i < sequences.size(); ++i) {
    for (std::size_t k = 0; k < sequences[i].size(); ++k)
      ca[offsets[i] + static_cast<std::int64_t>(k)] = std::min<int>(sequences[i][k], 4);
  }
  auto onehot = torch::one_hot(codes.to(impl_->device), 5)
                    .to(torch::kFloat32)
                    .t()
                    .unsqueeze(0);                                // [1, 5, total]
  auto scores = torch::conv1d(onehot, impl_->weight).squeeze(0);  // [P, total - wmax + 1]
  auto hits =
      (scores >= impl_->threshold).nonzero().to(torch::kCPU);  // [K, 2]: pssm, position (sorted)
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
}

}  // namespace getps

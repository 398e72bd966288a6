#include "launch/window_outputs.h"

#include <torch/torch.h>
#include <cstdint>

#include <filesystem>
#include <fstream>

#include "common/error.h"
#include "common/random.h"
#include "storage/npy_writer.h"
#include "worker/batch_tensors.h"

namespace getps::cli {
namespace {

std::vector<std::uint64_t> OutputShape(RegionTask task, std::uint64_t n, std::uint64_t r,
                                       std::uint64_t features) {
  switch (task) {
    case RegionTask::kExpression:
      return {n, r, 2};
    case RegionTask::kAccessibility:
      return {n, r};
    case RegionTask::kPretrain:
      break;
  }
  return {n, r, features};
}

// Window i's pretraining mask: Bernoulli(ratio) from a generator seeded by
// (seed, i), so it does not depend on the batch size.
torch::Tensor MaskOf(std::size_t i, std::int64_t regions, double ratio, std::uint64_t seed) {
  torch::manual_seed(MixSeed(seed, static_cast<std::uint64_t>(i)));
  return torch::rand({1, regions}) < ratio;
}

}  // namespace

void WriteWindowOutputs(RegionModel& model, const StoreReader& store,
                        const std::vector<Window>& windows, const WindowOutputOptions& o) {
  namespace fs = std::filesystem;
  fs::create_directories(o.dir);
  const fs::path dir = o.dir;
  const std::uint64_t n = windows.size(), r = kRegionsPerWindow;
  BatchAssembler assembler(store, {kRegionsPerWindow, o.atac});
  const bool pretrain = model.task() == RegionTask::kPretrain;
  NpyWriter outputs((dir / "outputs.npy").string(), "<f4",
                    OutputShape(model.task(), n, r, assembler.num_features()));
  NpyWriter ids((dir / "region_ids.npy").string(), "<u4", {n, r});
  std::unique_ptr<NpyWriter> masks;
  if (pretrain)
    masks = std::make_unique<NpyWriter>((dir / "masks.npy").string(), "|u1",
                                        std::vector<std::uint64_t>{n, r});
  std::ofstream tsv(dir / "windows.tsv");
  tsv << "index\tcelltype\tchrom\tfirst\n";
  torch::NoGradGuard no_grad;
  Batch batch;
  for (std::size_t b = 0; b < n; b += o.batch) {
    const std::size_t count = std::min<std::size_t>(o.batch, n - b);
    assembler.Assemble({windows.data() + b, count}, &batch);
    const auto features = ViewBatch(batch).features;
    torch::Tensor mask;
    if (pretrain) {
      std::vector<torch::Tensor> rows;
      for (std::size_t i = 0; i < count; ++i)
        rows.push_back(MaskOf(b + i, features.size(1), o.mask_ratio, o.seed));
      mask = torch::cat(rows);
      const auto bytes = mask.to(torch::kUInt8).contiguous();
      masks->Write(bytes.data_ptr(), bytes.numel());
    }
    const GetOutputs out = model.Forward(features, mask);
    const torch::Tensor head = pretrain                                  ? out.masked
                               : model.task() == RegionTask::kExpression ? out.expression
                                                                         : out.accessibility;
    const auto values = head.to(torch::kFloat).contiguous();
    outputs.Write(values.data_ptr(), static_cast<std::size_t>(values.nbytes()));
    ids.Write(batch.region_ids.data(), count * r * sizeof(std::uint32_t));
    for (std::size_t i = 0; i < count; ++i) {
      const Window& w = windows[b + i];
      tsv << b + i << "\t" << store.celltypes()[w.celltype].name << "\t"
          << store.regions().chromosomes()[w.chrom].name << "\t" << w.first << "\n";
    }
  }
  outputs.Close();
  ids.Close();
  if (masks) masks->Close();
  if (!tsv) throw Error(ErrorCode::kIOError, "cannot write " + (dir / "windows.tsv").string());
}

}  // namespace getps::cli

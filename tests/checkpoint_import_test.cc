// Adopting weights from elsewhere (worker/model/checkpoint_import.h): a
// pretraining checkpoint into an expression model keeps the encoder, drops
// the pretraining heads and initialises head_exp, naming both; Lightning's
// "model." prefix is stripped; --init-drop leaves keys out; anything else
// missing, mis-shaped or unexpected is an error naming the key and shapes;
// a file neither LibTorch nor PyTorch reads as a state dict is refused.
#include "worker/model/checkpoint_import.h"

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <cstdint>

#include <fstream>

#include "common/error.h"
#include "tests/test_store.h"
#include "worker/model/state_dict.h"

namespace getps {
namespace {

std::unique_ptr<RegionModel> Tiny(RegionTask task, std::uint64_t seed) {
  GetModelConfig c = GetModelConfig::Small(7);
  c.dim = 16;
  c.depth = 2;
  c.heads = 2;
  c.task = task;
  torch::manual_seed(seed);
  return MakeRegionModel(ModelKind::kGet, c);
}

std::string ErrorOf(RegionModel& model, std::map<std::string, torch::Tensor> weights,
                    const std::string& drop = "") {
  try {
    AdoptWeights(model, std::move(weights), {drop, "ckpt.pt"});
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    return e.what();
  }
  return "";
}

TEST(CheckpointImport, APretrainingCheckpointBecomesAnExpressionModel) {
  auto pretrained = Tiny(RegionTask::kPretrain, 1);
  auto model = Tiny(RegionTask::kExpression, 2);
  const torch::Tensor head = StateDict(model->module()).at("head_exp.head.weight").clone();
  AdoptWeights(*model, StateDict(pretrained->module()), {"", "ckpt.pt"});
  const auto got = StateDict(model->module()), from = StateDict(pretrained->module());
  EXPECT_TRUE(torch::equal(got.at("encoder.blocks.1.mlp.fc2.weight"),
                           from.at("encoder.blocks.1.mlp.fc2.weight")));
  EXPECT_TRUE(torch::equal(got.at("head_exp.head.weight"), head));  // its own initialisation
  EXPECT_FALSE(got.count("mask_token"));
  // Lightning's prefix, and a key left out by --init-drop (then initialised
  // only if it is a head: region_embed is not).
  std::map<std::string, torch::Tensor> lightning;
  for (const auto& [k, v] : from) lightning["model." + k] = v;
  auto again = Tiny(RegionTask::kExpression, 3);
  AdoptWeights(*again, lightning, {"^head_mask", "lightning.ckpt"});
  EXPECT_TRUE(torch::equal(StateDict(again->module()).at("cls_token"), from.at("cls_token")));
  EXPECT_NE(ErrorOf(*again, lightning, "region_embed").find("missing region_embed.embed."),
            std::string::npos);
}

TEST(CheckpointImport, AnythingElseMissingMisShapedOrUnexpectedIsNamed) {
  auto model = Tiny(RegionTask::kExpression, 1);
  auto weights = StateDict(model->module());
  auto missing = weights;
  missing.erase("encoder.norm.bias");
  EXPECT_NE(ErrorOf(*model, missing)
                .find("ckpt.pt: missing encoder.norm.bias (the model expects "
                      "[16])"),
            std::string::npos);
  auto shaped = weights;
  shaped["encoder.blocks.0.attn.qkv.weight"] = torch::zeros({3, 3});
  const std::string what = ErrorOf(*model, shaped);
  EXPECT_NE(
      what.find("encoder.blocks.0.attn.qkv.weight has shape [3, 3], the model expects [48, 16]"),
      std::string::npos)
      << what;
  auto extra = weights;
  extra["loss.weight"] = torch::zeros({1});
  EXPECT_NE(ErrorOf(*model, extra).find("unexpected loss.weight"), std::string::npos);
  EXPECT_EQ(ErrorOf(*model, extra, "^loss\\."), "");
  // A head shaped for another task (atac's one output) is initialised.
  auto atac = Tiny(RegionTask::kAccessibility, 4);
  EXPECT_EQ(ErrorOf(*model, StateDict(atac->module())), "");
  // Strict for a checkpoint's own model: its head must be there.
  auto headless = weights;
  headless.erase("head_exp.head.bias");
  try {
    AdoptWeights(*model, headless, {"", "model.pt", /*new_heads=*/false});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing head_exp.head.bias"), std::string::npos);
  }
}

TEST(CheckpointImport, APlainStateDictIsReadAndJunkIsRefused) {
  testing_util::TempDir dir("import");
  auto model = Tiny(RegionTask::kExpression, 1);
  SaveStateDict(model->module(), dir.Sub("model.pt"));
  EXPECT_EQ(ImportStateDict(dir.Sub("model.pt")).size(), StateDict(model->module()).size());
  std::ofstream(dir.Sub("junk.pt")) << "not a checkpoint";
  try {
    ImportStateDict(dir.Sub("junk.pt"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kCorruption);
    EXPECT_NE(std::string(e.what()).find("junk.pt is not a readable PyTorch state dict"),
              std::string::npos)
        << e.what();
  }
  try {
    ImportStateDict(dir.Sub("missing.pt"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  }
}

}  // namespace
}  // namespace getps

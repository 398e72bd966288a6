// The checkpoint contract: a model's state dict holds exactly the keys and
// shapes of the reference's class for its task (GET-Foundation/get_model,
// get_model/model/model.py), written here as data from reading it:
//   GETRegionPretrain      164 keys at depth 12
//   GETRegionFinetune      163 keys
//   GETRegionFinetuneATAC  163 keys (head_exp.head with 1 output)
//   MLPRegionFinetune        6 keys
// for the paper configuration (D 768, 12 blocks, 283 features) and the
// small one getps trains on CPU (D 128, 4 blocks).
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <cstdint>

#include <map>
#include <string>
#include <vector>

#include "worker/model/region_model.h"
#include "worker/model/state_dict.h"

namespace getps {
namespace {

using Shapes = std::map<std::string, std::vector<std::int64_t>>;

// The reference's keys, in terms of the feature count F, width D, depth L
// and the task.
Shapes ReferenceKeys(RegionTask task, std::int64_t f, std::int64_t d, std::int64_t l) {
  Shapes keys = {{"cls_token", {1, 1, d}},
                 {"region_embed.embed.weight", {d, f}},
                 {"region_embed.embed.bias", {d}},
                 {"encoder.norm.weight", {d}},
                 {"encoder.norm.bias", {d}}};
  const Shapes block = {
      {"norm1.weight", {d}},          {"norm1.bias", {d}},       {"attn.qkv.weight", {3 * d, d}},
      {"attn.q_bias", {d}},           {"attn.v_bias", {d}},      {"attn.proj.weight", {d, d}},
      {"attn.proj.bias", {d}},        {"norm2.weight", {d}},     {"norm2.bias", {d}},
      {"mlp.fc1.weight", {4 * d, d}}, {"mlp.fc1.bias", {4 * d}}, {"mlp.fc2.weight", {d, 4 * d}},
      {"mlp.fc2.bias", {d}}};
  for (std::int64_t i = 0; i < l; ++i)
    for (const auto& [name, shape] : block)
      keys["encoder.blocks." + std::to_string(i) + "." + name] = shape;
  switch (task) {
    case RegionTask::kPretrain:
      keys["mask_token"] = {1, 1, d};
      keys["head_mask.weight"] = {f, d};
      keys["head_mask.bias"] = {f};
      break;
    case RegionTask::kExpression:
      keys["head_exp.head.weight"] = {2, d};
      keys["head_exp.head.bias"] = {2};
      break;
    case RegionTask::kAccessibility:
      keys["head_exp.head.weight"] = {1, d};
      keys["head_exp.head.bias"] = {1};
      break;
  }
  return keys;
}

Shapes KeysOf(RegionModel& model) {
  Shapes out;
  for (const auto& [name, t] : StateDict(model.module())) out[name] = t.sizes().vec();
  return out;
}

TEST(ReferenceKeys, EveryTaskAndSizeHasExactlyTheReferenceClassesKeys) {
  for (const auto size : {ModelSize::kSmall, ModelSize::kPaper}) {
    for (const auto task :
         {RegionTask::kPretrain, RegionTask::kExpression, RegionTask::kAccessibility}) {
      auto config = GetModelConfig::Of(size, 283);
      config.task = task;
      auto model = MakeRegionModel(ModelKind::kGet, config);
      const Shapes want = ReferenceKeys(task, 283, config.dim, config.depth);
      EXPECT_EQ(KeysOf(*model), want) << kModelSizes.Name(size) << " " << kRegionTasks.Name(task);
      if (size == ModelSize::kPaper) {
        EXPECT_EQ(want.size(), task == RegionTask::kPretrain ? 164u : 163u);
      }
    }
  }
}

TEST(ReferenceKeys, TheMlpIsMLPRegionFinetune) {
  auto config = GetModelConfig::Of(ModelSize::kSmall, 283);
  auto mlp = MakeRegionModel(ModelKind::kMlp, config);
  EXPECT_EQ(KeysOf(*mlp), (Shapes{{"linear1.weight", {512, 283}},
                                  {"linear1.bias", {512}},
                                  {"linear2.weight", {256, 512}},
                                  {"linear2.bias", {256}},
                                  {"linear3.weight", {2, 256}},
                                  {"linear3.bias", {2}}}));
  config.task = RegionTask::kPretrain;
  EXPECT_THROW(MakeRegionModel(ModelKind::kMlp, config), std::exception);
}

}  // namespace
}  // namespace getps

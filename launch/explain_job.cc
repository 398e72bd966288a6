#include "launch/explain_job.h"

#include <torch/serialize.h>
#include <torch/torch.h>
#include <cstdint>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/json_difference.h"

namespace getps::cli {
namespace fs = std::filesystem;

nlohmann::json ExplainJobJson(const ExplainJobSpec& s) {
  return {{"checkpoint", s.checkpoint},
          {"checkpoint_digest", s.checkpoint_digest},
          {"store", s.store},
          {"store_fingerprint", s.store_fingerprint},
          {"method", kAttributionMethods.Name(s.method)},
          {"distance_prior", kDistancePriors.Name(s.prior)},
          {"atac", kAtacModes.Name(s.atac)},
          {"shard_genes", s.shard_genes},
          {"tasks", s.tasks},
          {"features", s.features}};
}

ExplainJobSpec ParseExplainJob(const nlohmann::json& j, const std::string& path) {
  try {
    ExplainJobSpec s;
    s.checkpoint = j.at("checkpoint").get<std::string>();
    s.checkpoint_digest = j.at("checkpoint_digest").get<std::string>();
    s.store = j.at("store").get<std::string>();
    s.store_fingerprint = j.at("store_fingerprint").get<std::string>();
    s.method = kAttributionMethods.Parse(path + ": method", j.at("method").get<std::string>());
    s.prior =
        kDistancePriors.Parse(path + ": distance_prior", j.at("distance_prior").get<std::string>());
    s.atac = kAtacModes.Parse(path + ": atac", j.at("atac").get<std::string>());
    s.shard_genes = j.at("shard_genes").get<std::size_t>();
    s.tasks = j.at("tasks").get<std::size_t>();
    s.features = j.at("features").get<std::size_t>();
    if (s.shard_genes == 0) throw Error(ErrorCode::kCorruption, path + ": shard_genes is 0");
    return s;
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::kCorruption, path + ": not an explain job: " + e.what());
  }
}

std::string TaskTable(const std::vector<GeneTask>& tasks, const std::vector<std::string>& celltypes,
                      const StoreReader& store, const float* outputs) {
  std::ostringstream out;
  out << "index\tgene\tcelltype\tchrom\ttss\tstrand\tregion" << (outputs ? "\toutput" : "") << "\n";
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    const auto& g = tasks[i].gene;
    out << i << "\t" << g.name << "\t" << celltypes[static_cast<std::size_t>(tasks[i].celltype)]
        << "\t" << g.chrom << "\t" << g.tss + 1 << "\t" << g.strand << "\t"
        << store.regions().Describe(static_cast<std::uint32_t>(g.region_id));
    if (outputs) out << "\t" << outputs[i];
    out << "\n";
  }
  return out.str();
}

namespace {

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

ExplainJob::ExplainJob(fs::path dir, const ExplainJobSpec& spec, const std::vector<GeneTask>& tasks,
                       const std::vector<std::string>& celltypes, const StoreReader& store)
    : dir_(std::move(dir)), spec_(spec) {
  const auto table = TaskTable(tasks, celltypes, store, nullptr);
  const auto manifest = dir_ / "explain.json";
  if (fs::exists(manifest)) {
    nlohmann::json had;
    try {
      had = nlohmann::json::parse(ReadText(manifest));
    } catch (const nlohmann::json::exception& e) {
      throw Error(ErrorCode::kCorruption, manifest.string() + ": " + e.what());
    }
    // The paths may differ: the same files reached another way.
    if (const auto d = FirstDifference(ExplainJobJson(spec), had, {"checkpoint", "store"}))
      throw Error(ErrorCode::kInvalidArgument, dir_.string() +
                                                   " holds another explain job: " + d->key + " (" +
                                                   Shown(d->theirs) + " there, " + Shown(d->mine) +
                                                   " now); use --overwrite or another --out");
    if (ReadText(dir_ / "genes.tsv") != table)
      throw Error(ErrorCode::kInvalidArgument,
                  dir_.string() +
                      "/genes.tsv lists other genes or cell types than asked for now; use "
                      "--overwrite or another --out");
    return;
  }
  if (fs::exists(dir_) && !fs::is_empty(dir_))
    throw Error(ErrorCode::kInvalidArgument, dir_.string() +
                                                 " exists and is not an explain folder; use "
                                                 "--overwrite or another --out");
  fs::create_directories(dir_ / "shards");
  WriteFileAtomically(dir_ / "genes.tsv", table);
  // Last: a folder with explain.json has its task list.
  WriteFileAtomically(manifest, ExplainJobJson(spec).dump(1) + "\n");
}

std::size_t ExplainJob::shards() const {
  return (spec_.tasks + spec_.shard_genes - 1) / spec_.shard_genes;
}

std::size_t ExplainJob::ShardCount(std::size_t k) const {
  return std::min(spec_.shard_genes, spec_.tasks - ShardFirst(k));
}

fs::path ExplainJob::ShardPath(std::size_t k) const {
  char name[32];
  std::snprintf(name, sizeof name, "%06zu.pt", k);
  return dir_ / "shards" / name;
}

bool ExplainJob::HasShard(std::size_t k) const {
  if (!fs::exists(ShardPath(k))) return false;
  try {
    ReadShard(k);
    return true;
  } catch (const Error&) {
    return false;  // a damaged shard is explained again
  }
}

void ExplainJob::ExpectShape(std::size_t k, const GeneExplanations& e,
                             const std::string& what) const {
  const auto n = static_cast<std::int64_t>(ShardCount(k));
  const auto f = static_cast<std::int64_t>(spec_.features);
  const auto r = static_cast<std::int64_t>(kRegionsPerWindow);
  const auto shaped = [](const torch::Tensor& t, torch::IntArrayRef want) {
    return t.defined() && t.sizes() == want;
  };
  if (!shaped(e.output, {n}) || !shaped(e.motif, {n, f}) || !shaped(e.region_norm, {n, r}) ||
      !shaped(e.score, {n, r}) || !shaped(e.region_ids, {n, r}))
    throw Error(ErrorCode::kCorruption,
                what + ": expected the arrays of " + std::to_string(n) + " genes");
}

void ExplainJob::RecordShard(std::size_t k, const std::string& who) const {
  const nlohmann::json line{
      {"shard", k}, {"first", ShardFirst(k)}, {"count", ShardCount(k)}, {"by", who}};
  const auto path = dir_ / "shards.jsonl";
  AppendWhole(path, line.dump() + "\n", AppendSync::kFsync);
}

void ExplainJob::WriteShard(std::size_t k, const GeneExplanations& e) const {
  const auto path = ShardPath(k);
  ExpectShape(k, e, "shard " + std::to_string(k));
  const auto partial = fs::path(path.string() + ".partial");
  const auto arrays = e.Arrays();
  std::vector<torch::Tensor> tensors(arrays.begin(), arrays.end());
  try {
    torch::save(tensors, partial.string());
  } catch (const c10::Error& err) {
    throw Error(ErrorCode::kIOError, "cannot write " + partial.string() + ": " + err.what());
  }
  FsyncPath(partial);
  fs::rename(partial, path);
  FsyncPath(path.parent_path());
}

GeneExplanations ExplainJob::ReadShard(std::size_t k) const {
  const auto path = ShardPath(k);
  std::vector<torch::Tensor> t;
  try {
    torch::load(t, path.string());
  } catch (const c10::Error& err) {
    throw Error(ErrorCode::kCorruption, path.string() + ": unreadable shard: " + err.what());
  }
  if (t.size() != GeneExplanations::kArrays)
    throw Error(ErrorCode::kCorruption, path.string() + ": expected " +
                                            std::to_string(GeneExplanations::kArrays) +
                                            " arrays, found " + std::to_string(t.size()));
  std::array<torch::Tensor, GeneExplanations::kArrays> arrays;
  std::copy(t.begin(), t.end(), arrays.begin());
  const GeneExplanations e = GeneExplanations::FromArrays(arrays);
  ExpectShape(k, e, path.string());
  return e;
}

}  // namespace getps::cli

// ExplainJob: the folder of one `getps explain` run and how it resumes.
//
//   DIR/explain.json        the job (explain_json below); written first
//   DIR/genes.tsv           the task list, one row per (gene, cell type), in
//                           the order of every array: index, gene, celltype,
//                           chrom, tss (1-based), strand, region
//   DIR/shards/NNNNNN.pt    the explanations of tasks [N*S, (N+1)*S), S the
//                           job's shard_genes; written whole or not at all
//   DIR/shards.jsonl        a line per shard written: who computed it
//   DIR/...                 the merged outputs (explain_outputs.h)
//
// A run finds the shards already in DIR and explains only the others, so a
// crashed or killed run loses at most the shards in flight; a shard is
// never written twice and each task belongs to exactly one shard. A DIR of
// another job (another checkpoint, store, method, task list...) is refused
// unless the caller clears it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "worker/gene_explainer.h"

namespace getps::cli {

struct ExplainJobSpec {
  std::string checkpoint;         // the weights file (model.pt)
  std::string checkpoint_digest;  // its XXH3
  std::string store;              // the store's path
  std::string store_fingerprint;  // StoreReader::fingerprint
  AttributionMethod method = AttributionMethod::kInputXGrad;
  DistancePrior prior = DistancePrior::kNone;
  AtacMode atac = AtacMode::kQuantitative;
  std::size_t shard_genes = 256;
  std::size_t tasks = 0;
  std::size_t features = 0;
};

nlohmann::json ExplainJobJson(const ExplainJobSpec& spec);
ExplainJobSpec ParseExplainJob(const nlohmann::json& json, const std::string& path);

class ExplainJob {
 public:
  // Opens DIR for `spec` with the task list `tasks` and celltype names:
  // creates it, or checks that what it holds is the same job (the same
  // spec but for the paths, the same genes.tsv). Throws
  // Error(kInvalidArgument) naming the first difference otherwise.
  ExplainJob(std::filesystem::path dir, const ExplainJobSpec& spec,
             const std::vector<GeneTask>& tasks, const std::vector<std::string>& celltypes,
             const StoreReader& store);

  std::size_t shards() const;
  // Tasks [first, first + count) of shard k.
  std::size_t ShardFirst(std::size_t k) const { return k * spec_.shard_genes; }
  std::size_t ShardCount(std::size_t k) const;
  // Whether shard k's file is there and reads back whole.
  bool HasShard(std::size_t k) const;
  // Throws Error(kCorruption) when `e` is not of shard k's shape.
  void WriteShard(std::size_t k, const GeneExplanations& e) const;
  // Appends {shard, first, count, by: `who`} to DIR/shards.jsonl: who
  // computed which shard (the audit; each shard is written once).
  void RecordShard(std::size_t k, const std::string& who) const;
  // Throws Error(kCorruption) naming the file when it is unreadable or of
  // the wrong shape.
  GeneExplanations ReadShard(std::size_t k) const;

  const std::filesystem::path& dir() const { return dir_; }
  const ExplainJobSpec& spec() const { return spec_; }

 private:
  std::filesystem::path ShardPath(std::size_t k) const;
  // Throws Error(kCorruption) naming `what` unless `e` has shard k's shape.
  void ExpectShape(std::size_t k, const GeneExplanations& e, const std::string& what) const;

  std::filesystem::path dir_;
  ExplainJobSpec spec_;
};

// genes.tsv's text for `tasks`; with `outputs` (one per task) a last
// column "output" holds them (the merged gene_by_motif.rows.tsv).
std::string TaskTable(const std::vector<GeneTask>& tasks, const std::vector<std::string>& celltypes,
                      const StoreReader& store, const float* outputs);

}  // namespace getps::cli

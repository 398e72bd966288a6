#include "storage/store_writer.h"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>
#include <cstdint>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>

#include "common/error.h"
#include "common/fp16.h"
#include "common/progress.h"
#include "storage/blob.h"
#include "storage/rocksdb_env.h"
#include "storage/store_schema.h"
#include "storage/store_staging.h"

namespace getps {

using storage_internal::ThrowIfError;

namespace {

constexpr std::size_t kWriteBatchBytes = 4 << 20;

// Order-independent content digest: the sum of FNV-1a hashes of each record.
std::uint64_t HashRecord(std::string_view key, std::string_view value) {
  std::uint64_t h = 1469598103934665603ULL;
  for (char c : key) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  h = (h ^ 0xff) * 1099511628211ULL;
  for (char c : value) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return h;
}

// Counts and logCPM finite and >= 0, expression finite (what `store
// verify` checks of a finished store, refused here before it is written).
void CheckColumnValues(const std::string& celltype, const CellTypeColumns& columns) {
  auto check = [&](std::span<const float> values, bool non_negative, const char* name,
                   std::size_t per_region) {
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (std::isfinite(values[i]) && (!non_negative || values[i] >= 0)) continue;
      throw Error(ErrorCode::kInvalidArgument,
                  "cell type '" + celltype + "': " + name + " of region id " +
                      std::to_string(i / per_region) + " is " + std::to_string(values[i]) +
                      " (expected finite" + (non_negative ? ", >= 0)" : ")"));
    }
  };
  check(columns.counts, true, "count", 1);
  check(columns.logcpm, true, "logCPM", 1);
  check(columns.expression, false, "expression value", 2);
}

}  // namespace

struct StoreWriter::State {
  std::string path;
  StoreMetadata metadata;
  RegionIndex regions;
  StoreWriterOptions options;
  std::unique_ptr<StagingRegistry> staging;  // before db: the database closes first
  storage_internal::DatabaseHandles db;
  rocksdb::WriteOptions write_options;
  rocksdb::WriteBatch batch;
  std::vector<bool> has_motifs;
  std::uint32_t motif_rows = 0;
  std::vector<CellTypeInfo> celltypes;
  std::vector<std::vector<bool>> accessible;  // per cell type, per region id
  std::set<std::string> genes;
  std::uint64_t digest = 0;
  bool finished = false;

  rocksdb::ColumnFamilyHandle* family(schema::ColumnFamily f) {
    return db.families[static_cast<std::size_t>(f)];
  }

  void Put(schema::ColumnFamily f, const std::string& key, const std::string& value) {
    ThrowIfError(batch.Put(family(f), key, value), "store " + path + ": batch put");
    if (f != schema::ColumnFamily::kDefault) digest += HashRecord(key, value);
    if (batch.GetDataSize() >= kWriteBatchBytes) Commit();
  }
  void Commit() {
    if (batch.Count() == 0) return;
    ThrowIfError(db.db->Write(write_options, &batch), "store " + path + ": write");
    batch.Clear();
  }
};

StoreWriter::StoreWriter(std::unique_ptr<State> state) : s_(std::move(state)) {}

StoreWriter::~StoreWriter() = default;

std::unique_ptr<StoreWriter> StoreWriter::Create(const std::string& path, StoreMetadata metadata,
                                                 RegionIndex regions,
                                                 const StoreWriterOptions& options) {
  if (metadata.feature_names.empty()) {
    throw Error(ErrorCode::kInvalidArgument, "store " + path + ": metadata has no feature names");
  }
  if (regions.chromosomes().size() >= schema::kStatsChromosome) {
    throw Error(ErrorCode::kInvalidArgument, "store " + path + ": too many chromosomes");
  }
  PrepareStaging(path, options.overwrite);

  auto state = std::make_unique<State>();
  state->path = path;
  metadata.format_version = schema::kFormatVersion;
  state->metadata = std::move(metadata);
  state->regions = std::move(regions);
  state->options = options;
  // Durability comes from the final flush in Finish(); a store that never
  // reaches it stays marked "writing", so the write-ahead log buys nothing.
  state->write_options.disableWAL = true;
  state->has_motifs.assign(state->regions.size(), false);

  rocksdb::DBOptions db_options = storage_internal::DatabaseOptions();
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.error_if_exists = true;
  rocksdb::DB* raw = nullptr;
  const std::string staging = StagingPath(path);
  state->staging = std::make_unique<StagingRegistry>(staging);
  ThrowIfError(rocksdb::DB::Open(db_options, staging, storage_internal::ColumnFamilies(64 << 20),
                                 &state->db.families, &raw),
               "cannot create store " + path + " (at " + staging + ")");
  state->db.db.reset(raw);

  // The "writing" mark goes to disk before any data, so a writer killed at
  // any later point leaves a store that readers refuse.
  rocksdb::WriteBatch mark;
  ThrowIfError(mark.Put(state->family(schema::ColumnFamily::kDefault), schema::kStateKey,
                        schema::kStateWriting),
               "store " + path);
  ThrowIfError(mark.Put(state->family(schema::ColumnFamily::kDefault), schema::kFormatVersionKey,
                        std::to_string(schema::kFormatVersion)),
               "store " + path);
  rocksdb::WriteOptions durable;
  durable.sync = true;
  ThrowIfError(state->db.db->Write(durable, &mark),
               "store " + path + ": marking it as being written");
  return std::unique_ptr<StoreWriter>(new StoreWriter(std::move(state)));
}

const RegionIndex& StoreWriter::regions() const { return s_->regions; }
const StoreMetadata& StoreWriter::metadata() const { return s_->metadata; }

void StoreWriter::PutMotifScores(std::uint32_t region_id, std::span<const float> scores) {
  const std::size_t n = s_->metadata.num_motifs();
  if (region_id >= s_->regions.size()) {
    throw Error(ErrorCode::kOutOfRange, "motif scores for region id " + std::to_string(region_id) +
                                            ": the store has " +
                                            std::to_string(s_->regions.size()) + " regions");
  }
  if (scores.size() != n) {
    throw Error(ErrorCode::kInvalidArgument,
                "motif scores for region " + s_->regions.Describe(region_id) + ": got " +
                    std::to_string(scores.size()) + " values, expected " + std::to_string(n));
  }
  const bool half = s_->metadata.motif_dtype == MotifDtype::kFloat16;
  BlobWriter w;
  for (std::size_t j = 0; j < n; ++j) {
    float v = scores[j];
    if (!std::isfinite(v) || v < 0 || (half && v > 65504.0f)) {
      throw Error(ErrorCode::kInvalidArgument,
                  "motif score of region " + s_->regions.Describe(region_id) + ", feature '" +
                      s_->metadata.feature_names[j] + "' is " + std::to_string(v) +
                      (half ? " (expected finite, 0..65504 for a float16 store)"
                            : " (expected finite and >= 0)"));
    }
    if (half) {
      w.Put(FloatToHalf(v));
    } else {
      w.Put(v);
    }
  }
  if (!s_->has_motifs[region_id]) {
    s_->has_motifs[region_id] = true;
    ++s_->motif_rows;
  }
  s_->Put(schema::ColumnFamily::kMotifs, schema::MotifKey(region_id), w.Release());
}

void StoreWriter::AddCellType(const CellTypeInfo& info, const CellTypeColumns& columns) {
  const std::size_t n = s_->regions.size();
  for (const auto& c : s_->celltypes) {
    if (c.name == info.name) {
      throw Error(ErrorCode::kInvalidArgument, "cell type '" + info.name + "' added twice");
    }
  }
  if (info.name.empty()) throw Error(ErrorCode::kInvalidArgument, "cell type with an empty name");
  if (columns.counts.size() != n || columns.logcpm.size() != n ||
      columns.expression.size() != 2 * n || columns.tss.size() != 2 * n) {
    throw Error(ErrorCode::kInvalidArgument, "cell type '" + info.name +
                                                 "': columns must hold one value per region (" +
                                                 std::to_string(n) + "; expression and tss two)");
  }
  if (s_->celltypes.size() >= schema::kStatsChromosome) {
    throw Error(ErrorCode::kInvalidArgument, "too many cell types");
  }
  CheckColumnValues(info.name, columns);
  const auto ct = static_cast<std::uint16_t>(s_->celltypes.size());
  const StoreMetadata& m = s_->metadata;
  std::vector<bool> accessible(n, false);
  for (std::size_t c = 0; c < s_->regions.chromosomes().size(); ++c) {
    const ChromosomeRange& chrom = s_->regions.chromosomes()[c];
    AccessibleRegions a;
    for (std::uint32_t id = chrom.first_id; id < chrom.first_id + chrom.count; ++id) {
      const bool open = m.logcpm_cutoff >= 0 ? columns.logcpm[id] >= m.logcpm_cutoff
                                             : columns.counts[id] > m.min_count;
      if (!open) continue;
      accessible[id] = true;
      a.ids.push_back(id);
      a.counts.push_back(columns.counts[id]);
      a.logcpm.push_back(columns.logcpm[id]);
      a.expression.insert(a.expression.end(),
                          {columns.expression[2 * id], columns.expression[2 * id + 1]});
      a.tss.insert(a.tss.end(), {columns.tss[2 * id], columns.tss[2 * id + 1]});
    }
    s_->Put(schema::ColumnFamily::kCellTypes,
            schema::CellTypeChromosomeKey(ct, static_cast<std::uint16_t>(c)), EncodeAccessible(a));
  }
  s_->celltypes.push_back(info);
  s_->accessible.push_back(std::move(accessible));
}

void StoreWriter::AddGene(GeneRecord gene) {
  if (!s_->genes.insert(gene.name).second) {
    throw Error(ErrorCode::kInvalidArgument, "gene '" + gene.name + "' added twice");
  }
  gene.region_id = -1;
  int chrom = s_->regions.FindChromosome(gene.chrom);
  if (chrom >= 0) {
    auto [first, last] = s_->regions.Overlapping(chrom, gene.tss, gene.tss + 1);
    if (first < last) gene.region_id = first;
  }
  s_->Put(schema::ColumnFamily::kDefault, schema::GeneKey(gene.name), EncodeGene(gene));
}

namespace {

// Per cell type, per motif: the maximum over its accessible regions, in one
// scan of the motif family.
std::vector<float> MotifMaxima(StoreWriter::State& s) {
  const std::size_t m = s.metadata.num_motifs();
  const std::size_t cts = s.celltypes.size();
  std::vector<float> maxima(cts * m, 0.0f);
  std::vector<float> row(m);
  std::vector<std::uint16_t> half_row(m);
  ProgressMeter meter("normalisation statistics", static_cast<std::int64_t>(s.regions.size()),
                      "regions", s.options.progress);
  std::unique_ptr<rocksdb::Iterator> it(
      s.db.db->NewIterator(rocksdb::ReadOptions(), s.family(schema::ColumnFamily::kMotifs)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::uint32_t id = schema::DecodeBigEndian32(it->key().ToStringView());
    // RocksDB values carry no alignment guarantee: copy before converting.
    auto bytes = it->value();
    if (s.metadata.motif_dtype == MotifDtype::kFloat16) {
      std::memcpy(half_row.data(), bytes.data(), m * sizeof(std::uint16_t));
      HalfToFloatN(half_row.data(), row.data(), m);
    } else {
      std::memcpy(row.data(), bytes.data(), m * sizeof(float));
    }
    for (std::size_t ct = 0; ct < cts; ++ct) {
      if (!s.accessible[ct][id]) continue;
      float* mx = &maxima[ct * m];
      for (std::size_t j = 0; j < m; ++j) mx[j] = std::max(mx[j], row[j]);
    }
    meter.Advance(1);
  }
  ThrowIfError(it->status(), "store " + s.path + ": motif scan");
  meter.Finish();
  return maxima;
}

// The region tables, metadata, cell-type and chromosome tables, and the
// fingerprint over everything written.
void WriteTables(StoreWriter::State& s) {
  using schema::ColumnFamily;
  for (std::size_t c = 0; c < s.regions.chromosomes().size(); ++c) {
    const ChromosomeRange& chrom = s.regions.chromosomes()[c];
    BlobWriter w;
    for (std::uint32_t id = chrom.first_id; id < chrom.first_id + chrom.count; ++id)
      w.Put(s.regions.start(id));
    for (std::uint32_t id = chrom.first_id; id < chrom.first_id + chrom.count; ++id)
      w.Put(s.regions.end(id));
    s.Put(ColumnFamily::kDefault, schema::RegionTableKey(static_cast<std::uint16_t>(c)),
          w.Release());
  }
  const std::string meta_json = EncodeMetadata(s.metadata);
  const std::string ct_json = EncodeCellTypes(s.celltypes);
  const std::string chrom_json = EncodeChromosomes(s.regions.chromosomes());
  s.Put(ColumnFamily::kDefault, schema::kMetadataKey, meta_json);
  s.Put(ColumnFamily::kDefault, schema::kCellTypesKey, ct_json);
  s.Put(ColumnFamily::kDefault, schema::kChromosomesKey, chrom_json);
  std::uint64_t fp = s.digest + HashRecord(meta_json, ct_json) + HashRecord(chrom_json, "");
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fp));
  s.Put(ColumnFamily::kDefault, schema::kFingerprintKey, hex);
  s.Commit();
}

// Flush and compact everything to the bottom level before declaring the
// store complete: readers then see a fully checksummed, compact layout.
void Seal(StoreWriter::State& s) {
  rocksdb::FlushOptions flush;
  flush.wait = true;
  ThrowIfError(s.db.db->Flush(flush, s.db.families), "store " + s.path + ": flush");
  rocksdb::CompactRangeOptions compact;
  compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  for (auto* h : s.db.families) {
    ThrowIfError(s.db.db->CompactRange(compact, h, nullptr, nullptr),
                 "store " + s.path + ": compaction");
  }
  rocksdb::WriteOptions durable;
  durable.sync = true;
  auto* metadata = s.family(schema::ColumnFamily::kDefault);
  ThrowIfError(s.db.db->Put(durable, metadata, schema::kStateKey, schema::kStateComplete),
               "store " + s.path + ": marking complete");
  ThrowIfError(s.db.db->Flush(flush, metadata), "store " + s.path + ": final flush");
  ThrowIfError(s.db.db->SyncWAL(), "store " + s.path + ": sync");
}

}  // namespace

void StoreWriter::Finish() {
  if (s_->finished) throw Error(ErrorCode::kInternal, "StoreWriter::Finish called twice");
  State& s = *s_;
  const std::size_t n = s.regions.size();
  if (s.motif_rows != n) {
    auto it = std::find(s.has_motifs.begin(), s.has_motifs.end(), false);
    throw Error(ErrorCode::kInvalidArgument,
                "store " + s.path + ": region " +
                    s.regions.Describe(static_cast<std::uint32_t>(it - s.has_motifs.begin())) +
                    " has no motif scores (" + std::to_string(n - s.motif_rows) +
                    " regions lack them)");
  }
  s.Commit();
  const std::vector<float> maxima = MotifMaxima(s);
  const std::size_t m = s.metadata.num_motifs();
  for (std::size_t ct = 0; ct < s.celltypes.size(); ++ct) {
    BlobWriter w;
    w.PutArray(&maxima[ct * m], m);
    s.Put(schema::ColumnFamily::kCellTypes,
          schema::CellTypeStatsKey(static_cast<std::uint16_t>(ct)), w.Release());
  }
  WriteTables(s);
  Seal(s);
  s.db.Close();
  PublishStaging(s.path, s.options.overwrite);
  s.staging.reset();
  s.finished = true;
}

}  // namespace getps

#include "storage/store_reader.h"

#include <rocksdb/db.h>
#include <cstdint>

#include <cstring>
#include <filesystem>

#include "common/error.h"
#include "common/fp16.h"
#include "common/progress.h"
#include "storage/blob.h"
#include "storage/rocksdb_env.h"
#include "storage/store_schema.h"
#include "storage/store_staging.h"
#include "storage/store_values.h"

namespace getps {

using storage_internal::ThrowIfError;

struct StoreReader::State {
  std::string path;
  storage_internal::DatabaseHandles db;
  StoreMetadata metadata;
  RegionIndex regions;
  std::vector<CellTypeInfo> celltypes;
  std::string fingerprint;
  std::vector<std::vector<float>> motif_max;    // per cell type
  std::vector<std::vector<float>> motif_scale;  // per cell type

  // Lazily loaded tables. A slot is published (release) only after its
  // object is fully built; `load_mu` serialises the builders.
  std::mutex load_mu;
  std::vector<std::unique_ptr<MotifRows>> motif_rows;  // per chromosome
  std::unique_ptr<std::atomic<const MotifRows*>[]> motif_slots;
  std::vector<std::unique_ptr<AccessibleRegions>> accessible;  // [ct * chroms + chrom]
  std::unique_ptr<std::atomic<const AccessibleRegions*>[]> accessible_slots;

  rocksdb::ColumnFamilyHandle* family(schema::ColumnFamily f) const {
    return db.families[static_cast<std::size_t>(f)];
  }

  // Value of `key` in family `f`, or nullopt if absent.
  std::optional<std::string> Get(schema::ColumnFamily f, const std::string& key,
                                 const std::string& what) const {
    std::string value;
    rocksdb::Status st = db.db->Get(rocksdb::ReadOptions(), family(f), key, &value);
    if (st.IsNotFound()) return std::nullopt;
    ThrowIfError(st, "store " + path + ": reading " + what);
    return value;
  }
  std::string MustGet(schema::ColumnFamily f, const std::string& key,
                      const std::string& what) const {
    auto v = Get(f, key, what);
    if (!v) throw Error(ErrorCode::kCorruption, "store " + path + ": " + what + " is missing");
    return *v;
  }
  // The format version is this getps's and the writer finished.
  void CheckComplete() const {
    auto version = Get(schema::ColumnFamily::kDefault, schema::kFormatVersionKey, "format version");
    if (!version)
      throw Error(ErrorCode::kCorruption,
                  "store " + path + " has no format version: not a getps store?");
    if (*version != std::to_string(schema::kFormatVersion)) {
      throw Error(ErrorCode::kFormatMismatch, "store " + path + " has format version " + *version +
                                                  "; this getps reads version " +
                                                  std::to_string(schema::kFormatVersion) +
                                                  " (rebuild the store with this version)");
    }
    std::string state = MustGet(schema::ColumnFamily::kDefault, schema::kStateKey, "state");
    if (state != schema::kStateComplete) {
      throw Error(ErrorCode::kBusy, "store " + path + " is being written (state '" + state +
                                        "'): wait for its writer to finish, or rebuild it if the "
                                        "writer died");
    }
  }

  // Metadata, the cell-type and chromosome tables, and the region table.
  void LoadTables() {
    metadata =
        DecodeMetadata(MustGet(schema::ColumnFamily::kDefault, schema::kMetadataKey, "metadata"));
    celltypes = DecodeCellTypes(
        MustGet(schema::ColumnFamily::kDefault, schema::kCellTypesKey, "cell-type table"));
    fingerprint = MustGet(schema::ColumnFamily::kDefault, schema::kFingerprintKey, "fingerprint");
    auto chroms = DecodeChromosomes(
        MustGet(schema::ColumnFamily::kDefault, schema::kChromosomesKey, "chromosome table"));
    std::vector<std::uint32_t> starts, ends;
    for (std::size_t c = 0; c < chroms.size(); ++c) {
      const std::string what = "region table of " + chroms[c].name;
      std::string blob = MustGet(schema::ColumnFamily::kDefault,
                                 schema::RegionTableKey(static_cast<std::uint16_t>(c)), what);
      BlobReader r(blob, what);
      std::vector<std::uint32_t> cs, ce;
      r.GetArray(&cs, chroms[c].count);
      r.GetArray(&ce, chroms[c].count);
      r.ExpectEnd();
      starts.insert(starts.end(), cs.begin(), cs.end());
      ends.insert(ends.end(), ce.begin(), ce.end());
    }
    regions = RegionIndex::FromParts(std::move(chroms), std::move(starts), std::move(ends));
  }

  // Each cell type's per-motif maxima and their reciprocals.
  void LoadStatistics() {
    const std::size_t m = metadata.num_motifs();
    for (std::size_t ct = 0; ct < celltypes.size(); ++ct) {
      const std::string what = "normalisation statistics of " + celltypes[ct].name;
      std::string blob = MustGet(schema::ColumnFamily::kCellTypes,
                                 schema::CellTypeStatsKey(static_cast<std::uint16_t>(ct)), what);
      BlobReader r(blob, what);
      std::vector<float> mx;
      r.GetArray(&mx, m);
      r.ExpectEnd();
      std::vector<float> scale(m);
      for (std::size_t j = 0; j < m; ++j) scale[j] = mx[j] > 0 ? 1.0f / mx[j] : 0.0f;
      motif_max.push_back(std::move(mx));
      motif_scale.push_back(std::move(scale));
    }
  }

  std::string ChromName(int chrom) const {
    return regions.chromosomes()[static_cast<std::size_t>(chrom)].name;
  }
};

StoreReader::StoreReader(std::unique_ptr<State> state) : s_(std::move(state)) {}
StoreReader::~StoreReader() = default;

std::unique_ptr<StoreReader> StoreReader::Open(const std::string& path,
                                               const StoreReaderOptions& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(path, ec) || !fs::exists(fs::path(path) / "CURRENT", ec)) {
    ThrowIfUnfinished(path);
    throw Error(ErrorCode::kNotFound,
                "no feature store at " + path + " (expected a directory written by getps)");
  }
  auto s = std::make_unique<State>();
  s->path = path;
  rocksdb::DB* raw = nullptr;
  ThrowIfError(
      rocksdb::DB::OpenForReadOnly(storage_internal::DatabaseOptions(), path,
                                   storage_internal::ColumnFamilies(options.block_cache_bytes),
                                   &s->db.families, &raw),
      "cannot open store " + path);
  s->db.db.reset(raw);

  s->CheckComplete();
  s->LoadTables();
  s->LoadStatistics();
  const std::size_t nchrom = s->regions.chromosomes().size();
  s->motif_rows.resize(nchrom);
  s->motif_slots = std::make_unique<std::atomic<const MotifRows*>[]>(nchrom);
  s->accessible.resize(nchrom * s->celltypes.size());
  s->accessible_slots =
      std::make_unique<std::atomic<const AccessibleRegions*>[]>(nchrom * s->celltypes.size());
  return std::unique_ptr<StoreReader>(new StoreReader(std::move(s)));
}

const std::string& StoreReader::path() const { return s_->path; }
const StoreMetadata& StoreReader::metadata() const { return s_->metadata; }
const RegionIndex& StoreReader::regions() const { return s_->regions; }
const std::vector<CellTypeInfo>& StoreReader::celltypes() const { return s_->celltypes; }
const std::string& StoreReader::fingerprint() const { return s_->fingerprint; }

int StoreReader::CellTypeIndex(std::string_view name) const {
  std::string known;
  for (std::size_t i = 0; i < s_->celltypes.size(); ++i) {
    if (s_->celltypes[i].name == name) return static_cast<int>(i);
    if (i < 12) known += (i ? ", " : "") + s_->celltypes[i].name;
  }
  if (s_->celltypes.size() > 12)
    known += ", ... (" + std::to_string(s_->celltypes.size()) + " in all)";
  throw Error(ErrorCode::kNotFound, "store " + s_->path + " has no cell type '" +
                                        std::string(name) + "' (it has: " + known + ")");
}

int StoreReader::ChromosomeIndex(std::string_view name) const {
  int c = s_->regions.FindChromosome(name);
  if (c >= 0) return c;
  std::string known;
  for (std::size_t i = 0; i < s_->regions.chromosomes().size() && i < 30; ++i) {
    known += (i ? ", " : "") + s_->regions.chromosomes()[i].name;
  }
  throw Error(ErrorCode::kNotFound, "store " + s_->path + " has no regions on chromosome '" +
                                        std::string(name) + "' (it has: " + known + ")");
}

const std::vector<float>& StoreReader::MotifMax(int celltype) const {
  return s_->motif_max.at(static_cast<std::size_t>(celltype));
}
const std::vector<float>& StoreReader::MotifScale(int celltype) const {
  return s_->motif_scale.at(static_cast<std::size_t>(celltype));
}

const MotifRows& StoreReader::Motifs(int chrom) const {
  if (chrom < 0 || static_cast<std::size_t>(chrom) >= s_->regions.chromosomes().size())
    throw Error(ErrorCode::kOutOfRange,
                "store " + s_->path + ": chromosome " + std::to_string(chrom) + " out of range (" +
                    std::to_string(s_->regions.chromosomes().size()) + " chromosomes)");
  const MotifRows* rows =
      s_->motif_slots[static_cast<std::size_t>(chrom)].load(std::memory_order_acquire);
  return rows ? *rows : LoadMotifs(chrom);
}

const MotifRows& StoreReader::LoadMotifs(int chrom) const {
  std::lock_guard<std::mutex> lock(s_->load_mu);
  auto& slot = s_->motif_slots[static_cast<std::size_t>(chrom)];
  if (const MotifRows* done = slot.load(std::memory_order_acquire)) return *done;
  const ChromosomeRange& range = s_->regions.chromosomes().at(static_cast<std::size_t>(chrom));
  const std::size_t m = num_motifs();
  const std::size_t row_bytes = m * MotifDtypeBytes(s_->metadata.motif_dtype);
  auto rows = std::make_unique<MotifRows>();
  rows->dtype = s_->metadata.motif_dtype;
  rows->first_id = range.first_id;
  rows->count = range.count;
  char* dst;
  if (rows->dtype == MotifDtype::kFloat16) {
    rows->half.resize(range.count * m);
    dst = reinterpret_cast<char*>(rows->half.data());
  } else {
    rows->full.resize(range.count * m);
    dst = reinterpret_cast<char*>(rows->full.data());
  }
  // One range scan over [first_id, first_id + count).
  const std::string lower = schema::MotifKey(range.first_id);
  const std::string upper = schema::MotifKey(range.first_id + range.count);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper_slice;
  ro.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(
      s_->db.db->NewIterator(ro, s_->family(schema::ColumnFamily::kMotifs)));
  std::uint32_t expected = range.first_id;
  for (it->Seek(lower); it->Valid(); it->Next()) {
    std::uint32_t id = schema::DecodeBigEndian32(it->key().ToStringView());
    if (it->key().size() != 4 || id != expected || it->value().size() != row_bytes) {
      throw Error(ErrorCode::kCorruption, "store " + s_->path + ": motif rows of " + range.name +
                                              " are damaged near region id " +
                                              std::to_string(expected) + " (expected one " +
                                              std::to_string(row_bytes) + "-byte row per region)");
    }
    std::memcpy(dst + static_cast<std::size_t>(id - range.first_id) * row_bytes, it->value().data(),
                row_bytes);
    ++expected;
  }
  ThrowIfError(it->status(), "store " + s_->path + ": reading motif rows of " + range.name);
  if (expected != range.first_id + range.count) {
    throw Error(ErrorCode::kCorruption, "store " + s_->path + ": motif rows of " + range.name +
                                            " stop at region id " + std::to_string(expected) +
                                            ", expected " + std::to_string(range.count) + " rows");
  }
  const MotifRows* published = rows.get();
  s_->motif_rows[static_cast<std::size_t>(chrom)] = std::move(rows);
  slot.store(published, std::memory_order_release);
  return *published;
}

const AccessibleRegions& StoreReader::Accessible(int celltype, int chrom) const {
  if (celltype < 0 || static_cast<std::size_t>(celltype) >= s_->celltypes.size() || chrom < 0 ||
      static_cast<std::size_t>(chrom) >= s_->regions.chromosomes().size()) {
    throw Error(ErrorCode::kOutOfRange, "cell type " + std::to_string(celltype) + " / chromosome " +
                                            std::to_string(chrom) + " out of range");
  }
  const std::size_t k = static_cast<std::size_t>(celltype) * s_->regions.chromosomes().size() +
                        static_cast<std::size_t>(chrom);
  const AccessibleRegions* a = s_->accessible_slots[k].load(std::memory_order_acquire);
  return a ? *a : LoadAccessible(celltype, chrom);
}

const AccessibleRegions& StoreReader::LoadAccessible(int celltype, int chrom) const {
  std::lock_guard<std::mutex> lock(s_->load_mu);
  const std::size_t k = static_cast<std::size_t>(celltype) * s_->regions.chromosomes().size() +
                        static_cast<std::size_t>(chrom);
  if (const AccessibleRegions* done = s_->accessible_slots[k].load(std::memory_order_acquire))
    return *done;
  const std::string what = "accessible regions of " +
                           s_->celltypes[static_cast<std::size_t>(celltype)].name + " on " +
                           s_->ChromName(chrom);
  std::string blob = s_->MustGet(schema::ColumnFamily::kCellTypes,
                                 schema::CellTypeChromosomeKey(static_cast<std::uint16_t>(celltype),
                                                               static_cast<std::uint16_t>(chrom)),
                                 what);
  auto a = std::make_unique<AccessibleRegions>(
      DecodeAccessible(blob, "store " + s_->path + ", " + what));
  const ChromosomeRange& range = s_->regions.chromosomes()[static_cast<std::size_t>(chrom)];
  if (!a->ids.empty() &&
      (a->ids.front() < range.first_id || a->ids.back() >= range.first_id + range.count)) {
    throw Error(ErrorCode::kCorruption,
                "store " + s_->path + ": " + what + " name regions of another chromosome");
  }
  const AccessibleRegions* published = a.get();
  s_->accessible[k] = std::move(a);
  s_->accessible_slots[k].store(published, std::memory_order_release);
  return *published;
}

void StoreReader::ReadMotifScores(std::uint32_t region_id, float* out) const {
  if (region_id >= s_->regions.size()) {
    throw Error(ErrorCode::kOutOfRange, "region id " + std::to_string(region_id) + " out of range");
  }
  const MotifRows& rows = Motifs(s_->regions.ChromosomeOf(region_id));
  const std::size_t m = num_motifs();
  const std::size_t r = (region_id - rows.first_id) * m;
  if (rows.dtype == MotifDtype::kFloat16) {
    HalfToFloatN(rows.half.data() + r, out, m);
  } else {
    std::memcpy(out, rows.full.data() + r, m * sizeof(float));
  }
}

std::optional<GeneRecord> StoreReader::FindGene(std::string_view name) const {
  auto v =
      s_->Get(schema::ColumnFamily::kDefault, schema::GeneKey(name), "gene " + std::string(name));
  if (!v) return std::nullopt;
  return DecodeGene(std::string(name), *v);
}

std::vector<GeneRecord> StoreReader::Genes() const {
  const std::string prefix = schema::kGenePrefix;
  std::string upper = prefix;
  upper.back() = static_cast<char>(upper.back() + 1);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(
      s_->db.db->NewIterator(ro, s_->family(schema::ColumnFamily::kDefault)));
  std::vector<GeneRecord> genes;
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    const std::string name(it->key().ToStringView().substr(prefix.size()));
    genes.push_back(DecodeGene(name, std::string(it->value().ToStringView())));
  }
  if (!it->status().ok())
    throw Error(ErrorCode::kCorruption, "store " + s_->path + ": " + it->status().ToString());
  return genes;
}

std::uint64_t StoreReader::SizeOnDisk() const {
  std::uint64_t total = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::recursive_directory_iterator(s_->path, ec)) {
    if (e.is_regular_file(ec)) total += e.file_size(ec);
  }
  return total;
}

void StoreReader::Verify(bool progress) const {
  ThrowIfError(s_->db.db->VerifyChecksum(), "store " + s_->path + ": checksum verification");
  const std::size_t nchrom = s_->regions.chromosomes().size();
  ProgressMeter meter("verify", static_cast<std::int64_t>(nchrom * (1 + s_->celltypes.size())),
                      "tables", progress);
  // Then every table through the loaders, which check lengths, order and
  // ranges (the tables stay cached afterwards), and every value in it.
  for (std::size_t c = 0; c < nchrom; ++c) {
    (void)Motifs(static_cast<int>(c));
    meter.Advance(1);
    for (std::size_t ct = 0; ct < s_->celltypes.size(); ++ct) {
      (void)Accessible(static_cast<int>(ct), static_cast<int>(c));
      meter.Advance(1);
    }
    CheckStoredValues(*this, static_cast<int>(c));
  }
  meter.Finish();
}

}  // namespace getps

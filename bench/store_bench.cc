// Storage benchmark: builds (or reuses) a synthetic store of C cell types x R
// regions, reports its size on disk, and measures single-thread batch
// assembly (windows/s on one core) against a reference measured in the same
// run on the same windows: raw RocksDB reads of the rows a window needs
// (a MultiGet of its 200 motif rows, bytes only, no decoding). Then the same
// assembly for one person of a genotype store (GenotypeOverlay) who differs
// from the reference at --changed percent of the regions (3 features each),
// against the reference's assembly.
//
//   store_bench [--store DIR] [--celltypes 213] [--regions 150000]
//               [--batch 32] [--seconds 5] [--changed 30]
#include <rocksdb/db.h>
#include <cstdint>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "storage/batch_assembler.h"
#include "storage/genotype_overlay.h"
#include "storage/genotype_store.h"
#include "storage/rocksdb_env.h"
#include "storage/store_reader.h"
#include "storage/store_schema.h"
#include "storage/synthetic_store.h"
#include "storage/window_plan.h"

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

std::string Arg(int argc, char** argv, const char* name, const std::string& fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return argv[i + 1];
  }
  return fallback;
}

// Windows/s of assembling `windows` (+ the overlay, when given) for `seconds`.
double AssemblyRate(const getps::BatchAssembler& assembler, const getps::GenotypeOverlay* overlay,
                    const std::vector<getps::Window>& windows, std::size_t batch_size,
                    double seconds) {
  getps::Batch batch;
  std::size_t done = 0, next = 0;
  auto t0 = Clock::now();
  while (Seconds(t0) < seconds) {
    if (next + batch_size > windows.size()) next = 0;
    assembler.Assemble({windows.data() + next, batch_size}, &batch);
    if (overlay) overlay->Apply(&batch);
    next += batch_size;
    done += batch_size;
  }
  return static_cast<double>(done) / Seconds(t0);
}

// A genotype store over `store` with one person differing at `percent` of
// the regions (every region whose id hashes below it), 3 features each.
std::string WritePerson(const getps::StoreReader& store, const std::string& path, int percent) {
  namespace fs = std::filesystem;
  const std::string out = path + ".genotypes-" + std::to_string(percent);
  if (fs::exists(fs::path(out) / "CURRENT")) return out;
  auto writer = getps::GenotypeWriter::Create(out, false);
  for (std::uint32_t id = 0; id < store.regions().size(); ++id) {
    if ((id * 2654435761u >> 7) % 100 >= static_cast<std::uint32_t>(percent)) continue;
    const auto f = static_cast<std::uint16_t>(id % (store.num_motifs() - 2));
    writer->PutPersonDelta(
        0, id,
        {{f, static_cast<std::uint16_t>(f + 1), static_cast<std::uint16_t>(f + 2)},
         {0.5f, -0.25f, 1.0f}});
  }
  getps::GenotypeMetadata meta;
  meta.store = store.path();
  meta.store_fingerprint = store.fingerprint();
  meta.individuals = {"P0"};
  meta.num_features = store.num_motifs();
  writer->Finish(meta);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  const std::string path = Arg(argc, argv, "--store", "/tmp/getps-bench-store");
  const auto celltypes =
      static_cast<std::uint32_t>(std::stoul(Arg(argc, argv, "--celltypes", "213")));
  const auto regions =
      static_cast<std::uint32_t>(std::stoul(Arg(argc, argv, "--regions", "150000")));
  const std::size_t batch_size = std::stoul(Arg(argc, argv, "--batch", "32"));
  const double seconds = std::stod(Arg(argc, argv, "--seconds", "5"));

  if (!fs::exists(fs::path(path) / "CURRENT")) {
    getps::SyntheticStoreOptions o;
    o.num_celltypes = celltypes;
    auto t0 = Clock::now();
    getps::WriteSyntheticStore(path, getps::SyntheticRegions(regions, 1), o);
    std::printf("build: %u cell types x %u regions in %.1f s\n", celltypes, regions, Seconds(t0));
  }
  auto store = getps::StoreReader::Open(path, {256 << 20});
  const double gb = static_cast<double>(store->SizeOnDisk()) / 1e9;
  std::printf(
      "store: %zu cell types x %u regions x %zu motifs (%s): %.3f GB on disk, %.1f "
      "bytes/region/cell type\n",
      store->celltypes().size(), store->regions().size(), store->num_motifs(),
      getps::MotifDtypeName(store->metadata().motif_dtype), gb,
      gb * 1e9 / store->regions().size() / static_cast<double>(store->celltypes().size()));

  getps::WindowPlan plan = getps::WindowPlan::Build(*store, {});
  const std::vector<getps::Window> windows = plan.Shuffled(42, 0);
  std::printf("plan: %zu non-overlapping windows (shuffled)\n", windows.size());

  // Warm-up: the first touch of each table loads it (one scan per chromosome).
  auto t_load = Clock::now();
  for (int c = 0; c < static_cast<int>(store->regions().chromosomes().size()); ++c) {
    (void)store->Motifs(c);
    for (int ct = 0; ct < static_cast<int>(store->celltypes().size()); ++ct)
      (void)store->Accessible(ct, c);
  }
  std::printf("load: all tables in %.2f s\n", Seconds(t_load));

  getps::BatchAssembler assembler(*store, {200, getps::AtacMode::kQuantitative});
  const double assembled_rate = AssemblyRate(assembler, nullptr, windows, batch_size, seconds);
  std::printf(
      "assemble: %.0f windows/s on 1 core (batch %zu, [B,200,%u] float32 = %.1f MB/s written)\n",
      assembled_rate, batch_size, assembler.num_features(),
      assembled_rate * 200 * assembler.num_features() * 4 / 1e6);

  // Reference: raw RocksDB MultiGet of each window's 200 motif rows.
  getps::storage_internal::DatabaseHandles db;
  rocksdb::DB* raw = nullptr;
  auto status = rocksdb::DB::OpenForReadOnly(getps::storage_internal::DatabaseOptions(), path,
                                             getps::storage_internal::ColumnFamilies(256 << 20),
                                             &db.families, &raw);
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", status.ToString().c_str());
    return 1;
  }
  db.db.reset(raw);
  std::vector<std::string> keys(200);
  std::vector<rocksdb::Slice> slices(200);
  std::vector<rocksdb::PinnableSlice> values(200);
  std::vector<rocksdb::Status> statuses(200);
  std::size_t raw_done = 0, bytes = 0, next = 0;
  auto t0 = Clock::now();
  while (Seconds(t0) < seconds) {
    const getps::Window& w = windows[next++ % windows.size()];
    const getps::AccessibleRegions& acc = store->Accessible(w.celltype, w.chrom);
    for (std::size_t r = 0; r < 200; ++r) {
      keys[r] = getps::schema::MotifKey(acc.ids[w.first + r]);
      slices[r] = keys[r];
    }
    db.db->MultiGet(rocksdb::ReadOptions(), db.families[1], 200, slices.data(), values.data(),
                    statuses.data());
    for (std::size_t r = 0; r < 200; ++r) {
      bytes += values[r].size();
      values[r].Reset();
    }
    ++raw_done;
  }
  const double raw_rate = static_cast<double>(raw_done) / Seconds(t0);
  std::printf(
      "reference: raw RocksDB MultiGet of 200 motif rows: %.0f windows/s on 1 core (%zu bytes "
      "read)\n",
      raw_rate, bytes);
  std::printf("ratio: assembly / raw reads = %.1fx\n", assembled_rate / raw_rate);

  const int percent = std::stoi(Arg(argc, argv, "--changed", "30"));
  auto genotypes = getps::GenotypeReader::Open(WritePerson(*store, path, percent));
  const getps::GenotypeOverlay overlay(*store, *genotypes, 0);
  const double person_rate = AssemblyRate(assembler, &overlay, windows, batch_size, seconds);
  const double again = AssemblyRate(assembler, nullptr, windows, batch_size, seconds);
  std::printf(
      "person: %.0f windows/s on 1 core with %zu changed regions (%d %%) vs the reference's %.0f "
      "in the same run: %.2fx\n",
      person_rate, overlay.changed_regions(), percent, again, person_rate / again);
  return 0;
}

#include "storage/rocksdb_env.h"

#include <rocksdb/cache.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>

#include "common/error.h"
#include "storage/store_schema.h"

namespace getps::storage_internal {

void ThrowIfError(const rocksdb::Status& s, const std::string& context) {
  if (s.ok()) return;
  ErrorCode code = ErrorCode::kIOError;
  if (s.IsCorruption()) code = ErrorCode::kCorruption;
  if (s.IsNotFound()) code = ErrorCode::kNotFound;
  if (s.IsInvalidArgument() || s.IsNotSupported()) code = ErrorCode::kInvalidArgument;
  if (s.IsBusy() || s.IsTimedOut() || s.IsTryAgain()) code = ErrorCode::kBusy;
  if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) code = ErrorCode::kBusy;
  throw Error(code, context + ": " + s.ToString());
}

rocksdb::DBOptions DatabaseOptions() {
  rocksdb::DBOptions o;
  o.paranoid_checks = true;
  o.max_open_files = 512;
  o.keep_log_file_num = 2;
  o.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  return o;
}

std::vector<rocksdb::ColumnFamilyDescriptor> ColumnFamilies(std::size_t block_cache_bytes) {
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(block_cache_bytes);
  table.checksum = rocksdb::kXXH3;
  table.block_size = 32 * 1024;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));

  rocksdb::ColumnFamilyOptions cf;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf.compression = rocksdb::kLZ4Compression;
  cf.bottommost_compression = rocksdb::kZSTD;
  cf.write_buffer_size = 64 << 20;
  cf.level_compaction_dynamic_level_bytes = true;

  return {{rocksdb::kDefaultColumnFamilyName, cf},
          {schema::kMotifFamily, cf},
          {schema::kCellTypeFamily, cf}};
}

DatabaseHandles::~DatabaseHandles() { Close(); }

void DatabaseHandles::Close() {
  if (!db) return;
  for (auto* h : families) db->DestroyColumnFamilyHandle(h);
  families.clear();
  db->Close();
  db.reset();
}

}  // namespace getps::storage_internal

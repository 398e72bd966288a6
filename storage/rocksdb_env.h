// RocksDB settings shared by the store writer and reader, and the mapping of
// rocksdb::Status to getps::Error. Internal to storage/.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include <memory>
#include <string>
#include <vector>

namespace getps::storage_internal {

// Throws Error (code from the status kind) with `context` and the status text
// unless `s` is OK.
void ThrowIfError(const rocksdb::Status& s, const std::string& context);

// Options of each column family (default, motifs, celltypes) in that order;
// `block_cache_bytes` sizes one LRU cache shared by all of them.
std::vector<rocksdb::ColumnFamilyDescriptor> ColumnFamilies(std::size_t block_cache_bytes);

rocksdb::DBOptions DatabaseOptions();

// Closes the handles and the database, in that order.
struct DatabaseHandles {
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> families;  // owned; default, motifs, celltypes
  ~DatabaseHandles();
  void Close();  // releases the handles and the database's lock; idempotent
};

}  // namespace getps::storage_internal

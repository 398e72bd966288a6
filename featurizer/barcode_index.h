// BarcodeIndex: cell barcode -> cell type, looked up once per fragment. A
// flat open-addressing table over one arena of barcode bytes, so a lookup
// touches one slot and the barcode's bytes (a node-based map took half of
// the counting time with 16 k barcodes). Building is single-threaded;
// Find on a built index is thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace getps {

class BarcodeIndex {
 public:
  // Adds `barcode` as cell type `celltype` (>= 0) and returns -1, or, when
  // it is there already, leaves it and returns its cell type.
  int Insert(std::string_view barcode, int celltype);
  // The cell type of `barcode`, or -1 when it is not in the index.
  int Find(std::string_view barcode) const;
  std::size_t size() const { return size_; }

 private:
  struct Slot {
    std::uint64_t hash = 0;
    std::uint32_t offset = 0, length = 0;  // the barcode's bytes in arena_
    int celltype = -1;                     // -1: an empty slot
  };
  static std::uint64_t Hash(std::string_view barcode);
  // The slot holding `barcode`, or the empty slot where it would go.
  std::size_t Probe(std::string_view barcode, std::uint64_t hash) const;
  void Grow();

  std::vector<Slot> slots_;  // a power of two in size, at most half full
  std::string arena_;
  std::size_t size_ = 0;
};

}  // namespace getps

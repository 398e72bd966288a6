#include "featurizer/barcode_index.h"

#include <cstdint>
#include <cstring>
#include <functional>

namespace getps {

std::uint64_t BarcodeIndex::Hash(std::string_view barcode) {
  return std::hash<std::string_view>{}(barcode);
}

std::size_t BarcodeIndex::Probe(std::string_view barcode, std::uint64_t hash) const {
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (s.celltype < 0) return i;
    if (s.hash == hash && s.length == barcode.size() &&
        std::memcmp(arena_.data() + s.offset, barcode.data(), barcode.size()) == 0)
      return i;
  }
}

int BarcodeIndex::Find(std::string_view barcode) const {
  if (slots_.empty()) return -1;
  return slots_[Probe(barcode, Hash(barcode))].celltype;
}

int BarcodeIndex::Insert(std::string_view barcode, int celltype) {
  if (2 * (size_ + 1) > slots_.size()) Grow();
  const std::uint64_t hash = Hash(barcode);
  Slot& s = slots_[Probe(barcode, hash)];
  if (s.celltype >= 0) return s.celltype;
  s = {hash, static_cast<std::uint32_t>(arena_.size()), static_cast<std::uint32_t>(barcode.size()),
       celltype};
  arena_.append(barcode);
  ++size_;
  return -1;
}

void BarcodeIndex::Grow() {
  std::vector<Slot> old(slots_.empty() ? 16 : 2 * slots_.size());
  old.swap(slots_);
  const std::size_t mask = slots_.size() - 1;
  for (const Slot& s : old) {
    if (s.celltype < 0) continue;
    std::size_t i = s.hash & mask;
    while (slots_[i].celltype >= 0) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

}  // namespace getps

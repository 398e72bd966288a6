// BlobWriter / BlobReader: little-endian packed arrays of plain values, the
// encoding of every binary value in the store. The reader checks every length
// against what is left and throws Error(kCorruption) naming `what` (e.g.
// "celltype T cell, chr2") instead of reading past the end.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "common/error.h"

namespace getps {

static_assert(std::endian::native == std::endian::little,
              "the store encoding assumes a little-endian host");

class BlobWriter {
 public:
  template <typename T>
  void Put(const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    out_.append(reinterpret_cast<const char*>(&value), sizeof(T));
  }
  template <typename T>
  void PutArray(const T* data, std::size_t n) {
    static_assert(std::is_trivially_copyable_v<T>);
    out_.append(reinterpret_cast<const char*>(data), n * sizeof(T));
  }
  const std::string& data() const { return out_; }
  std::string Release() { return std::move(out_); }

 private:
  std::string out_;
};

class BlobReader {
 public:
  BlobReader(std::string_view data, std::string what) : data_(data), what_(std::move(what)) {}

  template <typename T>
  T Get() {
    T value;
    Need(sizeof(T));
    std::memcpy(&value, data_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return value;
  }
  template <typename T>
  void GetArray(std::vector<T>* out, std::size_t n) {
    Need(n * sizeof(T));
    out->resize(n);
    if (n) std::memcpy(out->data(), data_.data() + pos_, n * sizeof(T));
    pos_ += n * sizeof(T);
  }
  // Throws unless every byte was consumed.
  void ExpectEnd() const {
    if (pos_ != data_.size()) {
      throw Error(ErrorCode::kCorruption, "corrupt store value (" + what_ +
                                              "): " + std::to_string(data_.size() - pos_) +
                                              " unexpected trailing bytes");
    }
  }

 private:
  void Need(std::size_t n) const {
    if (data_.size() - pos_ < n) {
      throw Error(ErrorCode::kCorruption, "corrupt store value (" + what_ + "): needs " +
                                              std::to_string(n) + " more bytes, has " +
                                              std::to_string(data_.size() - pos_));
    }
  }
  std::string_view data_;
  std::string what_;
  std::size_t pos_ = 0;
};

}  // namespace getps

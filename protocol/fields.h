// Fields of a typed message body (messages.h): how each C++ field type is
// written to and read from the body's JSON object, with every check the
// decoder promises. A message struct lists its fields once, in
//   template <class Self, class Visitor> static void Fields(Self& self, Visitor& v)
// calling v("key", self.member) for each; FieldWriter and FieldReader are
// the two visitors, so encoding and decoding cannot drift apart.
//
// Field types: bool, int, std::uint16_t, std::int64_t, std::uint64_t (and
// std::size_t), double, std::string, std::vector<double>,
// std::vector<std::string>, a document (nlohmann::json: an object, kept as
// it is), an enum with WireName/FromWireName overloads (messages.h), a
// nested struct with its own Fields, a std::vector of those, and
// std::optional<T> of any of them (absent or null: nullopt; omitted when
// written empty). Every other field is required.
//
// Error contract of FieldReader: a missing required field, a value of
// another JSON type, an integer outside the C++ type's range (a negative
// count, an int past 2^31), a non-finite number, a document that is not an
// object, or an unknown enum name throws Error(kFormatMismatch) naming the
// message type and the field ("malformed shard-request message: field
// 'windows' ..."). Unknown keys are ignored (a newer peer may add some).
#pragma once

#include <cmath>
#include <concepts>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/error.h"

namespace getps::wire {

template <typename T>
struct IsOptional : std::false_type {};
template <typename T>
struct IsOptional<std::optional<T>> : std::true_type {};

template <typename T>
struct IsVector : std::false_type {};
template <typename T>
struct IsVector<std::vector<T>> : std::true_type {};

class FieldWriter;
class FieldReader;

// A struct whose fields are listed by a static Fields(self, visitor).
template <typename T>
concept HasFields = requires(T& t, const T& c, FieldWriter& w, FieldReader& r) {
  T::Fields(c, w);
  T::Fields(t, r);
};

// An enum the wire carries by name: WireName(E) and FromWireName(text, E*)
// found by argument-dependent lookup.
template <typename E>
concept WireEnum = std::is_enum_v<E> && requires(E e, std::string_view text) {
  { WireName(e) } -> std::convertible_to<const char*>;
  { FromWireName(text, &e) } -> std::same_as<bool>;
};

class FieldWriter {
 public:
  explicit FieldWriter(nlohmann::json& object) : out_(object) {}

  template <typename T>
  void operator()(const char* key, const T& value) {
    if constexpr (IsOptional<T>::value) {
      if (value) out_[key] = ToJson(*value);
    } else {
      out_[key] = ToJson(value);
    }
  }

  template <typename T>
  static nlohmann::json ToJson(const T& value) {
    if constexpr (HasFields<T>) {
      nlohmann::json object = nlohmann::json::object();
      FieldWriter nested(object);
      T::Fields(value, nested);
      return object;
    } else if constexpr (WireEnum<T>) {
      return WireName(value);
    } else if constexpr (IsVector<T>::value) {
      nlohmann::json array = nlohmann::json::array();
      for (const auto& item : value) array.push_back(ToJson(item));
      return array;
    } else {
      return value;
    }
  }

 private:
  nlohmann::json& out_;
};

class FieldReader {
 public:
  // `message` names the message type in errors; `object` outlives this.
  FieldReader(const nlohmann::json& object, std::string message)
      : in_(object), message_(std::move(message)) {}

  template <typename T>
  void operator()(const char* key, T& value) {
    const auto it = in_.find(key);
    const bool absent = it == in_.end() || (IsOptional<T>::value && it->is_null());
    if constexpr (IsOptional<T>::value) {
      if (absent) {
        value.reset();
        return;
      }
      typename T::value_type v{};
      Read(key, *it, v);
      value = std::move(v);
    } else {
      if (absent) Fail(key, "is missing");
      Read(key, *it, value);
    }
  }

 private:
  [[noreturn]] void Fail(std::string_view key, const std::string& what) const {
    throw Error(ErrorCode::kFormatMismatch,
                "malformed " + message_ + " message: field '" + std::string(key) + "' " + what);
  }

  template <typename T>
  void Read(std::string_view key, const nlohmann::json& j, T& out) const {
    if constexpr (std::is_same_v<T, bool>) {
      if (!j.is_boolean()) Fail(key, "must be true or false");
      out = j.get<bool>();
    } else if constexpr (std::is_integral_v<T>) {
      out = Integer<T>(key, j);
    } else if constexpr (std::is_floating_point_v<T>) {
      if (!j.is_number() || !std::isfinite(j.get<double>())) Fail(key, "must be a finite number");
      out = j.get<T>();
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (!j.is_string()) Fail(key, "must be a string");
      out = j.get<std::string>();
    } else if constexpr (std::is_same_v<T, nlohmann::json>) {
      if (!j.is_object()) Fail(key, "must be a JSON object");
      out = j;
    } else if constexpr (WireEnum<T>) {
      if (!j.is_string() || !FromWireName(j.get_ref<const std::string&>(), &out))
        Fail(key, "has an unknown value " + j.dump());
    } else if constexpr (HasFields<T>) {
      if (!j.is_object()) Fail(key, "must be a JSON object");
      FieldReader nested(j, message_ + " message's " + std::string(key));
      T::Fields(out, nested);
    } else if constexpr (IsVector<T>::value) {
      if (!j.is_array()) Fail(key, "must be an array");
      out.assign(j.size(), typename T::value_type{});
      for (std::size_t i = 0; i < j.size(); ++i)
        Read(std::string(key) + "[" + std::to_string(i) + "]", j[i], out[i]);
    } else {
      static_assert(sizeof(T) == 0, "a field type the wire does not carry");
    }
  }

  template <typename T>
  T Integer(std::string_view key, const nlohmann::json& j) const {
    if (!j.is_number_integer()) Fail(key, "must be an integer");
    const bool fits = j.is_number_unsigned() ? std::in_range<T>(j.get<std::uint64_t>())
                                             : std::in_range<T>(j.get<std::int64_t>());
    if (!fits) Fail(key, "is out of range: " + j.dump());
    return j.is_number_unsigned() ? static_cast<T>(j.get<std::uint64_t>())
                                  : static_cast<T>(j.get<std::int64_t>());
  }

  const nlohmann::json& in_;
  std::string message_;
};

}  // namespace getps::wire

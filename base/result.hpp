// Errors as values at every boundary: a Result<T> holds either a value or an Error.
// Pure code (statemachine/) and adapters (persistence/, config/) return these instead
// of throwing; exceptions from libraries are caught at the adapter and turned into an
// Error with context (which table, chunk, key, peer).
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace tandem {

struct Error {
  std::string code;     // stable, machine-readable: "invalid_transition", "bad_config", ...
  std::string message;  // for people: names what is wrong and, where it can, what to do
  std::string field;    // the offending key/field/path when there is one ("http.listen")

  std::string describe() const {
    return field.empty() ? message : field + ": " + message;
  }
};

inline Error make_error(std::string code, std::string message, std::string field = {}) {
  return Error{std::move(code), std::move(message), std::move(field)};
}

template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}      // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const Error& error() const { return std::get<1>(v_); }

  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success carries nothing.
struct Ok {};
using Status = Result<Ok>;
inline Status ok_status() { return Ok{}; }

}  // namespace tandem

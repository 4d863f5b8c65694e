// What every data-plane phase takes besides its inputs: a progress callback and a
// cancel token. Phases report after each chunk or table and check the token between
// chunks; a long statement (a merge, a checksum) is interrupted by the token itself,
// which cancels whatever query the phase registered with it.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "base/result.hpp"

namespace tandem {

struct DataProgress {
  std::uint64_t bytes_done = 0;
  std::uint64_t bytes_total = 0;  // 0: not known yet
  std::uint64_t rows_done = 0;
  std::uint64_t rows_total = 0;
  std::string table;              // the table being worked on ("public.orders")
};

using ProgressFn = std::function<void(const DataProgress&)>;

// Thread-safe: cancel() is called from another thread (an actor) while a phase runs.
class CancelToken {
 public:
  void cancel() {
    cancelled_ = true;
    std::lock_guard<std::mutex> lock(mutex_);
    if (interrupt_) interrupt_();
  }
  bool cancelled() const { return cancelled_; }

  // While a phase runs a statement that can take long, it registers how to interrupt
  // it (e.g. Connection::cancel); the guard unregisters on scope exit.
  class Interrupt {
   public:
    Interrupt(CancelToken& t, std::function<void()> fn) : t_(t) {
      std::lock_guard<std::mutex> lock(t_.mutex_);
      t_.interrupt_ = std::move(fn);
    }
    ~Interrupt() {
      std::lock_guard<std::mutex> lock(t_.mutex_);
      t_.interrupt_ = nullptr;
    }
    Interrupt(const Interrupt&) = delete;
    Interrupt& operator=(const Interrupt&) = delete;

   private:
    CancelToken& t_;
  };

 private:
  std::atomic<bool> cancelled_{false};
  std::mutex mutex_;
  std::function<void()> interrupt_;
};

inline Error cancelled_error(const std::string& phase) {
  return make_error("cancelled", phase + " cancelled");
}

}  // namespace tandem

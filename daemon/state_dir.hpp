// The node's state directory: created if missing, checked writable, and locked so that
// two daemons never share one journal and spool (a second tandemd on the same dir is
// refused at start, naming the PID that holds it).
#pragma once

#include <string>

#include "base/result.hpp"

namespace tandem {

class StateDir {
 public:
  static Result<StateDir> open(const std::string& path);

  StateDir(StateDir&& o) noexcept;
  StateDir& operator=(StateDir&&) = delete;
  StateDir(const StateDir&) = delete;
  ~StateDir();

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  StateDir(std::string path, int lock_fd) : path_(std::move(path)), lock_fd_(lock_fd) {}
  std::string path_;
  int lock_fd_ = -1;
};

}  // namespace tandem

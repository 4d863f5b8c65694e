#include "daemon/state_dir.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace tandem {
namespace {

std::string errno_text() { return std::strerror(errno); }

// mkdir -p with mode 0700: the journal and spool hold a copy of the database.
Status make_dirs(const std::string& path) {
  std::string cur;
  for (std::size_t i = 0; i <= path.size(); ++i) {
    if (i == path.size() || (path[i] == '/' && i > 0)) {
      cur = path.substr(0, i);
      if (::mkdir(cur.c_str(), 0700) != 0 && errno != EEXIST)
        return make_error("state_dir", "cannot create " + cur + ": " + errno_text(), "state_dir");
    }
  }
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return make_error("state_dir", path + " is not a directory", "state_dir");
  return ok_status();
}

}  // namespace

Result<StateDir> StateDir::open(const std::string& path) {
  if (auto s = make_dirs(path); !s.ok()) return s.error();
  std::string lock_path = path + "/tandemd.lock";
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return make_error("state_dir", "cannot write in " + path + ": " + errno_text(), "state_dir");
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char buf[32] = {0};
    ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    ::close(fd);
    std::string holder = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "another process";
    while (!holder.empty() && holder.back() == '\n') holder.pop_back();
    return make_error("state_dir",
                      path + " is in use by another tandemd (pid " + holder +
                          "); each node needs its own state_dir",
                      "state_dir");
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    ::close(fd);
    return make_error("state_dir", "cannot write " + lock_path + ": " + errno_text(), "state_dir");
  }
  return StateDir(path, fd);
}

StateDir::StateDir(StateDir&& o) noexcept : path_(std::move(o.path_)), lock_fd_(o.lock_fd_) {
  o.lock_fd_ = -1;
}

StateDir::~StateDir() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // closing releases the flock
}

}  // namespace tandem

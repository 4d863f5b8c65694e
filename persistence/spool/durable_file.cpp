// POSIX implementation of the spool's durable files (see durable_file.hpp).
#include "persistence/spool/durable_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace tandem {
namespace {

Error io_error(const std::string& what, const std::string& path, int err) {
  return make_error("spool_io", "cannot " + what + " " + path + ": " + std::strerror(err), path);
}

std::string parent_of(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// Closes on scope exit unless released; keeps every error path below short.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { if (fd_ >= 0) ::close(fd_); }
  int get() const { return fd_; }
  // close() reports late write errors on some file systems, so it is checked too.
  int close() { int rc = ::close(fd_); fd_ = -1; return rc; }

 private:
  int fd_;
};

}  // namespace

Status fsync_dir(const std::string& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return io_error("open directory", dir, errno);
  if (::fsync(fd.get()) != 0) return io_error("fsync directory", dir, errno);
  return ok_status();
}

Status make_private_dirs(const std::string& dir) {
  if (dir.empty()) return make_error("spool_io", "the spool directory path is empty");
  // Walk the prefixes "a", "a/b", "a/b/c" so only missing ones are created (0700).
  for (std::size_t pos = 0; pos != std::string::npos;) {
    pos = dir.find('/', pos + 1);
    std::string prefix = dir.substr(0, pos);
    if (prefix.empty() || prefix == "/") continue;
    if (::mkdir(prefix.c_str(), 0700) == 0) {
      if (auto st = fsync_dir(parent_of(prefix)); !st) return st;
      continue;
    }
    int err = errno;
    struct stat info {};
    if (err == EEXIST && ::stat(prefix.c_str(), &info) == 0) {
      if (S_ISDIR(info.st_mode)) continue;
      err = ENOTDIR;
    }
    return io_error("create directory", prefix, err);
  }
  return ok_status();
}

namespace {

// Creates/truncates `path` (0600) and writes all of `bytes`; fsyncs when `sync`.
Status write_whole(const std::string& path, std::string_view bytes, bool sync) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (fd.get() < 0) return io_error("create", path, errno);
  const char* p = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    ssize_t n = ::write(fd.get(), p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("write", path, errno);
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (sync && ::fsync(fd.get()) != 0) return io_error("fsync", path, errno);
  if (fd.close() != 0) return io_error("close", path, errno);
  return ok_status();
}

// Writes `<path>.tmp` and renames it over `path`; the temporary goes on failure.
Status write_and_rename(const std::string& path, std::string_view bytes, bool sync) {
  const std::string tmp = path + ".tmp";
  auto written = write_whole(tmp, bytes, sync);
  if (written && ::rename(tmp.c_str(), path.c_str()) != 0)
    written = io_error("rename into place", path, errno);
  if (!written) ::unlink(tmp.c_str());  // best effort: the error to report is the first one
  return written;
}

}  // namespace

Status write_and_sync(const std::string& path, std::string_view bytes) {
  return write_whole(path, bytes, true);
}

Status write_file_durably(const std::string& path, std::string_view bytes) {
  if (auto written = write_and_rename(path, bytes, true); !written) return written;
  return fsync_dir(parent_of(path));
}

Status replace_file(const std::string& path, std::string_view bytes) {
  return write_and_rename(path, bytes, false);
}

Result<std::uint64_t> file_size(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return make_error("not_found", path + " does not exist", path);
    return io_error("stat", path, errno);
  }
  if (!S_ISREG(info.st_mode)) return make_error("spool_io", path + " is not a file", path);
  return static_cast<std::uint64_t>(info.st_size);
}

Result<std::string> read_file(const std::string& path, std::uint64_t max_bytes) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return make_error("not_found", path + " does not exist", path);
    return io_error("open", path, errno);
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) return io_error("stat", path, errno);
  auto size = static_cast<std::uint64_t>(info.st_size);
  if (size > max_bytes)
    return make_error("spool_io", path + " holds " + std::to_string(size) +
                                      " bytes, more than the " + std::to_string(max_bytes) +
                                      " expected", path);
  std::string out(static_cast<std::size_t>(size), '\0');
  std::size_t got = 0;
  while (got < out.size()) {
    ssize_t n = ::read(fd.get(), out.data() + got, out.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("read", path, errno);
    }
    if (n == 0) break;  // shrank since fstat: return what is there; checks catch it
    got += static_cast<std::size_t>(n);
  }
  out.resize(got);
  return out;
}

Status remove_tree(const std::string& dir) {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  if (ec) return make_error("spool_io", "cannot remove " + dir + ": " + ec.message(), dir);
  return ok_status();
}

}  // namespace tandem

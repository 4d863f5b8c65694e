#include "tests/bench/bench_support.hpp"

#include "persistence/spool/spool.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace tandem::bench {

const char* const kPgBin = "/usr/lib/postgresql/15/bin";

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

namespace {
std::string proc_file(pid_t pid, const char* name) {
  return "/proc/" + (pid > 0 ? std::to_string(pid) : std::string("self")) + "/" + name;
}
}  // namespace

long proc_status_kb(pid_t pid, const char* key) {
  std::ifstream in(proc_file(pid, "status"));
  std::string line;
  const std::size_t n = std::strlen(key);
  while (std::getline(in, line))
    if (line.compare(0, n, key) == 0) return std::atol(line.c_str() + n);
  return -1;
}

bool reset_peak_rss(pid_t pid) {
  std::ofstream out(proc_file(pid, "clear_refs"));
  out << "5";
  out.flush();
  return bool(out);
}

Timing run_shell(const std::string& cmd) {
  auto t0 = Clock::now();
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    execl("/bin/bash", "bash", "-o", "pipefail", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  rusage ru{};
  if (wait4(pid, &status, 0, &ru) < 0) throw std::runtime_error("wait4 failed");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error("command failed (status " + std::to_string(status) + "): " + cmd);
  return Timing{seconds_since(t0), ru.ru_maxrss};
}

ScratchDir::ScratchDir(const std::string& prefix) {
  std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed for " + pattern);
  path_ = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string client_args(const test::PgSandbox& s) {
  return "-h " + s.host() + " -p " + std::to_string(s.port()) + " -U postgres";
}

Timing dump_restore(const test::PgSandbox& from, const std::string& from_db,
                    const test::PgSandbox& to, const std::string& to_db, const std::string& dump_options) {
  return run_shell(std::string(kPgBin) + "/pg_dump -Fc " + dump_options + " " + client_args(from) + " -d " + from_db +
                   " | " + kPgBin + "/pg_restore --exit-on-error " + client_args(to) + " -d " + to_db);
}

namespace {

// A connected pair of loopback TCP sockets (writer, reader); both closed at scope end.
struct LoopbackPair {
  int writer = -1, reader = -1;
  LoopbackPair() {
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (listener < 0 || bind(listener, reinterpret_cast<sockaddr*>(&addr), len) != 0 || listen(listener, 1) != 0 ||
        getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      if (listener >= 0) close(listener);
      throw std::runtime_error(std::string("loopback listener: ") + std::strerror(errno));
    }
    writer = socket(AF_INET, SOCK_STREAM, 0);
    if (writer < 0 || connect(writer, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
      close(listener);
      throw std::runtime_error(std::string("loopback connect: ") + std::strerror(errno));
    }
    reader = accept(listener, nullptr, nullptr);
    close(listener);
    if (reader < 0) throw std::runtime_error(std::string("loopback accept: ") + std::strerror(errno));
  }
  ~LoopbackPair() {
    if (writer >= 0) close(writer);
    if (reader >= 0) close(reader);
  }
  LoopbackPair(const LoopbackPair&) = delete;
  LoopbackPair& operator=(const LoopbackPair&) = delete;
};

}  // namespace

double loopback_tcp_seconds(std::uint64_t bytes) {
  constexpr std::size_t kWrite = 4u << 20;  // the daemons' default chunk size
  LoopbackPair pair;
  std::vector<char> out(kWrite, 'x'), in(kWrite);
  bool write_failed = false;
  auto t0 = Clock::now();
  std::thread writer([&] {
    for (std::uint64_t left = bytes; left > 0;) {
      ssize_t n = send(pair.writer, out.data(), std::min<std::uint64_t>(left, kWrite), MSG_NOSIGNAL);
      if (n <= 0) {
        write_failed = true;
        break;
      }
      left -= static_cast<std::uint64_t>(n);
    }
    shutdown(pair.writer, SHUT_WR);  // the reader sees the end even after a failed write
  });
  std::uint64_t got = 0;
  for (ssize_t n; got < bytes && (n = recv(pair.reader, in.data(), in.size(), 0)) > 0;) got += static_cast<std::uint64_t>(n);
  double seconds = seconds_since(t0);
  if (got != bytes) shutdown(pair.reader, SHUT_RDWR);  // no writer left blocked in send
  writer.join();
  if (write_failed || got != bytes)
    throw std::runtime_error("loopback TCP: " + std::to_string(got) + " of " + std::to_string(bytes) + " bytes arrived");
  return seconds;
}

double durable_store_seconds(std::uint64_t bytes, std::uint64_t files) {
  files = std::max<std::uint64_t>(files, 1);
  ScratchDir dir("tandem-store");
  auto spool = Spool::open(dir.file("spool"));
  if (!spool) throw std::runtime_error("spool: " + spool.error().describe());
  std::string chunk(static_cast<std::size_t>(bytes / files), '\0');
  for (std::size_t i = 0; i < chunk.size(); ++i) chunk[i] = static_cast<char>((i * 2654435761u) >> 13);
  auto t0 = Clock::now();
  for (std::uint64_t i = 0; i < files; ++i)
    if (auto c = spool->write_chunk(i, 0, 1, chunk, false); !c)
      throw std::runtime_error("durable store: " + c.error().describe());
  return seconds_since(t0);
}

void clone_database(const test::PgSandbox& s, const std::string& name, const std::string& from) {
  for (int attempt = 0;; ++attempt) {
    auto r = s.query("CREATE DATABASE " + name + (from.empty() ? "" : " TEMPLATE " + from));
    if (r.ok()) return;
    if (attempt == 60) throw std::runtime_error("create database " + name + ": " + r.error().describe());
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

std::int64_t iso_utc_to_ms(const std::string& iso) {
  std::tm tm{};
  int ms = 0;
  if (std::sscanf(iso.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) != 7)
    return 0;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<std::int64_t>(timegm(&tm)) * 1000 + ms;
}

namespace {

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) {
      auto colon = line.find(':');
      return colon == std::string::npos ? "" : line.substr(colon + 2);
    }
  return "unknown CPU";
}

// The file system the sandboxes' data directories live on (they go under $TMPDIR).
std::string temp_fs_type() {
  struct statfs fs {};
  if (statfs(std::filesystem::temp_directory_path().c_str(), &fs) != 0) return "unknown fs";
  switch (static_cast<unsigned long>(fs.f_type)) {
    case 0xEF53: return "ext4";
    case 0x58465342: return "xfs";
    case 0x9123683E: return "btrfs";
    case 0x01021994: return "tmpfs (figures meaningless: no real fsync)";
    case 0x794C7630: return "overlayfs";
    default: return "fs type 0x" + [&] {
      char hex[20];
      std::snprintf(hex, sizeof hex, "%lx", static_cast<unsigned long>(fs.f_type));
      return std::string(hex);
    }();
  }
}

}  // namespace

std::string machine_description(const test::PgSandbox& s) {
  utsname u{};
  uname(&u);
  return std::to_string(std::thread::hardware_concurrency()) + " vCPUs (" + cpu_model() + "), Linux " +
         u.release + ", " + temp_fs_type() + " under " + std::filesystem::temp_directory_path().string() +
         ", PostgreSQL " + s.scalar("SHOW server_version");
}

std::string source_revision() {
  const std::string git = "git -C '" + test::PgSandbox::source_dir() + "' ";
  auto first_line = [](const std::string& cmd) {
    std::string out;
    if (FILE* p = popen(cmd.c_str(), "r")) {
      char buf[256];
      if (std::fgets(buf, sizeof buf, p)) out = buf;
      pclose(p);
    }
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
  };
  std::string rev = first_line(git + "rev-parse --short HEAD 2>/dev/null");
  if (rev.empty()) return "(unknown commit)";
  return rev + (first_line(git + "diff-index --name-only HEAD -- 2>/dev/null").empty() ? ""
                                                                                               : " + local changes");
}

std::string load_average() {
  double l[3] = {0, 0, 0};
  if (getloadavg(l, 3) != 3) return "load unknown";
  char out[64];
  std::snprintf(out, sizeof out, "load %.2f %.2f %.2f", l[0], l[1], l[2]);
  return out;
}

void write_performance_doc(const std::string& tool, const std::string& heading, const std::string& block) {
  const std::string path = test::PgSandbox::source_dir() + "/docs/performance.md";
  const std::string begin = "<!-- " + tool + ": begin (generated by tools/" + tool + ") -->\n";
  const std::string end = "<!-- " + tool + ": end -->\n";
  std::stringstream in;
  in << std::ifstream(path).rdbuf();
  std::string doc = in.str();
  auto b = doc.find(begin), e = doc.find(end);
  if (b != std::string::npos && e != std::string::npos && e > b) {
    doc.replace(b + begin.size(), e - b - begin.size(), block);
  } else {
    if (doc.find(heading) == std::string::npos) doc += "\n" + heading + "\n";
    doc += "\n" + begin + block + end;
  }
  std::ofstream(path + ".tmp") << doc;
  if (std::rename((path + ".tmp").c_str(), path.c_str()) != 0) throw std::runtime_error("cannot write " + path);
  std::printf("\nwrote the table to %s\n", path.c_str());
}

std::string fmt(const char* format, ...) {
  char buf[512];
  va_list args;
  va_start(args, format);
  std::vsnprintf(buf, sizeof buf, format, args);
  va_end(args);
  return buf;
}

std::string thousands(double v) {
  std::string digits = std::to_string(static_cast<long long>(v + 0.5)), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string utc_now() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%d %H:%M UTC", &tm);
  return out;
}

}  // namespace tandem::bench

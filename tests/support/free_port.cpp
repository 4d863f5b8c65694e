#include "tests/support/free_port.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <random>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>

namespace tandem::test {
namespace {

constexpr int kPortMin = 24000;
constexpr int kPortSpan = 8000;  // up to 31999, below the ephemeral range; pg-sandbox takes 15000-23999
constexpr int kTries = 200;
constexpr std::time_t kLedgerMemoryS = 600;  // a port handed out is not handed out again for this long

// The ports handed out lately, by every test process on this machine: ctest runs tests
// side by side, and a port one of them picked but has not bound yet looks free to the
// other (CI once saw "http.listen: … Address already in use"). Lines "port unix-time" in
// a file under the temp dir, read and appended under flock; rewritten without old lines
// when it grows. Without the file (no permission), picks are only checked by bind.
class PortLedger {
 public:
  PortLedger() {
    const auto path = std::filesystem::temp_directory_path() / "tandem-test-ports";
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd_ >= 0 && ::flock(fd_, LOCK_EX) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
    if (fd_ < 0) return;
    std::string text;
    char buf[4096];
    for (ssize_t n; (n = ::read(fd_, buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
    std::istringstream in(text);
    const std::time_t now = std::time(nullptr);
    long long port = 0, at = 0;
    while (in >> port >> at) {
      ++lines_;
      if (now - at < kLedgerMemoryS) recent_[static_cast<int>(port)] = static_cast<std::time_t>(at);
    }
  }
  ~PortLedger() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
  }
  PortLedger(const PortLedger&) = delete;
  PortLedger& operator=(const PortLedger&) = delete;

  bool recently_taken(int port) const { return recent_.count(port) > 0; }
  void take(int port) {
    if (fd_ < 0) return;
    recent_[port] = std::time(nullptr);
    const bool rewrite = lines_ > 2000;  // keep the file small: only the recent lines
    std::string text;
    for (const auto& [p, at] : recent_)
      if (rewrite || p == port) text += std::to_string(p) + " " + std::to_string(static_cast<long long>(at)) + "\n";
    if (rewrite && ::ftruncate(fd_, 0) != 0) return;
    if (::lseek(fd_, 0, SEEK_END) < 0) return;
    (void)!::write(fd_, text.data(), text.size());
  }

 private:
  int fd_ = -1;
  std::size_t lines_ = 0;
  std::map<int, std::time_t> recent_;
};

// Whether 127.0.0.1:`port` can be bound now (nobody listens there, nor holds it bound).
bool bindable(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(std::string("free_tcp_port: socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

}  // namespace

int free_tcp_port() {
  static std::mutex mutex;  // tests may pick from several threads
  std::lock_guard<std::mutex> lock(mutex);
  static std::mt19937 pick{std::random_device{}()};
  std::uniform_int_distribution<int> port(kPortMin, kPortMin + kPortSpan - 1);
  PortLedger ledger;
  for (int i = 0; i < kTries; ++i) {
    int p = port(pick);
    if (ledger.recently_taken(p) || !bindable(p)) continue;
    ledger.take(p);
    return p;
  }
  throw std::runtime_error("free_tcp_port: no bindable port in " + std::to_string(kPortMin) + "-" +
                           std::to_string(kPortMin + kPortSpan - 1) + " after " + std::to_string(kTries) +
                           " tries");
}

}  // namespace tandem::test

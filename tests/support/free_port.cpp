#include "tests/support/free_port.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>

namespace tandem::test {
namespace {

constexpr int kPortMin = 15000;
constexpr int kPortSpan = 17000;  // up to 31999, below the ephemeral range
constexpr int kTries = 200;

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
  for (int i = 0; i < kTries; ++i) {
    int p = port(pick);
    if (bindable(p)) return p;
  }
  throw std::runtime_error("free_tcp_port: no bindable port in " + std::to_string(kPortMin) + "-" +
                           std::to_string(kPortMin + kPortSpan - 1) + " after " + std::to_string(kTries) +
                           " tries");
}

}  // namespace tandem::test

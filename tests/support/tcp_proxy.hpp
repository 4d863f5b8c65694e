// A TCP proxy inside the test process, for network-fault tests: listens on a free port
// of 127.0.0.1 and forwards every connection to 127.0.0.1:<target>. A test points a
// node's peer address at the proxy and can then cut the link, refuse new connections, or
// pause forwarding (bytes wait in the kernel buffers, as on a link that went silent).
//
// One thread owns all sockets; the public calls only change flags under a mutex and wake
// that thread, and return once it has acted on them (cut() has closed every connection
// when it returns). The destructor stops the thread and closes everything.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

namespace tandem::test {

class TcpProxy {
 public:
  explicit TcpProxy(int target_port);
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  int port() const { return port_; }
  int target_port() const { return target_port_; }

  // Closes every open connection (both halves, at once).
  void cut();
  // While refusing, a new connection is accepted and closed at once (a peer whose port
  // answers but drops the link); accept(true) restores forwarding for new connections.
  void accept(bool yes);
  // While paused nothing is forwarded in either direction; connections stay open.
  void pause(bool yes);

  // Connections accepted and forwarded so far, and those open now.
  std::uint64_t connections_accepted() const { return accepted_.load(); }
  int connections_open() const { return open_.load(); }

 private:
  void run();
  void wake();
  void apply_and_wait(bool cut);

  int target_port_;
  int port_ = 0;
  int listen_fd_ = -1;
  int wake_fd_[2] = {-1, -1};
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> accepted_{0};
  std::atomic<int> open_{0};

  std::mutex mu_;
  std::condition_variable acted_;
  std::uint64_t requested_ = 0;  // commands asked for (under mu_)
  std::uint64_t done_ = 0;       // commands acted on by the thread (under mu_)
  bool cut_pending_ = false;
  bool accepting_ = true;
  bool paused_ = false;
  std::thread thread_;
};

}  // namespace tandem::test

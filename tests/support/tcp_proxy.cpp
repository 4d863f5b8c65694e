#include "tests/support/tcp_proxy.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <list>
#include <stdexcept>
#include <string>
#include <vector>

namespace tandem::test {
namespace {

constexpr std::size_t kBufBytes = 256 * 1024;

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("TcpProxy: " + what + ": " + std::strerror(errno));
}

void set_nonblocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

sockaddr_in loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

// One direction of a connection: bytes read from `from` wait in `buf` until written to `to`.
struct Pipe {
  int from, to;
  std::vector<char> buf;
  std::size_t off = 0;  // written so far of buf
  bool eof = false;
};

struct Conn {
  int client, server;
  Pipe up{-1, -1, {}}, down{-1, -1, {}};
  bool dead = false;
};

}  // namespace

TcpProxy::TcpProxy(int target_port) : target_port_(target_port) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) fail("socket");
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  auto addr = loopback(0);
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) fail("bind");
  if (listen(listen_fd_, 64) != 0) fail("listen");
  socklen_t len = sizeof addr;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  set_nonblocking(listen_fd_);
  if (pipe2(wake_fd_, O_CLOEXEC | O_NONBLOCK) != 0) fail("pipe");
  thread_ = std::thread([this] { run(); });
}

TcpProxy::~TcpProxy() {
  stop_ = true;
  wake();
  thread_.join();
  close(listen_fd_);
  close(wake_fd_[0]);
  close(wake_fd_[1]);
}

void TcpProxy::wake() {
  char c = 1;
  (void)!write(wake_fd_[1], &c, 1);
}

// Records the change, wakes the thread and waits until it has acted on it.
void TcpProxy::apply_and_wait(bool cut) {
  std::unique_lock<std::mutex> lock(mu_);
  if (cut) cut_pending_ = true;
  std::uint64_t mine = ++requested_;
  wake();
  acted_.wait(lock, [&] { return done_ >= mine; });
}

void TcpProxy::cut() { apply_and_wait(true); }

void TcpProxy::accept(bool yes) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    accepting_ = yes;
  }
  apply_and_wait(false);
}

void TcpProxy::pause(bool yes) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    paused_ = yes;
  }
  apply_and_wait(false);
}

void TcpProxy::run() {
  std::list<Conn> conns;
  auto close_conn = [&](Conn& c) {
    // RST rather than FIN: the peers see a broken link, not an orderly goodbye.
    linger lg{1, 0};
    for (int fd : {c.client, c.server}) {
      if (fd < 0) continue;
      setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
      close(fd);
    }
    c.client = c.server = -1;
    c.dead = true;
  };
  // Moves bytes of one direction as far as the sockets allow; false when the pipe is done.
  auto flow = [](Pipe& p, short from_events, short to_events) {
    if (p.off == p.buf.size() && !p.eof && (from_events & (POLLIN | POLLHUP | POLLERR))) {
      p.buf.resize(kBufBytes);
      ssize_t n = read(p.from, p.buf.data(), p.buf.size());
      if (n > 0) {
        p.buf.resize(static_cast<std::size_t>(n));
        p.off = 0;
      } else {
        p.buf.clear();
        p.off = 0;
        if (n == 0 || (errno != EAGAIN && errno != EINTR)) p.eof = true;
      }
    }
    if (p.off < p.buf.size() && (to_events & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t n = write(p.to, p.buf.data() + p.off, p.buf.size() - p.off);
      if (n > 0) p.off += static_cast<std::size_t>(n);
      else if (errno != EAGAIN && errno != EINTR) return false;
    }
    return !(p.eof && p.off == p.buf.size());
  };

  while (!stop_) {
    bool accepting, paused;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (cut_pending_) {
        for (auto& c : conns) close_conn(c);
        cut_pending_ = false;
      }
      accepting = accepting_;
      paused = paused_;
      done_ = requested_;
      acted_.notify_all();
    }
    conns.remove_if([](const Conn& c) { return c.dead; });
    open_ = static_cast<int>(conns.size());

    std::vector<pollfd> fds{{wake_fd_[0], POLLIN, 0}, {listen_fd_, POLLIN, 0}};
    for (auto& c : conns) {
      short ce = 0, se = 0;
      if (!paused) {
        if (c.up.off == c.up.buf.size() && !c.up.eof) ce |= POLLIN;
        if (c.down.off == c.down.buf.size() && !c.down.eof) se |= POLLIN;
        if (c.up.off < c.up.buf.size()) se |= POLLOUT;
        if (c.down.off < c.down.buf.size()) ce |= POLLOUT;
      }
      // Paused: not watched at all (a hang-up would otherwise wake poll() in a loop).
      fds.push_back({paused ? -1 : c.client, ce, 0});
      fds.push_back({paused ? -1 : c.server, se, 0});
    }
    if (poll(fds.data(), fds.size(), 500) < 0 && errno != EINTR) break;
    if (fds[0].revents & POLLIN) {
      char drain[64];
      while (read(wake_fd_[0], drain, sizeof drain) > 0) {
      }
      continue;  // commands first: the connections may have been cut meanwhile
    }
    std::size_t i = 2;
    for (auto& c : conns) {
      short ce = fds[i].revents, se = fds[i + 1].revents;
      i += 2;
      if (paused) continue;
      bool up = flow(c.up, ce, se);
      bool down = flow(c.down, se, ce);
      if (!up || !down) close_conn(c);  // either side gone: drop both, like a broken link
    }
    if (fds[1].revents & POLLIN) {
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (fd < 0) continue;
      if (!accepting) {
        linger lg{1, 0};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        close(fd);
        continue;
      }
      int server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      auto addr = loopback(target_port_);
      // A blocking connect on loopback answers at once (accepted or refused).
      if (server < 0 || connect(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        if (server >= 0) close(server);
        close(fd);
        continue;
      }
      set_nonblocking(server);
      int one = 1;
      setsockopt(server, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      Conn c{fd, server};
      c.up = Pipe{fd, server, {}};
      c.down = Pipe{server, fd, {}};
      conns.push_back(std::move(c));
      ++accepted_;
    }
  }
  for (auto& c : conns) close_conn(c);
}

}  // namespace tandem::test

// The HTTP server: Poco's HTTPServer on `http.listen`, turning each Poco request into an
// http::Request, asking the Router, and writing the Response. Poco types stay in the .cpp.
// Threads: Poco's own pool serves requests; the Router must be safe to call concurrently
// (its handlers are; they ask actors through thread-safe facades).
#pragma once

#include <cstddef>
#include <memory>

#include "base/result.hpp"
#include "config/address.hpp"
#include "http/router.hpp"

namespace tandem::http {

struct ServerOptions {
  std::size_t max_body_bytes = 1 << 20;  // larger bodies get 413
  int max_threads = 32;                  // SSE streams each hold one
  int timeout_s = 30;                    // slow clients are cut off
};

class Server {
 public:
  Server(HostPort listen, std::shared_ptr<const Router> router, ServerOptions opts = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts serving; an address in use or not local is an error naming it.
  Status start();
  // Stops accepting, waits for running requests. Idempotent.
  void stop();
  // The bound port (useful when listening on port 0 in tests).
  std::uint16_t port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tandem::http

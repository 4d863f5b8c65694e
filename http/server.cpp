#include "http/server.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/ThreadPool.h>
#include <Poco/URI.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <istream>

#include "base/log.hpp"

namespace tandem::http {
namespace {

using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

void send(HTTPServerResponse& out, const Response& r) {
  out.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(r.status),
                         reason_phrase(r.status));
  out.setContentType(r.content_type);
  out.set("Cache-Control", "no-store");
  for (const auto& [k, v] : r.headers) out.set(k, v);
  out.setContentLength(static_cast<std::streamsize>(r.body.size()));
  out.send().write(r.body.data(), static_cast<std::streamsize>(r.body.size())).flush();
}

// After a 413 sent early, reads and drops what the client is still sending (up to
// `bound` bytes, each read bounded by the socket timeout) so that it gets to read the
// answer: closing with unread data makes the kernel reset the connection, and most
// clients then report "connection reset" instead of the 413.
void drain(HTTPServerRequest& in, std::size_t bound) {
  try {
    std::istream& s = in.stream();
    char buf[16384];
    for (std::size_t n = 0; s && n < bound; n += static_cast<std::size_t>(s.gcount()))
      s.read(buf, sizeof buf);
  } catch (const Poco::Exception&) {
  }
}

enum class BodyRead { ok, too_large, incomplete };

// Reads at most `limit` bytes. A client that stops sending (the socket's timeout) or
// leaves makes Poco's stream go bad rather than throw, so a short body is detected here:
// it must never reach a handler as if it were the whole body.
BodyRead read_body(HTTPServerRequest& in, std::size_t limit, std::string& body) {
  if (in.hasContentLength() && in.getContentLength64() > static_cast<Poco::Int64>(limit))
    return BodyRead::too_large;
  std::istream& s = in.stream();
  char buf[16384];
  while (s) {
    s.read(buf, sizeof buf);
    body.append(buf, static_cast<std::size_t>(s.gcount()));
    if (body.size() > limit) return BodyRead::too_large;
  }
  if (s.bad()) return BodyRead::incomplete;
  if (in.hasContentLength() && static_cast<Poco::Int64>(body.size()) != in.getContentLength64())
    return BodyRead::incomplete;
  return BodyRead::ok;
}

// Writes SSE frames to the response stream; a failed write means the client left.
class StreamSink : public EventSink {
 public:
  StreamSink(std::ostream& out, const std::atomic<bool>& stopping) : out_(out), stopping_(stopping) {}
  bool send(const std::string& event, const std::string& data) override {
    out_ << "event: " << event << "\n";
    std::size_t start = 0;
    while (true) {  // a data line per line of the payload
      auto nl = data.find('\n', start);
      out_ << "data: " << data.substr(start, nl == std::string::npos ? std::string::npos : nl - start) << "\n";
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
    out_ << "\n";
    out_.flush();
    return out_.good() && !stopping_;
  }
  bool keepalive() override {
    out_ << ": keepalive\n\n";
    out_.flush();
    return out_.good() && !stopping_;
  }
  bool stopping() const override { return stopping_; }

 private:
  std::ostream& out_;
  const std::atomic<bool>& stopping_;
};

void run_stream(HTTPServerResponse& out, const Response& r, const std::atomic<bool>& stopping) {
  out.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_OK, "OK");
  out.setContentType("text/event-stream");
  out.set("Cache-Control", "no-store");
  out.set("X-Accel-Buffering", "no");
  out.setChunkedTransferEncoding(true);
  std::ostream& body = out.send();
  StreamSink sink(body, stopping);
  try {
    r.stream(*r.request, sink);
  } catch (const std::exception& e) {
    log::warn("http") << "event stream ended: " << e.what();
  }
}

class Handler : public Poco::Net::HTTPRequestHandler {
 public:
  Handler(const Router& router, const ServerOptions& opts, const std::atomic<bool>& stopping)
      : router_(router), opts_(opts), stopping_(stopping) {}

  void handleRequest(HTTPServerRequest& in, HTTPServerResponse& out) override {
    Request req;
    req.method = in.getMethod();
    req.remote = in.clientAddress().toString();
    req.target = in.getURI();
    try {
      Poco::URI uri(in.getURI());
      req.path = uri.getPath();
      for (const auto& [k, v] : uri.getQueryParameters()) req.query[k] = v;
    } catch (const Poco::Exception& e) {
      return send(out, Response::error(400, "malformed URL: " + e.message()));
    }
    for (const auto& [k, v] : in) req.headers[lower(k)] = v;
    BodyRead got = BodyRead::incomplete;
    try {
      got = read_body(in, opts_.max_body_bytes, req.body);
    } catch (const Poco::Exception& e) {
      log::warn("http") << "reading the body from " << req.remote << " failed: " << e.displayText();
    }
    if (got != BodyRead::ok) {
      // The rest of the body is never read, so the connection cannot carry another
      // request: close it after the answer.
      out.setKeepAlive(false);
      if (got == BodyRead::too_large) {
        send(out, Response::error(413, "request body is larger than " +
                                           std::to_string(opts_.max_body_bytes) + " bytes"));
        return drain(in, 8 * opts_.max_body_bytes);
      }
      log::warn("http") << req.method << " " << req.path << " from " << req.remote
                        << ": the body stopped arriving; connection closed";
      return send(out, Response::error(408, "the request body did not arrive in time"));
    }
    Response r = router_.dispatch(std::move(req));
    if (r.stream) return run_stream(out, r, stopping_);
    send(out, r);
  }

 private:
  const Router& router_;
  const ServerOptions& opts_;
  const std::atomic<bool>& stopping_;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  Factory(std::shared_ptr<const Router> router, const ServerOptions& opts,
          const std::atomic<bool>& stopping)
      : router_(std::move(router)), opts_(opts), stopping_(stopping) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const HTTPServerRequest&) override {
    return new Handler(*router_, opts_, stopping_);
  }

 private:
  std::shared_ptr<const Router> router_;
  const ServerOptions& opts_;
  const std::atomic<bool>& stopping_;
};

}  // namespace

struct Server::Impl {
  HostPort listen;
  std::shared_ptr<const Router> router;
  ServerOptions opts;
  std::unique_ptr<Poco::ThreadPool> pool;
  std::unique_ptr<Poco::Net::HTTPServer> server;
  std::uint16_t bound_port = 0;
  std::atomic<bool> stopping{false};  // tells event streams to end
};

Server::Server(HostPort listen, std::shared_ptr<const Router> router, ServerOptions opts)
    : impl_(std::make_unique<Impl>()) {
  impl_->listen = std::move(listen);
  impl_->router = std::move(router);
  impl_->opts = opts;
}

Server::~Server() { stop(); }

Status Server::start() {
  try {
    Poco::Net::SocketAddress addr(impl_->listen.host, impl_->listen.port);
    // SO_REUSEADDR (quick restarts) but never SO_REUSEPORT, which Poco's convenience
    // constructor sets: with it a second daemon would silently share the port.
    Poco::Net::ServerSocket socket;
    socket.bind(addr, /*reuseAddress=*/true, /*reusePort=*/false);
    socket.listen(/*backlog=*/128);
    impl_->bound_port = socket.address().port();
    auto params = Poco::makeAuto<Poco::Net::HTTPServerParams>();
    params->setMaxThreads(impl_->opts.max_threads);
    params->setTimeout(Poco::Timespan(impl_->opts.timeout_s, 0));
    params->setKeepAlive(true);
    impl_->pool = std::make_unique<Poco::ThreadPool>(2, impl_->opts.max_threads);
    impl_->server = std::make_unique<Poco::Net::HTTPServer>(
        Poco::makeShared<Factory>(impl_->router, impl_->opts, impl_->stopping), *impl_->pool, socket, params);
    impl_->server->start();
  } catch (const Poco::Exception& e) {
    return make_error("http_listen", "cannot listen on " + impl_->listen.text() + ": " +
                                         e.displayText(),
                      "http.listen");
  }
  log::info("http") << "listening on " << impl_->listen.host << ":" << impl_->bound_port;
  return ok_status();
}

void Server::stop() {
  if (!impl_->server) return;
  impl_->stopping = true;
  impl_->server->stopAll(true);
  impl_->server.reset();
  impl_->pool->joinAll();
  impl_->pool.reset();
}

std::uint16_t Server::port() const { return impl_->bound_port; }

}  // namespace tandem::http

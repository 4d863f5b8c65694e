// The server's limits on a real socket: bodies over the cap get 413 and the connection
// is closed; a client that sends half a request and waits is cut off after the
// timeout, and does not hold up anyone else meanwhile.
#include <gtest/gtest.h>

#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

#include <chrono>
#include <thread>

#include "http/server.hpp"

namespace tandem::http {
namespace {

using namespace std::chrono;

std::unique_ptr<Server> serve(ServerOptions opts) {
  auto router = std::make_shared<Router>("t0ken");
  router->add("POST", "/echo", Auth::none, [](const Request& q) {
    return Response::json(200, {{"bytes", q.body.size()}});
  });
  router->add("GET", "/ping", Auth::none, [](const Request&) { return Response::json(200, {{"ok", true}}); });
  auto server = std::make_unique<Server>(HostPort{"127.0.0.1", 0}, router, opts);
  EXPECT_TRUE(server->start().ok());
  return server;
}

Poco::Net::StreamSocket connect(const Server& s) {
  Poco::Net::StreamSocket sock(Poco::Net::SocketAddress("127.0.0.1", s.port()));
  sock.setReceiveTimeout(Poco::Timespan(10, 0));
  return sock;
}

// Sends `text`, then reads until the server closes the connection (or 10 s pass).
std::string talk(Poco::Net::StreamSocket& sock, const std::string& text) {
  if (!text.empty()) sock.sendBytes(text.data(), static_cast<int>(text.size()));
  std::string out;
  char buf[4096];
  try {
    for (int n; (n = sock.receiveBytes(buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  } catch (const Poco::Exception&) {
  }
  return out;
}

std::string post(std::size_t bytes, bool close = true) {
  return "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(bytes) +
         (close ? "\r\nConnection: close" : "") + "\r\n\r\n" + std::string(bytes, 'x');
}

TEST(HttpServer, BodyAtTheLimitIsReadAndOneByteMoreIs413) {
  ServerOptions opts;
  opts.max_body_bytes = 1000;
  auto server = serve(opts);
  auto sock = connect(*server);
  EXPECT_NE(talk(sock, post(1000)).find("{\"bytes\":1000}"), std::string::npos);
  auto big = connect(*server);
  auto answer = talk(big, post(1001, /*close=*/false));
  EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << answer;
  EXPECT_NE(answer.find("larger than 1000 bytes"), std::string::npos);
}

TEST(HttpServer, DefaultLimitIsOneMebibyteAndTimeoutThirtySeconds) {
  ServerOptions opts;
  EXPECT_EQ(opts.max_body_bytes, 1u << 20);
  EXPECT_EQ(opts.timeout_s, 30);
}

TEST(HttpServer, AChunkedBodyOverTheLimitIs413) {
  ServerOptions opts;
  opts.max_body_bytes = 1000;
  auto server = serve(opts);
  auto sock = connect(*server);
  std::string req = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 40; ++i) req += "64\r\n" + std::string(100, 'y') + "\r\n";
  req += "0\r\n\r\n";
  auto answer = talk(sock, req);
  EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << answer.substr(0, 200);
}

TEST(HttpServer, ASlowClientIsCutOffAndDoesNotBlockOthers) {
  ServerOptions opts;
  opts.timeout_s = 1;
  auto server = serve(opts);
  // Half a request line and headers, then silence; and a body promised but not sent.
  auto slow_headers = connect(*server);
  std::string half = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Le";
  slow_headers.sendBytes(half.data(), static_cast<int>(half.size()));
  auto slow_body = connect(*server);
  std::string promise = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc";
  slow_body.sendBytes(promise.data(), static_cast<int>(promise.size()));

  // Meanwhile others are served at once.
  for (int i = 0; i < 5; ++i) {
    auto t0 = steady_clock::now();
    auto other = connect(*server);
    auto answer = talk(other, "GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u);
    EXPECT_LT(steady_clock::now() - t0, milliseconds(500));
  }
  // And the slow ones are closed after about the timeout, not left open.
  auto t0 = steady_clock::now();
  auto cut1 = talk(slow_headers, "");
  auto cut2 = talk(slow_body, "");
  auto waited = steady_clock::now() - t0;
  EXPECT_LT(waited, seconds(5)) << "the server kept slow connections open";
  EXPECT_EQ(cut1.find("200 OK"), std::string::npos);
  EXPECT_EQ(cut2.find("200 OK"), std::string::npos);
  EXPECT_EQ(cut2.rfind("HTTP/1.1 408", 0), 0u) << cut2;
}

}  // namespace
}  // namespace tandem::http

#include "actors/peer_http_client.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>

#include "actors/peer_auth.hpp"
#include "actors/peer_http_auth.hpp"
#include "base/constant_time.hpp"

namespace tandem {
namespace {

// Reads at most `max` bytes; false when the body is longer.
bool read_bounded(std::istream& in, std::size_t max, std::string& out) {
  char buf[64 * 1024];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    out.append(buf, static_cast<std::size_t>(in.gcount()));
    if (out.size() > max) return false;
  }
  return true;
}

}  // namespace

Result<PeerHttpAnswer> PeerHttpClient::call(const std::string& method, const std::string& target,
                                            const std::string& body, std::chrono::seconds timeout,
                                            std::size_t max_body) const {
  const std::string where = peer_.text() + target.substr(0, target.find('?'));
  if (peer_.port == 0)
    return make_error("peer_http", "the peer has no \"http\" address in the config", "peers[].http");
  auto headers = sign_peer_request(secret_, node_id_, method, target, body);
  try {
    Poco::Net::HTTPClientSession session(peer_.host, peer_.port);
    session.setTimeout(Poco::Timespan(std::chrono::duration_cast<std::chrono::microseconds>(timeout).count()));
    Poco::Net::HTTPRequest req(method, target, Poco::Net::HTTPRequest::HTTP_1_1);
    for (const auto& [name, value] : headers) req.set(name, value);
    req.set("User-Agent", "tandemd");
    if (!body.empty() || method == "POST") {
      req.setContentType("application/json");
      req.setContentLength(static_cast<std::streamsize>(body.size()));
    }
    session.sendRequest(req) << body;
    Poco::Net::HTTPResponse res;
    std::istream& in = session.receiveResponse(res);
    PeerHttpAnswer a;
    a.status = static_cast<int>(res.getStatus());
    if (!read_bounded(in, max_body, a.body))
      return make_error("peer_http", where + ": the answer is bigger than " +
                                         std::to_string(max_body) + " bytes");
    a.checksum = res.get("X-Tandem-Checksum", "");
    const std::string digest = a.checksum.empty() ? sha256_hex(a.body) : a.checksum;
    auto expected = peer_response_signature(secret_, headers.at("X-Tandem-Signature"), a.status, digest);
    if (!constant_time_equal(expected, res.get("X-Tandem-Signature", "")))
      return make_error("peer_auth", where + " answered " + std::to_string(a.status) +
                                         " without a valid node signature (is it a tandem node "
                                         "with the same actor.secret?)");
    return a;
  } catch (const Poco::Exception& e) {
    return make_error("peer_http", where + ": " + e.displayText());
  } catch (const std::exception& e) {
    return make_error("peer_http", where + ": " + e.what());
  }
}

}  // namespace tandem

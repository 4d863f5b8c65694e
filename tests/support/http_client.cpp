#include "tests/support/http_client.hpp"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

namespace tandem::test {

HttpAnswer http_request(int port, const std::string& method, const std::string& path,
                        const std::string& token, const std::string& body, int timeout_s) {
  return http_request_raw_auth(port, method, path, token.empty() ? "" : "Bearer " + token, body,
                               timeout_s);
}

HttpAnswer http_request_raw_auth(int port, const std::string& method, const std::string& path,
                                 const std::string& authorization, const std::string& body,
                                 int timeout_s) {
  try {
    Poco::Net::HTTPClientSession s("127.0.0.1", static_cast<Poco::UInt16>(port));
    s.setTimeout(Poco::Timespan(timeout_s, 0));
    Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    if (!authorization.empty()) req.set("Authorization", authorization);
    if (!body.empty() || method == "POST") {
      req.setContentType("application/json");
      req.setContentLength(static_cast<std::streamsize>(body.size()));
    }
    s.sendRequest(req) << body;
    Poco::Net::HTTPResponse resp;
    std::istream& in = s.receiveResponse(resp);
    HttpAnswer a;
    a.status = resp.getStatus();
    Poco::StreamCopier::copyToString(in, a.body);
    return a;
  } catch (const std::exception&) {
    return {};
  }
}

}  // namespace tandem::test

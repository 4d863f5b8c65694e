#include "cli/api_client.hpp"

#include <cctype>
#include <sstream>

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/StreamCopier.h>
#include <Poco/Timespan.h>

namespace tandem::cli {

Result<Endpoint> parse_url(const std::string& url) {
  auto bad = [&](const std::string& why) {
    return make_error("usage", "bad node URL \"" + url + "\": " + why, "--url");
  };
  std::string rest = url;
  if (rest.rfind("https://", 0) == 0)
    return bad("https is not supported by tandemctl; use http:// (e.g. through an SSH tunnel)");
  if (rest.rfind("http://", 0) == 0) rest = rest.substr(7);
  else if (rest.find("://") != std::string::npos) return bad("only http:// URLs are understood");

  Endpoint ep;
  std::size_t slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  if (slash != std::string::npos) {
    ep.base_path = rest.substr(slash);
    while (!ep.base_path.empty() && ep.base_path.back() == '/') ep.base_path.pop_back();
  }
  std::size_t colon = hostport.rfind(':');
  if (!hostport.empty() && hostport.front() == '[') {  // [::1]:8080
    std::size_t close = hostport.find(']');
    if (close == std::string::npos) return bad("unclosed [ in the host");
    ep.host = hostport.substr(1, close - 1);
    colon = close + 1 < hostport.size() && hostport[close + 1] == ':' ? close + 1 : std::string::npos;
  } else {
    ep.host = hostport.substr(0, colon);
  }
  if (ep.host.empty()) return bad("no host");
  if (colon != std::string::npos) {
    std::string port = hostport.substr(colon + 1);
    bool digits = !port.empty() && port.size() <= 5;
    for (char c : port) digits = digits && std::isdigit(static_cast<unsigned char>(c));
    int n = digits ? std::stoi(port) : 0;
    if (n < 1 || n > 65535) return bad("the port must be a number from 1 to 65535");
    ep.port = n;
  }
  return ep;
}

std::string url_encode(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string ApiAnswer::error_text() const {
  if (body.is_object() && body.contains("error") && body["error"].is_string()) {
    std::string msg = body["error"].get<std::string>();
    if (body.contains("field") && body["field"].is_string() && !body["field"].get<std::string>().empty())
      return body["field"].get<std::string>() + ": " + msg;
    return msg;
  }
  if (!raw.empty() && raw.size() < 200) return raw;
  return "HTTP " + std::to_string(status);
}

ApiClient::ApiClient(Endpoint endpoint, std::string token, std::string url_text, int timeout_s)
    : endpoint_(std::move(endpoint)), token_(std::move(token)), url_text_(std::move(url_text)),
      timeout_s_(timeout_s) {}

Result<ApiAnswer> ApiClient::get(const std::string& path) const { return send("GET", path, ""); }

Result<ApiAnswer> ApiClient::post(const std::string& path, const nlohmann::json& body) const {
  return send("POST", path, body.dump());
}

Result<ApiAnswer> ApiClient::send(const std::string& method, const std::string& path,
                                  const std::string& body) const {
  auto unreachable = [&](const std::string& why) {
    return make_error("connection", "cannot reach the node at " + url_text_ + ": " + why);
  };
  try {
    Poco::Net::HTTPClientSession session(endpoint_.host, static_cast<Poco::UInt16>(endpoint_.port));
    session.setTimeout(Poco::Timespan(timeout_s_, 0));
    Poco::Net::HTTPRequest req(method, endpoint_.base_path + path, Poco::Net::HTTPMessage::HTTP_1_1);
    req.set("Authorization", "Bearer " + token_);
    req.set("Accept", "application/json");
    if (method == "POST") {
      req.setContentType("application/json");
      req.setContentLength(static_cast<std::streamsize>(body.size()));
    }
    std::ostream& os = session.sendRequest(req);
    if (method == "POST") os << body;
    Poco::Net::HTTPResponse resp;
    std::istream& is = session.receiveResponse(resp);
    ApiAnswer a;
    a.status = static_cast<int>(resp.getStatus());
    std::ostringstream text;
    Poco::StreamCopier::copyStream(is, text);
    a.raw = text.str();
    a.body = nlohmann::json::parse(a.raw, nullptr, false);
    return a;
  } catch (const Poco::Net::ConnectionRefusedException&) {
    return unreachable("connection refused (is tandemd running, and is this its http.listen address?)");
  } catch (const Poco::TimeoutException&) {
    return unreachable("no answer within " + std::to_string(timeout_s_) + " s");
  } catch (const Poco::Net::HostNotFoundException&) {
    return unreachable("unknown host \"" + endpoint_.host + "\"");
  } catch (const Poco::Exception& e) {
    return unreachable(e.displayText());
  } catch (const std::exception& e) {
    return unreachable(e.what());
  }
}

}  // namespace tandem::cli

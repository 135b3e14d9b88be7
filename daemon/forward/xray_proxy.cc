#include "daemon/forward/xray_proxy.h"

#include <chrono>
#include <utility>

#include "daemon/aws/sigv4.h"
#include "daemon/forward/forward_batch.h"

namespace xrayd::daemon {

XrayProxy::XrayProxy(XrayProxyOptions options, CredentialsProvider& credentials, Metrics& metrics)
    : options_(std::move(options)), credentials_(credentials), metrics_(metrics) {
  while (!options_.endpoint.empty() && options_.endpoint.back() == '/') {
    options_.endpoint.pop_back();
  }
}

XrayProxy::~XrayProxy() = default;

std::unique_ptr<HttpClient> XrayProxy::Borrow() {
  std::lock_guard lock(mu_);
  if (idle_.empty()) {
    return std::make_unique<HttpClient>(options_.http);
  }
  auto client = std::move(idle_.back());
  idle_.pop_back();
  return client;
}

void XrayProxy::Return(std::unique_ptr<HttpClient> client) {
  std::lock_guard lock(mu_);
  idle_.push_back(std::move(client));
}

HttpResponse XrayProxy::Handle(const HttpRequest& request) {
  auto url = ParseUrl(options_.endpoint);
  if (!url) {
    return JsonError(502, "BadGatewayException", "bad X-Ray endpoint: " + url.error().message);
  }
  auto credentials = credentials_.Get();
  if (!credentials) {
    metrics_.forward.CountError(ForwardErrorKind::kCredentials);
    return JsonError(502, "BadGatewayException",
                     "xrayd has no AWS credentials to sign the proxied request");
  }
  const std::size_t q = request.target.find('?');
  SigningRequest signing;
  signing.method = request.method;
  signing.host = url->HostHeader();
  signing.path = request.target.substr(0, q);
  signing.query = q == std::string::npos ? "" : request.target.substr(q + 1);
  std::string content_type = "application/json";
  if (auto it = request.headers.find("content-type"); it != request.headers.end()) {
    content_type = it->second;
  }
  signing.headers = {{"content-type", content_type}};
  signing.body = request.body;
  auto signed_headers =
      SignRequest(signing, *credentials, options_.region, "xray", std::chrono::system_clock::now());
  if (!signed_headers) {
    return JsonError(502, "BadGatewayException", "cannot sign: " + signed_headers.error().message);
  }
  ClientRequest upstream;
  upstream.method = request.method;
  upstream.url = options_.endpoint + request.target;
  upstream.timeout = options_.timeout;
  upstream.headers.emplace_back("Host", signing.host);
  upstream.headers.emplace_back("Content-Type", content_type);
  for (auto& [name, value] : *signed_headers) {
    upstream.headers.emplace_back(name, value);
  }
  upstream.body = request.body;
  metrics_.forward.proxied.fetch_add(1, std::memory_order_relaxed);
  auto client = Borrow();
  auto answer = client->Send(upstream);
  Return(std::move(client));
  if (!answer) {
    const HttpErrorKind kind = answer.error().kind;
    metrics_.forward.CountError(ForwardErrorKindOf(kind));
    return JsonError(502, "BadGatewayException",
                     std::string("X-Ray endpoint unreachable (") + HttpErrorKindName(kind) + ")");
  }
  HttpResponse response;
  response.status = answer->status;
  response.body = std::move(answer->body);
  if (std::string type = answer->Header("content-type"); !type.empty()) {
    response.content_type = type;
  }
  for (const char* name : {"x-amzn-ErrorType", "x-amzn-RequestId"}) {
    if (std::string value = answer->Header(name); !value.empty()) {
      response.headers.emplace_back(name, value);
    }
  }
  return response;
}

void XrayProxy::Register(ApiRouter& router, XrayProxy& proxy) {
  auto handler = [&proxy](const HttpRequest& request) { return proxy.Handle(request); };
  router.Add("POST", "/GetSamplingRules", handler);
  router.Add("POST", "/SamplingTargets", handler);
  router.SetFallback(handler);
}

}  // namespace xrayd::daemon

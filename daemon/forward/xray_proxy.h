#pragma once
// XrayProxy: the TCP port's reverse proxy to AWS X-Ray when forwarding
// (docs/daemon-protocol.md#tcp-port, docs/sampling.md#sdk-polling-through-the-tcp-port). A request
// xrayd does not answer itself (and, when forwarding, the SDKs' sampling calls POST
// /GetSamplingRules and /SamplingTargets) is signed with the daemon's credentials (SigV4, service
// xray) and sent to the X-Ray endpoint; the answer (status, body, content type, X-Ray error
// headers) goes back unchanged. Offline, nothing is proxied and the local handlers answer.
// Thread-safe: Handle runs on the HTTP threads; each call borrows an HttpClient from a pool.

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "daemon/api/api_router.h"
#include "daemon/aws/aws_credentials.h"
#include "daemon/core/metrics.h"
#include "daemon/net/http_client.h"

namespace xrayd::daemon {

struct XrayProxyOptions {
  std::string endpoint;  // "https://xray.us-east-1.amazonaws.com"
  std::string region;
  std::chrono::milliseconds timeout{5000};
  HttpClientOptions http;
};

class XrayProxy {
 public:
  // `credentials` and `metrics` must outlive the proxy.
  XrayProxy(XrayProxyOptions options, CredentialsProvider& credentials, Metrics& metrics);
  ~XrayProxy();
  XrayProxy(const XrayProxy&) = delete;
  XrayProxy& operator=(const XrayProxy&) = delete;

  // Relays `request` upstream. 502 BadGatewayException (X-Ray error shape) when the endpoint cannot
  // be reached or no credentials are available; upstream errors are passed through as they are.
  HttpResponse Handle(const HttpRequest& request);

  // Routes the sampling paths to this proxy (overriding local handlers) and makes it the router's
  // fallback. `proxy` must outlive the router's use.
  static void Register(ApiRouter& router, XrayProxy& proxy);

 private:
  std::unique_ptr<HttpClient> Borrow();
  void Return(std::unique_ptr<HttpClient> client);

  XrayProxyOptions options_;
  CredentialsProvider& credentials_;
  Metrics& metrics_;
  std::mutex mu_;
  std::vector<std::unique_ptr<HttpClient>> idle_;  // GUARDED_BY(mu_)
};

}  // namespace xrayd::daemon

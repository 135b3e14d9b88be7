// Forwarding through an HTTP proxy: the real xrayd process, a fake CONNECT proxy and the
// fake X-Ray endpoint over HTTPS, all on 127.0.0.1. The daemon verifies the endpoint's test-made
// certificate through the tunnel (SSL_CERT_FILE points OpenSSL's default store at it).

#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/integration/daemon_process_support.h"
#include "tests/integration/fake_connect_proxy_support.h"
#include "tests/integration/fake_xray_support.h"
#include "tests/support/wait_until.h"

namespace xrayd::testing_support {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Sets (or, for nullopt, unsets) environment variables the daemon child inherits; restores them.
class ScopedEnv {
 public:
  explicit ScopedEnv(const std::map<std::string, std::optional<std::string>>& values) {
    for (const auto& [name, value] : values) {
      const char* old = getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe)
      saved_[name] = old != nullptr ? std::optional<std::string>(old) : std::nullopt;
      Apply(name, value);
    }
  }
  ~ScopedEnv() {
    for (const auto& [name, value] : saved_) {
      Apply(name, value);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  static void Apply(const std::string& name, const std::optional<std::string>& value) {
    if (value) {
      setenv(name.c_str(), value->c_str(), 1);  // NOLINT(concurrency-mt-unsafe)
    } else {
      unsetenv(name.c_str());  // NOLINT(concurrency-mt-unsafe)
    }
  }
  std::map<std::string, std::optional<std::string>> saved_;
};

// Test credentials, no EC2 metadata, no proxy variables unless a test sets them, and OpenSSL's
// default CA store = the fake endpoint's self-signed certificate (`ca_file`; "" leaves it alone).
std::map<std::string, std::optional<std::string>> BaseEnv(const std::string& ca_file) {
  std::map<std::string, std::optional<std::string>> env = {
      {"AWS_ACCESS_KEY_ID", kTestAccessKeyId},
      {"AWS_SECRET_ACCESS_KEY", kTestSecretKey},
      {"AWS_EC2_METADATA_DISABLED", "true"},
      {"AWS_SESSION_TOKEN", std::nullopt},
      {"HTTPS_PROXY", std::nullopt},
      {"https_proxy", std::nullopt},
      {"HTTP_PROXY", std::nullopt},
      {"http_proxy", std::nullopt},
      {"NO_PROXY", std::nullopt},
      {"no_proxy", std::nullopt},
  };
  env["SSL_CERT_FILE"] = ca_file.empty() ? std::nullopt : std::optional<std::string>(ca_file);
  return env;
}

std::string Key(int run, int n) {
  char trace[64];
  char id[17];
  std::snprintf(trace, sizeof trace, "1-5759e988-%08x%016x", run, n);
  std::snprintf(id, sizeof id, "%016x", 0x3000000 * run + n + 1);
  return std::string(trace) + "/" + id;
}

std::string Datagram(int run, int n) {
  const std::string key = Key(run, n);
  return "{\"format\":\"json\",\"version\":1}\n{\"trace_id\":\"" + key.substr(0, key.find('/')) +
         "\",\"id\":\"" + key.substr(key.find('/') + 1) +
         "\",\"name\":\"svc\",\"start_time\":1700000000.5,\"end_time\":1700000001.25}";
}

void SendRange(const DaemonProcess& daemon, int run, int from, int to) {
  for (int n = from; n < to; ++n) {
    SendUdp(daemon.UdpPort(), Datagram(run, n));
  }
}

::testing::AssertionResult AllDelivered(const FakeXray& fake, int run, int count,
                                        std::chrono::seconds timeout) {
  int found = 0;
  const bool all = WaitUntil(
      [&] {
        const std::set<std::string> ids = fake.AcceptedIds();
        found = 0;
        for (int n = 0; n < count; ++n) {
          found += ids.count(Key(run, n)) > 0 ? 1 : 0;
        }
        return found == count;
      },
      timeout, milliseconds(100));
  if (all) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << found << " of " << count << " documents reached X-Ray";
}

class ForwardProxyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The proxy cuts tunnels under FakeXray, whose TLS writes (SSL_write, SSL_shutdown) would
    // then raise SIGPIPE and end the whole test binary.
    signal(SIGPIPE, SIG_IGN);  // NOLINT(cert-err33-c): nothing to do if it fails.
    dir_ = MakeTempDir("forward-proxy");
    tls_ = MakeSelfSignedCertificate(dir_);
    ASSERT_FALSE(tls_.cert.empty()) << "openssl CLI failed";
    fake_ =
        std::make_unique<FakeXray>(FakeXray::Options{.cert_file = tls_.cert, .key_file = tls_.key});
    ASSERT_EQ(fake_->Url().rfind("https://127.0.0.1:", 0), 0u);
  }

  std::vector<std::string> Args(std::vector<std::string> extra = {}) const {
    std::vector<std::string> args = {"-n", "us-east-1", "--endpoint", fake_->Url()};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  std::string FakeTarget() const { return "127.0.0.1:" + std::to_string(fake_->Port()); }

  // Waits until the spool gauge reads `documents`; returns the last value.
  static std::int64_t WaitForSpool(DaemonProcess& daemon, std::int64_t documents) {
    std::int64_t value = -1;
    (void)WaitUntil(
        [&] {
          value = daemon.Metric("xrayd_forward_spool_documents");
          return value == documents;
        },
        seconds(20), milliseconds(100));
    return value;  // The caller checks it.
  }

  std::string dir_;
  TlsFiles tls_;
  std::unique_ptr<FakeXray> fake_;
};

TEST_F(ForwardProxyTest, ExplicitProxyTunnelsToTheVerifiedEndpoint) {
  ScopedEnv env(BaseEnv(tls_.cert));
  FakeConnectProxy proxy;
  const std::string proxy_url = "http://xuser:xpass@127.0.0.1:" + std::to_string(proxy.Port());
  DaemonProcess daemon(dir_ + "/data", Args({"-p", proxy_url}), /*offline=*/false);
  ASSERT_TRUE(daemon.Started());
  SendRange(daemon, 1, 0, 150);
  EXPECT_TRUE(AllDelivered(*fake_, 1, 150, seconds(30))) << daemon.Log();
  EXPECT_EQ(fake_->SignatureFailures(), 0u) << fake_->LastSignatureError();
  EXPECT_GE(proxy.Tunnels(), 1u);
  EXPECT_LE(proxy.Tunnels(), fake_->Requests());  // Tunnels are kept alive, never one per try.
  for (const std::string& target : proxy.Targets()) {
    EXPECT_EQ(target, FakeTarget());
  }
  EXPECT_EQ(proxy.LastProxyAuthorization(), "Basic eHVzZXI6eHBhc3M=");  // "xuser:xpass"
  const std::string log = daemon.Log();
  EXPECT_NE(log.find("proxy=127.0.0.1:" + std::to_string(proxy.Port()) + " (-p)"),
            std::string::npos)
      << log;
  EXPECT_EQ(log.find("xpass"), std::string::npos) << log;
}

TEST_F(ForwardProxyTest, SamplingCallsAreRelayedThroughTheProxy) {
  ScopedEnv env(BaseEnv(tls_.cert));
  FakeConnectProxy proxy;
  DaemonProcess daemon(dir_ + "/data", Args({"-p", proxy.Url()}), /*offline=*/false);
  ASSERT_TRUE(daemon.Started());
  const std::size_t before = proxy.Tunnels();
  HttpResult rules = HttpPost(daemon.TcpPort(), "/GetSamplingRules", "{}");
  EXPECT_EQ(rules.status, 200) << rules.body << daemon.Log();
  EXPECT_NE(rules.body.find("\"proxied\":\"/GetSamplingRules\""), std::string::npos) << rules.body;
  EXPECT_EQ(fake_->ProxiedRequests(), 1u);
  EXPECT_EQ(fake_->SignatureFailures(), 0u) << fake_->LastSignatureError();
  EXPECT_EQ(proxy.Tunnels(), before + 1);  // Through its own tunnel, to the endpoint.
  EXPECT_EQ(proxy.Targets().back(), FakeTarget());
  // The proxy refusing: a 502 in X-Ray's error shape, counted as a proxy error.
  proxy.SetRefuseStatus(407);
  // Cuts the kept-alive tunnel and keeps accepting new ones.
  proxy.CutTunnels();
  // Calls may still meet kept-alive tunnels being cut (network or TLS errors, other kinds) until
  // the cut reaches every pooled connection; later ones open a new tunnel and get the 407.
  std::string answers;
  EXPECT_TRUE(WaitUntil(
      [&] {
        HttpResult refused = HttpPost(daemon.TcpPort(), "/GetSamplingRules", "{}");
        EXPECT_EQ(refused.status, 502) << refused.body;
        answers += refused.body + "\n";
        return daemon.Metric("xrayd_forward_errors_total{kind=\"proxy\"}") >= 1;
      },
      seconds(10), milliseconds(100)));
  EXPECT_GE(daemon.Metric("xrayd_forward_errors_total{kind=\"proxy\"}"), 1) << answers;
}

TEST_F(ForwardProxyTest, TunnelledTlsIsStillVerifiedAgainstTheEndpoint) {
  // Without the test CA the endpoint's self-signed certificate is refused, tunnel or not.
  ScopedEnv env(BaseEnv(""));
  FakeConnectProxy proxy;
  DaemonProcess daemon(dir_ + "/data", Args({"-p", proxy.Url()}), /*offline=*/false);
  ASSERT_TRUE(daemon.Started());
  SendRange(daemon, 2, 0, 10);
  EXPECT_GE(daemon.WaitForMetric("xrayd_forward_errors_total{kind=\"tls\"}", 1), 1) << daemon.Log();
  EXPECT_GE(proxy.Tunnels(), 1u);
  EXPECT_EQ(fake_->AcceptedDocuments(), 0u);
  EXPECT_EQ(WaitForSpool(daemon, 10), 10);
}

TEST_F(ForwardProxyTest, HttpsProxyFromTheEnvironment) {
  FakeConnectProxy proxy;
  auto values = BaseEnv(tls_.cert);
  values["HTTPS_PROXY"] = proxy.Url();
  ScopedEnv env(values);
  DaemonProcess daemon(dir_ + "/data", Args(), /*offline=*/false);
  ASSERT_TRUE(daemon.Started());
  SendRange(daemon, 3, 0, 120);
  EXPECT_TRUE(AllDelivered(*fake_, 3, 120, seconds(30))) << daemon.Log();
  EXPECT_GE(proxy.Tunnels(), 1u);
  EXPECT_EQ(proxy.LastProxyAuthorization(), "");
  for (const std::string& target : proxy.Targets()) {
    EXPECT_EQ(target, FakeTarget());
  }
  EXPECT_NE(daemon.Log().find("proxy=127.0.0.1:" + std::to_string(proxy.Port()) + " (HTTPS_PROXY)"),
            std::string::npos)
      << daemon.Log();
}

TEST_F(ForwardProxyTest, NoProxyBypassesTheEnvironmentProxy) {
  FakeConnectProxy proxy;
  auto values = BaseEnv(tls_.cert);
  values["HTTPS_PROXY"] = proxy.Url();
  values["NO_PROXY"] = "localhost,127.0.0.1";
  ScopedEnv env(values);
  DaemonProcess daemon(dir_ + "/data", Args(), /*offline=*/false);
  ASSERT_TRUE(daemon.Started());
  SendRange(daemon, 4, 0, 120);
  EXPECT_TRUE(AllDelivered(*fake_, 4, 120, seconds(30))) << daemon.Log();
  EXPECT_EQ(proxy.ConnectRequests(), 0u);
  EXPECT_NE(daemon.Log().find("proxy=none (NO_PROXY matches 127.0.0.1)"), std::string::npos)
      << daemon.Log();
}

TEST_F(ForwardProxyTest, RefusingProxyKeepsDocumentsSpooledUntilItIsBack) {
  ScopedEnv env(BaseEnv(tls_.cert));
  FakeConnectProxy proxy;
  proxy.SetDown(true);
  DaemonProcess daemon(dir_ + "/data", Args({"-p", proxy.Url()}), /*offline=*/false);
  ASSERT_TRUE(daemon.Started());
  constexpr int kCount = 80;
  SendRange(daemon, 5, 0, kCount);
  EXPECT_GE(daemon.WaitForMetric("xrayd_forward_errors_total{kind=\"refused\"}", 2), 2)
      << daemon.Log();
  EXPECT_EQ(WaitForSpool(daemon, kCount), kCount);
  EXPECT_EQ(fake_->AcceptedDocuments(), 0u);
  EXPECT_NE(daemon.Log().find("proxy 127.0.0.1:" + std::to_string(proxy.Port())), std::string::npos)
      << daemon.Log();
  proxy.SetDown(false);
  EXPECT_TRUE(AllDelivered(*fake_, 5, kCount, seconds(30))) << daemon.Log();
  EXPECT_EQ(WaitForSpool(daemon, 0), 0);
  EXPECT_GE(proxy.Tunnels(), 1u);
}

TEST_F(ForwardProxyTest, ProxyAnswering407KeepsDocumentsSpooledUntilItAllows) {
  ScopedEnv env(BaseEnv(tls_.cert));
  FakeConnectProxy proxy;
  proxy.SetRefuseStatus(407);
  DaemonProcess daemon(dir_ + "/data",
                       Args({"-p", "http://u:wrongpass@127.0.0.1:" + std::to_string(proxy.Port())}),
                       /*offline=*/false);
  ASSERT_TRUE(daemon.Started());
  constexpr int kCount = 60;
  SendRange(daemon, 6, 0, kCount);
  EXPECT_GE(daemon.WaitForMetric("xrayd_forward_errors_total{kind=\"proxy\"}", 2), 2)
      << daemon.Log();
  EXPECT_EQ(WaitForSpool(daemon, kCount), kCount);
  EXPECT_EQ(fake_->AcceptedDocuments(), 0u);
  EXPECT_GE(proxy.ConnectRequests(), 2u);
  EXPECT_EQ(proxy.Tunnels(), 0u);
  const std::string log = daemon.Log();
  EXPECT_NE(log.find("proxy 127.0.0.1:" + std::to_string(proxy.Port()) + " answered CONNECT " +
                     FakeTarget() + " with 407"),
            std::string::npos)
      << log;
  EXPECT_EQ(log.find("wrongpass"), std::string::npos) << log;
  proxy.SetRefuseStatus(0);
  EXPECT_TRUE(AllDelivered(*fake_, 6, kCount, seconds(30))) << daemon.Log();
  EXPECT_EQ(WaitForSpool(daemon, 0), 0);
}

}  // namespace
}  // namespace xrayd::testing_support

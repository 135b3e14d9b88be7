// A standalone fake X-Ray endpoint for the forwarding benchmark (bench/run-forward-bench.sh):
// tests/integration/fake_xray_support's FakeXray on 127.0.0.1, counting only (no document kept).
//   fake_xray_server [--no-verify] [--tls-dir DIR]
// Prints "port N" then, every 200 ms, "accepted A requests R max_batch M bad_signatures S".
// Runs until SIGINT/SIGTERM.

#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "tests/integration/fake_xray_support.h"

namespace {
std::atomic<bool> g_stop{false};
void OnSignal(int) {
  g_stop.store(true);
}
}  // namespace

int main(int argc, char** argv) {
  xrayd::testing_support::FakeXray::Options options;
  options.record_documents = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--no-verify") == 0) {
      options.verify_signatures = false;
    } else if (std::strcmp(argv[i], "--tls-dir") == 0 && i + 1 < argc) {
      const auto files = xrayd::testing_support::MakeSelfSignedCertificate(argv[++i]);
      options.cert_file = files.cert;
      options.key_file = files.key;
    } else {
      std::fprintf(stderr, "usage: fake_xray_server [--no-verify] [--tls-dir DIR]\n");
      return 2;
    }
  }
  signal(SIGINT, OnSignal);
  signal(SIGTERM, OnSignal);
  xrayd::testing_support::FakeXray fake(options);
  std::printf("port %u\n", static_cast<unsigned>(fake.Port()));
  std::fflush(stdout);
  while (!g_stop.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    std::printf("accepted %zu requests %zu max_batch %zu bad_signatures %zu\n",
                fake.AcceptedDocuments(), fake.Requests(), fake.MaxBatch(),
                fake.SignatureFailures());
    std::fflush(stdout);
  }
  return 0;
}

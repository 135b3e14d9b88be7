#include "daemon/daemon.h"

#include <filesystem>
#include <system_error>

#include <spdlog/spdlog.h>

#include "daemon/checkpointer.h"
#include "daemon/forward_setup.h"
#include "daemon/forward/forwarder.h"
#include "daemon/api/group_counts.h"
#include "daemon/api/group_lookup.h"
#include "daemon/api/http_server.h"
#include "daemon/ingest/ingest_queue.h"
#include "daemon/retention.h"
#include "daemon/ingest/storage_writer.h"
#include "daemon/forward/xray_proxy.h"
#include "daemon/summary_worker.h"
#include "daemon/ingest/udp_listener.h"
#include "daemon/api/xray_api.h"
#include "storage/trace_store.h"

namespace xrayd::daemon {

struct Daemon::Impl {
  explicit Impl(DaemonConfig c)
      : config(std::move(c)), queue(config.queue_capacity_bytes, &metrics) {}

  void AddRoutes() {
    router.Add("GET", "/healthz", [](const HttpRequest&) {
      HttpResponse response;
      response.body = "ok\n";
      return response;
    });
    router.Add("GET", "/metrics", [this](const HttpRequest&) {
      HttpResponse response;
      response.content_type = "text/plain; version=0.0.4; charset=utf-8";
      response.body = RenderPrometheus(metrics);
      return response;
    });
    api = ApiServices{.metrics = &metrics, .queue = &queue, .traces = readers.get()};
    // X-Ray API families (daemon/xray_api.h) register here.
    api.state = state.get();
    api.groups = MakeGroupLookup(*state);
    api.resolve_graph_group = MakeGraphGroupResolver(*readers, api.groups);
    RegisterTraceApi(router, api);
    RegisterGroupApi(router, api);
    RegisterSamplingApi(router, api);
    RegisterGraphApi(router, api);
    if (proxy) {
      // Last: when forwarding, sampling and unknown X-Ray paths go upstream (docs/daemon-protocol.md#tcp-port, docs/sampling.md#sdk-polling-through-the-tcp-port).
      XrayProxy::Register(router, *proxy);
    }
  }

  DaemonConfig config;
  Metrics metrics;
  IngestQueue queue;
  std::unique_ptr<storage::TraceStore> store;
  std::unique_ptr<StorageWriter> writer;
  std::unique_ptr<Checkpointer> checkpointer;
  std::unique_ptr<Retention> retention;  // Deletes old traces; refreshes the store gauges.
  ForwardSetup forwarding;                // Decided at Start (daemon/forward_setup.h).
  std::unique_ptr<Forwarder> forwarder;  // Null when offline.
  std::unique_ptr<XrayProxy> proxy;      // Null when offline.
  std::unique_ptr<SummaryWorker> summaries;
  std::unique_ptr<UdpListener> udp;
  std::unique_ptr<ReaderPool> readers;
  std::unique_ptr<storage::StateStore> state;  // state.db: groups and sampling rules.
  ApiServices api;
  ApiRouter router;
  std::unique_ptr<HttpServer> http;
  bool running = false;
};

Daemon::Daemon(DaemonConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}

Daemon::~Daemon() {
  Stop();
}

Status Daemon::Start() {
  Impl& d = *impl_;
  std::error_code fs_error;
  std::filesystem::create_directories(d.config.data_dir, fs_error);
  if (fs_error) {
    return MakeError(ErrorCode::kIOError,
                     "cannot create data dir " + d.config.data_dir + ": " + fs_error.message());
  }
  auto store = storage::TraceStore::Open(d.config.StorePath(),
                                         storage::OpenMode::kReadWriteNoAutoCheckpoint);
  if (!store) {
    return tl::unexpected(store.error());
  }
  d.store = std::move(*store);
  d.checkpointer = std::make_unique<Checkpointer>(d.config.StorePath(),
                                                  std::chrono::milliseconds(250), d.metrics);
  if (Status s = d.checkpointer->Start(); !s) {
    return s;
  }
  // Forwarding: the forwarder reads the spool the writer fills in its transactions.
  d.forwarding = ResolveForwarding(d.config, ProcessEnvironment());
  StorageWriterOptions writer_options{.max_batch_documents = d.config.writer_batch_documents,
                                      .max_batch_bytes = d.config.writer_batch_bytes};
  if (d.forwarding.enabled) {
    d.forwarder = std::make_unique<Forwarder>(ForwarderOptionsFor(d.config, d.forwarding),
                                              *d.forwarding.credentials, d.metrics);
    if (Status s = d.forwarder->Start(); !s) {
      d.checkpointer->Stop();
      return s;
    }
    XrayProxyOptions proxy_options;
    proxy_options.endpoint = d.forwarding.endpoint;
    proxy_options.region = d.forwarding.region;
    proxy_options.http.verify_tls = !d.config.no_verify_ssl;
    proxy_options.http.proxy = d.forwarding.proxy;  // -p / HTTPS_PROXY / NO_PROXY.
    d.proxy = std::make_unique<XrayProxy>(proxy_options, *d.forwarding.credentials, d.metrics);
    writer_options.forward_spool = true;
    writer_options.forward_acked = &d.forwarder->Acknowledged();
  }
  d.writer = std::make_unique<StorageWriter>(d.queue, *d.store, d.metrics, writer_options);
  d.writer->Start();
  // Retention; on a later start-up failure its destructor stops it.
  d.retention =
      std::make_unique<Retention>(d.config.StorePath(),
                                  RetentionOptions{.max_age = d.config.retention_max_age,
                                                   .max_bytes = d.config.retention_max_bytes,
                                                   .interval = d.config.retention_interval},
                                  d.metrics);
  if (Status s = d.retention->Start(); !s) {
    d.writer->Stop();
    d.checkpointer->Stop();
    return s;
  }

  // Groups and sampling rules live in their own file so trace retention never touches them.
  auto state = storage::StateStore::Open(d.config.data_dir + "/state.db");
  if (!state) {
    d.writer->Stop();
    d.checkpointer->Stop();
    return tl::unexpected(state.error());
  }
  d.state = std::move(*state);
  // Summaries for search; each new trace also counts towards its groups (docs/groups.md#approximatetracecount).
  d.summaries = std::make_unique<SummaryWorker>(
      d.config.StorePath(), SummaryWorkerOptions{}, d.metrics,
      MakeGroupCountingHook(*d.state, MakeGroupLookup(*d.state), d.metrics));
  if (Status s = d.summaries->Start(); !s) {
    d.writer->Stop();
    d.checkpointer->Stop();
    return s;
  }
  d.readers = std::make_unique<ReaderPool>(d.config.StorePath());
  d.AddRoutes();
  // Several HTTP threads so that a slow query never holds up SDK sampling polls.
  d.http = std::make_unique<HttpServer>(d.router, HttpServerOptions{.threads = 4});
  if (Status s = d.http->Start(d.config.tcp); !s) {
    d.summaries->Stop();
    d.writer->Stop();
    d.checkpointer->Stop();
    return s;
  }
  d.udp = std::make_unique<UdpListener>(d.queue, d.metrics);
  if (Status s = d.udp->Start(d.config.udp, d.config.receive_buffer_bytes); !s) {
    d.http->Stop();
    d.summaries->Stop();
    d.writer->Stop();
    d.checkpointer->Stop();
    return s;
  }
  d.running = true;
  spdlog::info("xrayd {} listening udp={} tcp={} data_dir={} mode={} receive_buffer={}KiB",
               XRAYD_VERSION, d.udp->LocalEndpoint().ToString(), d.http->LocalEndpoint().ToString(),
               d.config.data_dir,
               d.forwarding.mode,
               d.udp->ReceiveBufferBytes() / 1024);
  return {};
}

void Daemon::Stop() {
  Impl& d = *impl_;
  if (!d.running) {
    return;
  }
  d.running = false;
  d.udp->Stop();
  if (d.forwarder) {
    d.forwarder->Stop();  // Before the writer, whose last transaction deletes what was sent.
  }
  d.writer->Stop();
  d.http->Stop();
  d.summaries->Stop();
  d.retention->Stop();
  d.checkpointer->Stop();
  d.store.reset();
  d.state.reset();
  spdlog::info(
      "xrayd stopped: {} documents stored, {} rejected datagrams, {} dropped",
      d.metrics.segments_stored.load(),
      [&] {
        std::uint64_t n = 0;
        for (const auto& c : d.metrics.rejected)
          n += c.load();
        return n;
      }(),
      [&] {
        std::uint64_t n = 0;
        for (const auto& c : d.metrics.dropped)
          n += c.load();
        return n;
      }());
}

Endpoint Daemon::UdpEndpoint() const {
  return impl_->udp->LocalEndpoint();
}
Endpoint Daemon::TcpEndpoint() const {
  return impl_->http->LocalEndpoint();
}
const Metrics& Daemon::GetMetrics() const {
  return impl_->metrics;
}

}  // namespace xrayd::daemon

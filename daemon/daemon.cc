#include "daemon/daemon.h"

#include <filesystem>
#include <functional>
#include <system_error>
#include <vector>

#include <spdlog/spdlog.h>

#include "daemon/alarms/alarm_actions.h"
#include "daemon/alarms/alarm_service.h"
#include "daemon/alarms/cloudwatch_api.h"
#include "daemon/api/group_counts.h"
#include "daemon/api/group_lookup.h"
#include "daemon/api/http_server.h"
#include "daemon/api/xray_api.h"
#include "daemon/api_security.h"
#include "daemon/checkpointer.h"
#include "daemon/console/console_routes.h"
#include "daemon/console/tail_hub.h"
#include "daemon/core/thread_priority.h"
#include "daemon/forward/forwarder.h"
#include "daemon/forward/xray_proxy.h"
#include "daemon/forward_setup.h"
#include "daemon/ingest/ingest_queue.h"
#include "daemon/ingest/storage_writer.h"
#include "daemon/ingest/udp_listener.h"
#include "daemon/otlp/otlp_grpc_server.h"
#include "daemon/otlp/otlp_receiver.h"
#include "daemon/retention.h"
#include "daemon/summary_worker.h"
#include "query/summarizer.h"
#include "query/trace_summary_row.h"
#include "storage/alarm_store.h"
#include "storage/frame_encoder.h"
#include "storage/trace_store.h"

namespace xrayd::daemon {

namespace {

// Undo actions of a start that has not finished. Unless Commit() is called, the destructor runs
// them in reverse order of Add, so a failing step leaves nothing of the earlier ones running.
class Rollback {
 public:
  Rollback() = default;
  ~Rollback() {
    for (auto undo = undo_.rbegin(); undo != undo_.rend(); ++undo) {
      (*undo)();
    }
  }
  Rollback(const Rollback&) = delete;
  Rollback& operator=(const Rollback&) = delete;

  // `undo` must not throw; it runs when the guard dies uncommitted.
  void Add(std::function<void()> undo) { undo_.push_back(std::move(undo)); }
  // Start succeeded: the undo actions are dropped, Stop tears down from now on.
  void Commit() { undo_.clear(); }

 private:
  std::vector<std::function<void()>> undo_;
};

// The OTLP receiver's settings (docs/otlp-mapping.md#annotations).
otlp::OtlpReceiverOptions OtlpOptions(const DaemonConfig& config) {
  otlp::OtlpReceiverOptions options;
  options.mapping.indexed_attributes.insert(config.otlp_index_attributes.begin(),
                                            config.otlp_index_attributes.end());
  options.mapping.index_all = config.otlp_index_all;
  return options;
}

}  // namespace

struct Daemon::Impl {
  explicit Impl(DaemonConfig c)
      : config(std::move(c)), queue(config.queue_capacity_bytes, &metrics) {}

  // Start's steps, in build order. Each registers in `rollback` how to undo what it started.
  Status OpenStore(Rollback& rollback);
  Status StartForwarding(Rollback& rollback);
  Status StartOtlpExport(Rollback& rollback);
  void StartWriter(Rollback& rollback);
  query::SummaryListener SummaryListenerFor();
  Status StartBackgroundThreads(Rollback& rollback);
  Status StartAlarms(Rollback& rollback);
  Status StartApi(Rollback& rollback);
  Status StartOtlpHttp(Rollback& rollback);
  Status StartOtlpGrpc(Rollback& rollback);
  Status StartUdp(Rollback& rollback);
  void AddRoutes();

  DaemonConfig config;
  Metrics metrics;
  IngestQueue queue;
  std::unique_ptr<storage::TraceStore> store;
  std::shared_ptr<const storage::FrameEncoder> frame_encoder;  // The store's, for the receivers.
  std::unique_ptr<StorageWriter> writer;
  std::unique_ptr<Checkpointer> checkpointer;
  std::unique_ptr<Retention> retention;  // Deletes old traces; refreshes the store gauges.
  ForwardSetup forwarding;               // Decided at Start (daemon/forward_setup.h).
  std::unique_ptr<Forwarder> forwarder;  // Null when offline.
  std::unique_ptr<XrayProxy> proxy;      // Null when offline.
  OtlpExportSetup otlp_export_setup;     // Decided at Start (daemon/forward_setup.h).
  std::unique_ptr<otlp_export::OtlpExporter> exporter;  // Null without --otlp-endpoint.
  std::unique_ptr<SummaryWorker> summaries;
  // New traces per group; told by the summary worker and by the writer (new traces stored in one
  // batch).
  std::unique_ptr<GroupTraceCounter> group_counter;
  std::unique_ptr<UdpListener> udp;
  std::unique_ptr<ReaderPool> readers;
  std::unique_ptr<storage::StateStore> state;  // state.db: groups and sampling rules.
  // Alarms (docs/alarms.md): their tables in state.db, the actions' thread, the evaluator.
  std::unique_ptr<storage::AlarmStore> alarm_store;
  std::unique_ptr<alarms::AlarmActions> alarm_actions;
  std::unique_ptr<alarms::AlarmService> alarm_service;
  ApiServices api;
  ApiRouter router;
  // The console's live tail (server-sent events); told by the summary worker of new summaries.
  // Searches through `router`; stopped before `http`.
  std::shared_ptr<console::TailHub> tail =
      std::make_shared<console::TailHub>([this](const HttpRequest& r) { return router.Handle(r); });
  std::unique_ptr<HttpServer> http;
  otlp::OtlpMetrics otlp_metrics;
  ApiRouter otlp_router;                  // POST /v1/traces alone, for the --otlp-http address.
  std::unique_ptr<HttpServer> otlp_http;  // Null when off, or when the default address was taken.
  otlp::OtlpMetrics otlp_grpc_metrics;
  std::unique_ptr<otlp::OtlpGrpcServer> otlp_grpc;  // Null as otlp_http.
  bool running = false;
};

// The data dir, the writer's store and the checkpointer that keeps its WAL short.
Status Daemon::Impl::OpenStore(Rollback& rollback) {
  std::error_code fs_error;
  std::filesystem::create_directories(config.data_dir, fs_error);
  if (fs_error) {
    return MakeError(ErrorCode::kIOError,
                     "cannot create data dir " + config.data_dir + ": " + fs_error.message());
  }
  auto opened =
      storage::TraceStore::Open(config.StorePath(), storage::OpenMode::kReadWriteNoAutoCheckpoint);
  if (!opened) {
    return tl::unexpected(opened.error());
  }
  store = std::move(*opened);
  // Taken before the writer thread starts: the store's connection is the writer's from then on.
  frame_encoder = store->SharedFrameEncoder();
  rollback.Add([this] { store.reset(); });
  checkpointer =
      std::make_unique<Checkpointer>(config.StorePath(), std::chrono::milliseconds(250), metrics);
  if (Status s = checkpointer->Start(); !s) {
    return s;
  }
  rollback.Add([this] { checkpointer->Stop(); });
  return {};
}

// Forwarding: the forwarder reads the spool the writer fills in its transactions; the proxy sends
// sampling and unknown X-Ray calls upstream. Neither exists when offline.
Status Daemon::Impl::StartForwarding(Rollback& rollback) {
  forwarding = ResolveForwarding(config, ProcessEnvironment());
  if (!forwarding.enabled) {
    return {};
  }
  forwarder = std::make_unique<Forwarder>(ForwarderOptionsFor(config, forwarding),
                                          *forwarding.credentials, metrics);
  if (Status s = forwarder->Start(); !s) {
    return s;
  }
  rollback.Add([this] { forwarder->Stop(); });
  XrayProxyOptions proxy_options;
  proxy_options.endpoint = forwarding.endpoint;
  proxy_options.region = forwarding.region;
  proxy_options.http.verify_tls = !config.no_verify_ssl;
  proxy_options.http.proxy = forwarding.proxy;  // -p / HTTPS_PROXY / NO_PROXY.
  proxy = std::make_unique<XrayProxy>(proxy_options, *forwarding.credentials, metrics);
  return {};
}

// OTLP export (docs/otlp-mapping.md#export): a second reader of the spool, with or without the
// forwarder (--offline turns off only the latter).
Status Daemon::Impl::StartOtlpExport(Rollback& rollback) {
  XRAYD_TRY_ASSIGN(otlp_export_setup, ResolveOtlpExport(config, ProcessEnvironment(), forwarding));
  if (!otlp_export_setup.enabled) {
    return {};
  }
  exporter = std::make_unique<otlp_export::OtlpExporter>(otlp_export_setup.options, metrics);
  if (Status s = exporter->Start(); !s) {
    return MakeError(s.error().code, "--otlp-endpoint: " + s.error().message);
  }
  rollback.Add([this] { exporter->Stop(); });
  spdlog::info("otlp export: stored documents are sent to {}", otlp_export_setup.mode);
  return {};
}

void Daemon::Impl::StartWriter(Rollback& rollback) {
  StorageWriterOptions writer_options{.max_batch_documents = config.writer_batch_documents,
                                      .max_batch_bytes = config.writer_batch_bytes};
  if (forwarder) {
    writer_options.forward_spool = true;
    writer_options.forward_acked = &forwarder->Acknowledged();
  }
  if (exporter) {
    writer_options.forward_spool = true;
    writer_options.export_acked = &exporter->Acknowledged();
  }
  // Summaries in the documents' transaction: a new trace's, and those of traces that gain documents
  // while the writer keeps their facts.
  writer_options.new_trace_summarizer = query::TraceSummaryRowOf;
  writer_options.on_committed = [listener = SummaryListenerFor(), store = store.get()](
                                    std::span<const proto::Document> docs,
                                    const storage::PutStats& stats, double received_at) {
    query::ReportIngestSummaries(
        docs, stats, received_at, listener,
        [store](const proto::Document& doc) { return store->DocumentJson(doc); },
        [store](const std::string& trace_id) { return store->GetDocuments(trace_id); });
  };
  writer = std::make_unique<StorageWriter>(queue, *store, metrics, writer_options);
  writer->Start();
  rollback.Add([this] {
    if (forwarder) {
      forwarder->Stop();  // As in Stop: before the writer's last transaction.
    }
    if (exporter) {
      exporter->Stop();
    }
    writer->Stop();
  });
}

// What the summary worker and the writer report summaries to: the group counter, and the live
// tail, which only hears that something changed and searches on its own thread.
query::SummaryListener Daemon::Impl::SummaryListenerFor() {
  return query::SummaryListener{
      .on_trace =
          [this](const query::ModelSource& model, double first_received, bool first_summary) {
            if (first_summary) {
              group_counter->Count(model, first_received);
            }
          },
      .on_round_end =
          [this, tail = tail] {
            group_counter->Flush();
            tail->Notify();
          }};
}

// Retention, then state.db, the group counter and the summary worker.
Status Daemon::Impl::StartBackgroundThreads(Rollback& rollback) {
  retention = std::make_unique<Retention>(config.StorePath(),
                                          RetentionOptions{.max_age = config.retention_max_age,
                                                           .max_bytes = config.retention_max_bytes,
                                                           .interval = config.retention_interval},
                                          metrics);
  if (Status s = retention->Start(); !s) {
    return s;
  }
  rollback.Add([this] { retention->Stop(); });
  // Groups and sampling rules live in their own file so trace retention never touches them.
  auto opened = storage::StateStore::Open(config.data_dir + "/state.db");
  if (!opened) {
    return tl::unexpected(opened.error());
  }
  state = std::move(*opened);
  rollback.Add([this] { state.reset(); });
  if (Status s = StartAlarms(rollback); !s) {
    return s;
  }
  // Summaries for search; each new trace also counts towards its groups
  // (docs/groups.md#approximatetracecount) and their alarms' per-minute metric.
  group_counter = std::make_unique<GroupTraceCounter>(
      *state, MakeGroupLookup(*state), metrics,
      [this](const std::string& group, double minute, std::uint64_t traces) {
        alarm_service->CountGroupTrace(group, minute, static_cast<std::int64_t>(traces));
      });
  summaries = std::make_unique<SummaryWorker>(config.StorePath(), SummaryWorkerOptions{}, metrics,
                                              SummaryListenerFor());
  if (Status s = summaries->Start(); !s) {
    return s;
  }
  rollback.Add([this] { summaries->Stop(); });
  return {};
}

// The alarms' tables in state.db, the actions' delivery thread and the evaluator thread. The
// summary worker (which counts into the service) starts after and stops before them.
Status Daemon::Impl::StartAlarms(Rollback& rollback) {
  auto opened = storage::AlarmStore::Open(config.data_dir + "/state.db");
  if (!opened) {
    return tl::unexpected(opened.error());
  }
  alarm_store = std::move(*opened);
  rollback.Add([this] { alarm_store.reset(); });
  alarm_actions = std::make_unique<alarms::AlarmActions>(alarms::AlarmActionsOptions{
      .webhooks = config.alarm_webhooks, .commands = config.alarm_commands});
  rollback.Add([this] { alarm_actions.reset(); });
  alarms::AlarmServiceOptions options{.interval = config.alarm_eval_interval};
  if (!config.region.empty()) {
    options.region = config.region;
  }
  alarm_service = std::make_unique<alarms::AlarmService>(
      *alarm_store, proto::SystemClock::Instance(), alarm_actions.get(), options);
  alarm_service->Start();
  rollback.Add([this] {
    alarm_service->Stop();
    alarm_service.reset();
  });
  return {};
}

Status Daemon::Impl::StartApi(Rollback& rollback) {
  readers = std::make_unique<ReaderPool>(config.StorePath());
  AddRoutes();
  // Several HTTP threads so that a slow query never holds up SDK sampling polls. The guard
  // (docs/security.md) takes its settings from the config and counts refusals in `metrics`. The
  // API's threads run at a lower priority than the UDP receivers and the storage writer: a person
  // browsing traces during a flood makes the answers slower, not the datagrams dropped.
  http = std::make_unique<HttpServer>(router, HttpServerOptions{.threads = 4,
                                                                .security = ApiSecurityFor(config),
                                                                .metrics = &metrics,
                                                                .thread_nice = kQueryThreadNice});
  if (Status s = http->Start(config.tcp); !s) {
    return s;
  }
  // Destroyed, not only stopped: the listening socket is closed when a failed Start returns.
  rollback.Add([this] { http.reset(); });
  tail->Start();
  rollback.Add([this] { tail->Stop(); });
  return {};
}

// The --otlp-http listener: the receiver of the TCP address, alone on its own router. A default
// address that cannot be bound (an OpenTelemetry Collector already there) is a warning and xrayd
// runs without it; an address that was given is a start-up error.
Status Daemon::Impl::StartOtlpHttp(Rollback& rollback) {
  if (!config.otlp_http) {
    return {};
  }
  otlp::RegisterOtlpRoutes(otlp_router, api, OtlpOptions(config), otlp_metrics);
  auto server = std::make_unique<HttpServer>(
      otlp_router,
      HttpServerOptions{.threads = 2, .security = ApiSecurityFor(config), .metrics = &metrics});
  if (Status s = server->Start(*config.otlp_http); !s) {
    if (config.otlp_http_explicit) {
      return MakeError(s.error().code, "--otlp-http: " + s.error().message);
    }
    spdlog::warn(
        "OTLP/HTTP: cannot listen on the default address {} ({}); running without it "
        "(POST /v1/traces is still served on the TCP address; --otlp-http picks another)",
        config.otlp_http->ToString(), s.error().message);
    return {};
  }
  otlp_http = std::move(server);
  rollback.Add([this] { otlp_http.reset(); });
  return {};
}

// The --otlp-grpc listener (TraceService/Export), with the same default-versus-explicit rule as
// --otlp-http.
Status Daemon::Impl::StartOtlpGrpc(Rollback& rollback) {
  if (!config.otlp_grpc) {
    return {};
  }
  otlp::OtlpGrpcOptions options;
  options.mapping = OtlpOptions(config).mapping;
  auto server = std::make_unique<otlp::OtlpGrpcServer>(api, options, otlp_grpc_metrics);
  if (Status s = server->Start(*config.otlp_grpc); !s) {
    if (config.otlp_grpc_explicit) {
      return MakeError(s.error().code, "--otlp-grpc: " + s.error().message);
    }
    spdlog::warn(
        "OTLP/gRPC: cannot listen on the default address {} ({}); running without it "
        "(--otlp-grpc picks another)",
        config.otlp_grpc->ToString(), s.error().message);
    return {};
  }
  otlp_grpc = std::move(server);
  rollback.Add([this] { otlp_grpc.reset(); });
  return {};
}

Status Daemon::Impl::StartUdp(Rollback& rollback) {
  udp = std::make_unique<UdpListener>(queue, metrics);
  udp->EncodeWith(frame_encoder);
  if (Status s = udp->Start(config.udp, config.receive_buffer_bytes); !s) {
    return s;
  }
  rollback.Add([this] { udp->Stop(); });
  return {};
}

void Daemon::Impl::AddRoutes() {
  router.Add("GET", "/healthz", [](const HttpRequest&) {
    HttpResponse response;
    response.body = "ok\n";
    return response;
  });
  router.Add("GET", "/metrics", [this](const HttpRequest&) {
    HttpResponse response;
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    response.body = RenderPrometheus(metrics);
    response.body += otlp::RenderOtlpMetrics(otlp_metrics, otlp_grpc_metrics);
    alarm_actions->RenderPrometheus(response.body);
    if (exporter) {
      otlp_export::RenderExportMetrics(response.body, exporter->GetMetrics());
    }
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
  // OTLP/HTTP (docs/otlp-mapping.md): spans join the UDP pipeline through the same queue.
  otlp::RegisterOtlpRoutes(router, api, OtlpOptions(config), otlp_metrics);
  // CloudWatch for AWS/X-Ray alarms (docs/alarms.md#api): POST / and the RPC v2 CBOR paths.
  alarms::RegisterCloudWatchApi(router, *alarm_service);
  // The web console (README "Console"): GET / and GET /ui/..., a same-origin client of the API.
  if (config.ui) {
    console::RegisterConsoleRoutes(router);
    console::RegisterTailRoute(router, tail);
  }
  if (proxy) {
    // Last: when forwarding, sampling and unknown X-Ray paths go upstream
    // (docs/daemon-protocol.md#tcp-port, docs/sampling.md#sdk-polling-through-the-tcp-port).
    XrayProxy::Register(router, *proxy);
  }
}

Daemon::Daemon(DaemonConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}

Daemon::~Daemon() {
  Stop();
}

Status Daemon::Start() {
  Impl& d = *impl_;
  Rollback rollback;
  if (Status s = d.OpenStore(rollback); !s) {
    return s;
  }
  if (Status s = d.StartForwarding(rollback); !s) {
    return s;
  }
  if (Status s = d.StartOtlpExport(rollback); !s) {
    return s;
  }
  if (Status s = d.StartBackgroundThreads(rollback); !s) {
    return s;
  }
  d.StartWriter(rollback);  // After the group counter it reports to.
  if (Status s = d.StartApi(rollback); !s) {
    return s;
  }
  if (Status s = d.StartOtlpHttp(rollback); !s) {
    return s;
  }
  if (Status s = d.StartOtlpGrpc(rollback); !s) {
    return s;
  }
  if (Status s = d.StartUdp(rollback); !s) {
    return s;
  }
  rollback.Commit();
  d.running = true;
  spdlog::info(
      "xrayd {} listening udp={} tcp={} data_dir={} mode={} receive_buffer={}KiB otlp_http={} "
      "otlp_grpc={}",
      XRAYD_VERSION, d.udp->LocalEndpoint().ToString(), d.http->LocalEndpoint().ToString(),
      d.config.data_dir, d.forwarding.mode, d.udp->ReceiveBufferBytes() / 1024,
      d.otlp_http ? d.otlp_http->LocalEndpoint().ToString() : std::string("off"),
      d.otlp_grpc ? d.otlp_grpc->LocalEndpoint().ToString() : std::string("off"));
  return {};
}

void Daemon::Stop() {
  Impl& d = *impl_;
  if (!d.running) {
    return;
  }
  d.running = false;
  d.udp->Stop();
  if (d.otlp_grpc) {
    // Before the writer: calls in progress finish and their batches are on the queue the writer
    // drains.
    d.otlp_grpc->Stop();
  }
  if (d.forwarder) {
    d.forwarder->Stop();  // Before the writer, whose last transaction deletes what was sent.
  }
  if (d.exporter) {
    d.exporter->Stop();  // Likewise.
  }
  d.writer->Stop();
  d.tail->Stop();  // Ends open streams, so that none holds the HTTP server.
  d.http->Stop();
  if (d.otlp_http) {
    d.otlp_http->Stop();
  }
  d.summaries->Stop();
  // After the HTTP handlers and the summary worker, the service's only callers.
  d.alarm_service->Stop();
  d.alarm_actions->Stop();
  d.alarm_service.reset();
  d.alarm_actions.reset();
  d.alarm_store.reset();
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
std::optional<Endpoint> Daemon::OtlpHttpEndpoint() const {
  if (!impl_->otlp_http) {
    return std::nullopt;
  }
  return impl_->otlp_http->LocalEndpoint();
}
std::optional<Endpoint> Daemon::OtlpGrpcEndpoint() const {
  if (!impl_->otlp_grpc) {
    return std::nullopt;
  }
  return impl_->otlp_grpc->LocalEndpoint();
}
const Metrics& Daemon::GetMetrics() const {
  return impl_->metrics;
}

}  // namespace xrayd::daemon

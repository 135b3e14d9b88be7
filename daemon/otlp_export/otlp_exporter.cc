#include "daemon/otlp_export/otlp_exporter.h"

#include <utility>

#include "daemon/forward/forwarder.h"
#include "daemon/otlp_export/otlp_grpc_sender.h"

namespace xrayd::daemon::otlp_export {
namespace {

// The Forwarder's credentials are used only by its X-Ray sender, never by OtlpSender (which signs
// with its own options' provider).
class NoCredentials final : public CredentialsProvider {
 public:
  Result<AwsCredentials> Get() override {
    return MakeError(ErrorCode::kInvalidArgument, "the OTLP export signs with its own credentials");
  }
  std::string Name() const override { return "none"; }
};

NoCredentials& Unused() {
  static NoCredentials none;
  return none;
}

}  // namespace

OtlpExporter::OtlpExporter(OtlpExportOptions options, Metrics& metrics)
    : options_(std::move(options)), metrics_(metrics) {}

OtlpExporter::~OtlpExporter() {
  Stop();
}

Status OtlpExporter::Start() {
  XRAYD_TRY(ValidateSenderOptions(options_.sender));
  ForwarderOptions forwarder;
  forwarder.store_path = options_.store_path;
  forwarder.concurrency = options_.concurrency;
  forwarder.idle_flush = options_.idle_flush;
  forwarder.request_timeout = options_.sender.request_timeout;
  forwarder.backoff_initial = options_.sender.backoff_initial;
  forwarder.backoff_max = options_.sender.backoff_max;
  forwarder.spool_max_bytes = options_.spool_max_bytes;
  forwarder.http = options_.http;
  forwarder.counters = &export_metrics_.spool;
  forwarder.log_name = "otlp export";
  forwarder.sender_factory = [this](BatchSender::SendFunction send,
                                    BatchSender::SleepFunction sleep,
                                    std::uint64_t seed) -> std::unique_ptr<BatchSender> {
    if (options_.sender.protocol == OtlpProtocol::kGrpc) {
      return MakeGrpcSender(options_.sender, export_metrics_, proto::SystemClock::Instance(),
                            std::move(sleep), seed);
    }
    return std::make_unique<OtlpSender>(options_.sender, export_metrics_,
                                        proto::SystemClock::Instance(), std::move(send),
                                        std::move(sleep), seed);
  };
  forwarder_ = std::make_unique<Forwarder>(std::move(forwarder), Unused(), metrics_);
  return forwarder_->Start();
}

void OtlpExporter::Stop() {
  if (forwarder_) {
    forwarder_->Stop();
  }
}

const std::atomic<std::int64_t>& OtlpExporter::Acknowledged() const {
  return forwarder_->Acknowledged();
}

}  // namespace xrayd::daemon::otlp_export

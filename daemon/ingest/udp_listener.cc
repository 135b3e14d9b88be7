#include "daemon/ingest/udp_listener.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "daemon/ingest/datagram_processor.h"
#include "storage/frame_encoder.h"

namespace xrayd::daemon {

namespace net = boost::asio;
using udp = net::ip::udp;

namespace {

// Datagrams read per recvmmsg call. 32 x 64 KiB = 2 MiB of buffers, allocated once.
constexpr std::size_t kBatch = 32;
// One byte more than any legal payload, so MSG_TRUNC and length both reveal oversize datagrams.
constexpr std::size_t kSlotSize = 65536;

}  // namespace

struct UdpListener::Impl {
  Impl(IngestQueue& q, Metrics& m, const proto::Clock& c)
      : queue(q), metrics(m), clock(c), processor(m, c), socket(io) {}

  void ArmWait() {
    socket.async_wait(udp::socket::wait_read, [this](const boost::system::error_code& ec) {
      if (ec == net::error::operation_aborted || !socket.is_open()) {
        return;
      }
      if (!ec) {
        Drain();
      }
      ArmWait();
    });
  }

  // Reads every datagram the socket holds, then hands them to the queue in one batch per read.
  void Drain() {
    const int fd = socket.native_handle();
    for (;;) {
      for (std::size_t i = 0; i < kBatch; ++i) {
        iovecs[i] = {buffers.data() + i * kSlotSize, kSlotSize};
        headers[i] = {};
        headers[i].msg_hdr.msg_iov = &iovecs[i];
        headers[i].msg_hdr.msg_iovlen = 1;
        headers[i].msg_hdr.msg_name = &peers[i];
        headers[i].msg_hdr.msg_namelen = sizeof(peers[i]);
      }
      const int n = recvmmsg(fd, headers.data(), kBatch, MSG_DONTWAIT, nullptr);
      if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
          metrics.receive_buffer_errors.fetch_add(1, std::memory_order_relaxed);
        }
        return;
      }
      IngestBatch batch;
      batch.received_at = clock.NowSeconds();
      batch.documents.reserve(static_cast<std::size_t>(n));
      for (int i = 0; i < n; ++i) {
        const mmsghdr& h = headers[static_cast<std::size_t>(i)];
        const bool truncated = (h.msg_hdr.msg_flags & MSG_TRUNC) != 0 || h.msg_len >= kSlotSize;
        const std::string_view bytes(buffers.data() + static_cast<std::size_t>(i) * kSlotSize,
                                     h.msg_len);
        processor.Process(bytes, truncated, &peers[static_cast<std::size_t>(i)], batch);
      }
      if (encoder != nullptr && queue.HasRoomFor(IngestQueue::BatchBytes(batch))) {
        for (proto::Document& doc : batch.documents) {
          encoder->EncodeAndRelease(doc);
        }
      }
      const std::size_t docs = batch.documents.size();
      if (!queue.TryPush(batch)) {
        processor.CountQueueFull(docs);
      }
      if (static_cast<std::size_t>(n) < kBatch) {
        return;
      }
    }
  }

  IngestQueue& queue;
  Metrics& metrics;
  const proto::Clock& clock;
  DatagramProcessor processor;
  std::shared_ptr<const storage::FrameEncoder> encoder;
  net::io_context io;
  udp::socket socket;
  std::thread thread;
  std::vector<char> buffers = std::vector<char>(kBatch * kSlotSize);
  std::array<iovec, kBatch> iovecs{};
  std::array<mmsghdr, kBatch> headers{};
  std::array<sockaddr_storage, kBatch> peers{};
  Endpoint local;
  std::size_t receive_buffer = 0;
};

UdpListener::UdpListener(IngestQueue& queue, Metrics& metrics, const proto::Clock& clock)
    : impl_(std::make_unique<Impl>(queue, metrics, clock)) {}

UdpListener::~UdpListener() {
  Stop();
}

void UdpListener::EncodeWith(std::shared_ptr<const storage::FrameEncoder> encoder) {
  impl_->encoder = std::move(encoder);
}

Status UdpListener::Start(const Endpoint& address, std::size_t receive_buffer_bytes) {
  boost::system::error_code ec;
  const std::string host = address.host == "localhost" ? "127.0.0.1" : address.host;
  const net::ip::address ip = net::ip::make_address(host, ec);
  if (ec) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "UDP address '" + address.ToString() + "': not an IP address");
  }
  udp::socket& socket = impl_->socket;
  const udp::endpoint endpoint(ip, address.port);
  if (socket.open(endpoint.protocol(), ec); ec) {
    return MakeError(ErrorCode::kIOError, "UDP socket: " + ec.message());
  }
  // Ask for a large buffer; as root SO_RCVBUFFORCE may exceed net.core.rmem_max.
  const int wanted = static_cast<int>(receive_buffer_bytes);
  if (setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVBUFFORCE, &wanted, sizeof(wanted)) !=
      0) {
    setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVBUF, &wanted, sizeof(wanted));
  }
  int granted = 0;
  socklen_t len = sizeof(granted);
  getsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVBUF, &granted, &len);
  // Linux reports double the usable size (it counts bookkeeping overhead).
  impl_->receive_buffer = static_cast<std::size_t>(granted);
  if (impl_->receive_buffer < receive_buffer_bytes) {
    spdlog::warn(
        "UDP receive buffer: asked for {} KiB, the kernel granted {} KiB (raise "
        "net.core.rmem_max or run with CAP_NET_ADMIN); bursts may be dropped by the kernel",
        receive_buffer_bytes / 1024, impl_->receive_buffer / 1024);
  }
  if (socket.bind(endpoint, ec); ec) {
    return MakeError(ErrorCode::kIOError,
                     "cannot bind UDP " + address.ToString() + ": " + ec.message());
  }
  socket.non_blocking(true, ec);
  const udp::endpoint bound = socket.local_endpoint(ec);
  impl_->local = Endpoint{bound.address().to_string(), bound.port()};
  impl_->ArmWait();
  impl_->thread = std::thread([this] { impl_->io.run(); });
  return {};
}

Endpoint UdpListener::LocalEndpoint() const {
  return impl_->local;
}

std::size_t UdpListener::ReceiveBufferBytes() const {
  return impl_->receive_buffer;
}

void UdpListener::Stop() {
  if (!impl_->thread.joinable()) {
    return;
  }
  // Read what the kernel already holds, then close, on the listener's own thread.
  net::post(impl_->io, [this] {
    impl_->Drain();
    boost::system::error_code ec;
    impl_->socket.close(ec);
  });
  impl_->thread.join();
}

}  // namespace xrayd::daemon

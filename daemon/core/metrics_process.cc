// Store, retention and process metrics for /metrics (see metrics.h).

#include <unistd.h>

#include <atomic>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string_view>

#include "daemon/core/metrics.h"
#include "storage/database.h"

namespace xrayd::daemon {

namespace {

void Gauge(std::string& out, std::string_view name, std::string_view type, std::string_view help,
           const std::string& value) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
  out.append(name).append(" ").append(value).append("\n");
}

std::string Int(std::int64_t v) {
  return std::to_string(v);
}

std::string Load(const std::atomic<std::int64_t>& v) {
  return std::to_string(v.load(std::memory_order_relaxed));
}

std::string Load(const Metrics::Counter& v) {
  return std::to_string(v.load(std::memory_order_relaxed));
}

// VmRSS from /proc/self/status, in bytes; 0 if unreadable.
std::int64_t ResidentBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      std::istringstream fields(line.substr(6));
      std::int64_t kib = 0;
      fields >> kib;
      return kib * 1024;
    }
  }
  return 0;
}

// utime + stime from /proc/self/stat, in seconds; 0 if unreadable.
double CpuSeconds() {
  std::ifstream stat("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // Field 2 (comm) may contain spaces: count fields after its closing parenthesis.
  const std::size_t close = text.rfind(')');
  if (close == std::string::npos) {
    return 0;
  }
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14 || i == 15) {  // utime, stime (clock ticks).
      ticks += std::stod(field);
    }
  }
  const long hz = sysconf(_SC_CLK_TCK);
  return hz > 0 ? ticks / static_cast<double>(hz) : 0;
}

}  // namespace

void RenderStoreAndProcessMetrics(std::string& out, const Metrics& m) {
  Gauge(out, "xrayd_store_file_bytes", "gauge", "Size of the SQLite store file (traces.db).",
        Load(m.store_file_bytes));
  Gauge(out, "xrayd_store_wal_file_bytes", "gauge", "Size of the store's WAL file.",
        Load(m.store_wal_file_bytes));
  Gauge(out, "xrayd_store_used_bytes", "gauge",
        "Bytes of the store file in use (retention by size compares this with its limit).",
        Load(m.store_used_bytes));
  Gauge(out, "xrayd_store_oldest_trace_age_seconds", "gauge",
        "Seconds since the least recently updated stored trace was updated (0: empty store).",
        Load(m.oldest_trace_age_seconds));
  Gauge(out, "xrayd_store_dictionaries", "gauge",
        "Compression dictionaries in the store (the newest compresses new documents).",
        Load(m.store_dictionaries));
  Gauge(out, "xrayd_retention_rounds_total", "counter", "Retention rounds completed.",
        Load(m.retention_rounds));
  Gauge(out, "xrayd_retention_errors_total", "counter", "Retention rounds that failed.",
        Load(m.retention_errors));
  out.append("# HELP xrayd_retention_traces_deleted_total Traces deleted by retention, by rule.\n");
  out.append("# TYPE xrayd_retention_traces_deleted_total counter\n");
  out.append("xrayd_retention_traces_deleted_total{reason=\"max_age\"} ")
      .append(Load(m.retention_traces_deleted_age))
      .append("\n");
  out.append("xrayd_retention_traces_deleted_total{reason=\"max_size\"} ")
      .append(Load(m.retention_traces_deleted_size))
      .append("\n");
  Gauge(out, "xrayd_retention_documents_deleted_total", "counter",
        "Documents deleted with their traces by retention.", Load(m.retention_documents_deleted));
  Gauge(out, "process_resident_memory_bytes", "gauge", "Resident memory of this process (VmRSS).",
        Int(ResidentBytes()));
  const storage::SqliteMemory sqlite = storage::SqliteMemoryUse();
  Gauge(out, "xrayd_sqlite_memory_bytes", "gauge",
        "Heap memory SQLite holds (page caches of every connection, statements).",
        Int(sqlite.used));
  Gauge(out, "xrayd_sqlite_memory_peak_bytes", "gauge",
        "The most heap memory SQLite has held since the daemon started.", Int(sqlite.peak));
  std::ostringstream cpu;
  cpu << CpuSeconds();
  Gauge(out, "process_cpu_seconds_total", "counter", "User and system CPU time of this process.",
        cpu.str());
}

}  // namespace xrayd::daemon

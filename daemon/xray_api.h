#pragma once
// The X-Ray API served on the TCP address (SPEC §4, wire model reference/xray-service-2.json).
// Each family of operations registers its routes on the ApiRouter from its own file; handlers run
// on HTTP threads (never the UDP thread) and get what they share through ApiServices.

#include "daemon/api_router.h"
#include "daemon/config.h"
#include "daemon/ingest_queue.h"
#include "daemon/metrics.h"
#include "daemon/reader_pool.h"
#include "query/filter_groups.h"
#include "storage/state_store.h"

namespace xrayd::daemon {

// Everything handlers share. Owned by the Daemon, which outlives the HTTP server. Members are
// thread-safe (the pool, the queue, the metrics' atomics); config is read-only.
struct ApiServices {
  const DaemonConfig* config = nullptr;
  Metrics* metrics = nullptr;
  IngestQueue* queue = nullptr;  // PutTraceSegments feeds the same pipeline as UDP.
  ReaderPool* traces = nullptr;  // Read-only connections to the trace store.
  storage::StateStore* state = nullptr;  // Groups and sampling rules (state.db); thread-safe.
  // Group definitions for filters (daemon/group_lookup.h); may be empty.
  query::GroupLookup groups = {};
};

// GetTraceSummaries, BatchGetTraces, PutTraceSegments (daemon/xray_api_traces.cc).
void RegisterTraceApi(ApiRouter& router, const ApiServices& services);

// CreateGroup, GetGroup, GetGroups, UpdateGroup, DeleteGroup (daemon/xray_api_groups.cc).
// REQUIRES: services.state outlives the router.
void RegisterGroupApi(ApiRouter& router, const ApiServices& services);

// GetSamplingRules, GetSamplingTargets, GetSamplingStatisticSummaries, CreateSamplingRule,
// UpdateSamplingRule, DeleteSamplingRule (daemon/xray_api_sampling.cc). Sampling statistics live
// in memory for the life of the router. REQUIRES: services.state outlives the router.
void RegisterSamplingApi(ApiRouter& router, const ApiServices& services);

}  // namespace xrayd::daemon

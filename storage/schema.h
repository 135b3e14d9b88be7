#pragma once
// The trace store schema and its migrations, versioned by PRAGMA user_version. Layout in prose:
//
// traces (WITHOUT ROWID, one row per trace): trace_id PK; start_time = min start_time of accepted
//   writes; end_time = max end_time of complete writes (0 if none); updated_at = receive time of the
//   last accepted write; documents = stored (trace_id, id) keys; in_progress_count = stored documents
//   that are in progress (partial <=> > 0); revision = accepted writes; bytes = sum of the stored raw
//   sizes; root_id/root_name = the segment without parent_id. Indexed by updated_at and start_time.
//   The trace id embeds its epoch as fixed-width hex after "1-", so a range on the trace_id primary
//   key is a scan by trace-id time (TimeRangeType=TraceId).
// documents (rowid = seq = arrival order of the key): PK-like UNIQUE(trace_id, id); kind 0 segment /
//   1 independent subsegment; parent_id '' when absent; end_time NULL while in progress; raw BLOB is
//   the document as received; received_at = first write. prev_in_progress/prev_bytes are written by
//   the upsert so that RETURNING can report what a replacement replaced (no SELECT per document).
// annotations (WITHOUT ROWID): PK(key, vtype, value, trace_id), deduplicated. vtype 0 string (value
//   TEXT), 1 number (value REAL), 2 bool (value INTEGER 0/1). `value` has no type affinity, so
//   `key = ? AND vtype = ? AND value {=,<,>,...} ?` is one index range, and the vtype term keeps a
//   numeric range from also matching strings or booleans. Queries MUST constrain vtype.
// trace_keys (WITHOUT ROWID): PK(trace_id, key), the annotation keys indexed for a trace; at most 50
//   per trace (SPEC §1.7), first come first indexed. Also the per-trace path into annotations.

#include <cstdint>

#include "proto/result.h"
#include "storage/database.h"

namespace xrayd::storage {

inline constexpr std::int64_t kSchemaVersion = 1;

// Brings a read-write database to kSchemaVersion, one transaction per migration.
// Fails with kIOError on SQLite errors and kInvalidArgument if the file is newer than this build.
[[nodiscard]] Status Migrate(Database& db);

// Checks that a (read-only) database holds a store this build can read.
// Fails with kInvalidArgument if it holds no store or another schema version.
[[nodiscard]] Status CheckSchema(Database& db);

}  // namespace xrayd::storage

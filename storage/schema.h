#pragma once
// The trace store schema and its migrations, versioned by PRAGMA user_version. Layout in prose:
//
// Id encodings (the write path compares and stores integers, not text):
//   * trace id "1-xxxxxxxx-<24 hex>" -> 16-byte BLOB: the 4-byte epoch big-endian, then the 12
//   random
//     bytes. memcmp order = trace-id order, so a range on traces.trace_id is a scan by trace-id
//     time (TimeRangeType=TraceId). Formatted back lower-case on read.
//   * 16-hex ids (segment id, parent_id, root_id) -> INTEGER: the 64-bit value reinterpreted as
//   signed
//     (ids >= 8000000000000000 are negative); formatted back to 16 lower-case hex digits on read.
//
// traces (rowid seq = trace_seq, assigned in first-seen order by the writer): trace_id BLOB UNIQUE;
//   start_time = min start_time of accepted writes; end_time = max end_time of complete writes (0
//   if none); updated_at = receive time of the last accepted write; documents = stored (trace, id)
//   keys; in_progress_count = stored documents that are in progress (partial <=> > 0); revision =
//   accepted writes; bytes = sum of the stored raw sizes; root_id (NULL until it arrives)/root_name
//   = the segment without parent_id; annotation_keys = the annotation keys indexed for the trace,
//   in first-come order, at most 50 (docs/segment-document.md#annotations): a BLOB of key ids
//   (storage/annotation_keys.h) since version 7; rows written before stay TEXT "k1,k2,..." (keys
//   match [A-Za-z0-9_]+) until the writer next changes them. Indexed by updated_at (traces list
//   --since) and start_time (time-range queries).
// documents (rowid seq = arrival order of the key): UNIQUE(trace_seq, id), also the per-trace path;
//   kind 0 segment / 1 independent subsegment; parent_id NULL when absent; end_time NULL while in
//   progress; raw BLOB is the document as received, kept as a zstd frame when that is smaller
//   (version 5; storage/document_codec.h; rows of earlier versions stay plain JSON and read the
//   same), since version 9 without the text of the row's ids and times when the frame is an elided
//   one (storage/field_elision.h: reading it takes the trace's id and the row); bytes = the JSON's
//   size; received_at = first write. The writer inserts with ON CONFLICT DO NOTHING; only a
//   conflict (replacement, duplicate, stale) reads the stored row.
// annotations (WITHOUT ROWID): PK(bucket, key_id, vtype, value, trace_seq), deduplicated, where
//   bucket = trace_seq >> 10 (kAnnotationBucketBits: 1024 traces per bucket). vtype 0 string (value
//   TEXT), 1 number (value REAL), 2 bool (value INTEGER 0/1). `value` has no type affinity.
//   The bucket prefix keeps the inserts of a batch inside the newest buckets, so a commit dirties a
//   few index pages instead of pages all over a key-ordered index. Queries MUST constrain vtype and
//   visit buckets: for each bucket in [lo, hi] (a recursive CTE, or a loop), one index range
//   `bucket = ? AND key_id = ? AND vtype = ? AND value {=,<,>,BETWEEN} ?`. For a time range, lo/hi
//   come from the traces in range (min/max seq via traces_by_start_time, >> 10); all time:
//   min/max(bucket). Join traces ON seq = trace_seq for the trace id.
// Annotation keys (version 7): annotation_key_names(id INTEGER PRIMARY KEY, key TEXT UNIQUE);
//   annotations.key_id refers to it, so a key's text is stored once. Queries name a key with
//   `key_id = (SELECT id FROM annotation_key_names WHERE key = ?)` (NULL, matching nothing, for a
//   key never indexed). Ids are never deleted or reused. The reserved keys below have fixed ids
//   1-5 (storage/annotation_keys.cc); only the writer (TraceStore::PutDocuments) adds names.
//
// Summaries (version 2; in the traces row since version 8), a cache for search
// (docs/filter-language.md#how-search-evaluates-filters), never the source of truth:
//   traces.first_received = receive time of the trace's first write (group membership,
//   docs/groups.md#membership); since version 10, 0 while it equals updated_at (a trace written
//   once, most of them), which SQLite stores in no bytes: read it as kFirstReceivedSql.
//   traces.summary_revision = the revision the summary columns and the reserved annotation rows
//   were computed from; < revision means stale (partial index traces_unsummarized lists those
//   traces). The summary columns of traces (response_time, duration, flags, http_status, http_url,
//   http_method, http_useragent, http_clientip) are the trace-level filter values from the
//   TraceModel: all NULL until a summary is written; then response_time/duration/http_* NULL when
//   absent and flags = kSummaryFlag* bits. (Versions 2-7 kept them in a table trace_summaries;
//   version 8 moved them.) Multi-valued trace fields go to the annotations table under reserved
//   keys that start with '$' (annotation keys never do):
//   "$user", "$az", "$instance", "$arn", "$service" (node names), all vtype 0. Like annotations
//   they are additive, so they are a superset: search re-checks candidates against the stored
//   documents.
//   Search treats a stale trace as a candidate whatever its summary says.
//
// Forward queue (version 3; doc_seq since version 4), the durable spool of documents to forward to
//   AWS X-Ray: forward_queue(seq INTEGER PRIMARY KEY AUTOINCREMENT, received_at, bytes, raw,
//   doc_seq): AUTOINCREMENT so that a seq is never reused once the queue has emptied (the
//   forwarder's cursor only grows). When forwarding is on (TraceStore::SetForwardSpool),
//   PutDocuments appends one row per document it is given (duplicates included, as the official
//   daemon forwards them) in the same transaction that stores it, so a document is spooled iff it
//   is committed. seq is the replay order (oldest first); bytes = the document's size as received.
//   Version 4 rows refer to the stored document: doc_seq = documents.seq of its (trace, id) key and
//   raw is empty, so the document's bytes are written once, not twice (the spool costs ~20 bytes
//   a row). The forwarder sends what documents holds under doc_seq when it reads the row: a
//   document replaced in between (in_progress -> complete,
//   docs/segment-document.md#in-progress-documents-and-duplicates) is sent in its newer version for
//   both rows; a document deleted in between (retention) cannot be sent and is dropped, counted, by
//   the forwarder. Rows written by version 3 have doc_seq NULL and keep their own copy in raw. The
//   forwarder reads with its own connection (ForwardQueueReader) and the writer deletes what was
//   forwarded (TraceStore::AckForwarded: every row with seq <= the acknowledged watermark).
//
// Dictionaries (version 6): zstd_dictionaries(dict_id INTEGER PRIMARY KEY = the dictionary's own
//   zstd id, created_at, content). The writer trains one from the store's first documents, and
//   another when the documents change, and stores each in a transaction of its own before any
//   frame names it; the newest (created_at) compresses new documents; frames made with one carry
//   its id in their header (storage/document_dictionaries.h). Rows are never deleted: every frame
//   stays readable. Frames without a dictionary id and plain JSON rows read as in version 5.
//
// Trace deletions (version 11): trace_deletions(count), one row, raised by a trigger for every
//   traces row deleted.
//
// The writer (TraceStore) caches trace id -> (seq, annotation_keys, its documents' summary facts)
// for recent traces. Only the writer inserts traces rows or changes those columns; other
// connections update summaries (the summary worker) or delete traces (retention). So the writer
// drops the cache when a batch rolled back, or when another connection has committed (PRAGMA
// data_version) and trace_deletions or max(traces.seq) moved.

#include <cstdint>

#include "proto/result.h"
#include "storage/database.h"

namespace xrayd::storage {

inline constexpr std::int64_t kSchemaVersion = 11;

// Brings a read-write database to kSchemaVersion, one transaction per migration.
// Fails with kIOError on SQLite errors and kInvalidArgument if the file is newer than this build.
[[nodiscard]] Status Migrate(Database& db);
// As Migrate, but stops at `version` (<= kSchemaVersion): how tests make a store as an older build
// left it.
[[nodiscard]] Status MigrateTo(Database& db, std::int64_t version);

// Checks that a (read-only) database holds a store this build can read.
// Fails with kInvalidArgument if it holds no store or another schema version.
[[nodiscard]] Status CheckSchema(Database& db);

}  // namespace xrayd::storage

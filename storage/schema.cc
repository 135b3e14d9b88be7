#include "storage/schema.h"

#include <array>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "storage/migrations.h"

namespace xrayd::storage {
namespace {

// kMigrations[i] takes user_version i to i + 1. Never edit a shipped entry: append a new one.
constexpr std::array<std::string_view, kSchemaVersion> kMigrations = {
    R"sql(
CREATE TABLE traces(
  seq INTEGER PRIMARY KEY,
  trace_id BLOB NOT NULL UNIQUE,
  start_time REAL NOT NULL,
  end_time REAL NOT NULL,
  updated_at REAL NOT NULL,
  documents INTEGER NOT NULL,
  in_progress_count INTEGER NOT NULL,
  revision INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  root_id INTEGER,
  root_name TEXT NOT NULL,
  annotation_keys TEXT NOT NULL
);
CREATE INDEX traces_by_updated_at ON traces(updated_at);
CREATE INDEX traces_by_start_time ON traces(start_time);

CREATE TABLE documents(
  seq INTEGER PRIMARY KEY,
  trace_seq INTEGER NOT NULL,
  id INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  parent_id INTEGER,
  in_progress INTEGER NOT NULL,
  start_time REAL NOT NULL,
  end_time REAL,
  received_at REAL NOT NULL,
  bytes INTEGER NOT NULL,
  raw BLOB NOT NULL
);
CREATE UNIQUE INDEX documents_by_key ON documents(trace_seq, id);

CREATE TABLE annotations(
  bucket INTEGER NOT NULL,
  key TEXT NOT NULL,
  vtype INTEGER NOT NULL,
  value NOT NULL,
  trace_seq INTEGER NOT NULL,
  PRIMARY KEY(bucket, key, vtype, value, trace_seq)
) WITHOUT ROWID;
)sql",
    // 1 -> 2: trace summaries for search (see schema.h, "Summaries").
    R"sql(
ALTER TABLE traces ADD COLUMN summary_revision INTEGER NOT NULL DEFAULT 0;
ALTER TABLE traces ADD COLUMN first_received REAL NOT NULL DEFAULT 0;
UPDATE traces SET first_received = updated_at;
CREATE INDEX traces_unsummarized ON traces(seq) WHERE summary_revision < revision;
CREATE TABLE trace_summaries(
  seq INTEGER PRIMARY KEY,
  response_time REAL,
  duration REAL,
  flags INTEGER NOT NULL,
  http_status INTEGER,
  http_url TEXT,
  http_method TEXT,
  http_useragent TEXT,
  http_clientip TEXT
);
CREATE TRIGGER traces_delete_summary AFTER DELETE ON traces BEGIN
  DELETE FROM trace_summaries WHERE seq = old.seq;
END;
)sql",
    // 2 -> 3: the forwarding spool (see schema.h, "Forward queue").
    R"sql(
CREATE TABLE forward_queue(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  received_at REAL NOT NULL,
  bytes INTEGER NOT NULL,
  raw BLOB NOT NULL
);
)sql",
    // 3 -> 4: the spool refers to the stored document instead of copying it (see schema.h,
    // "Forward queue"). Rows spooled by version 3 keep their copy (doc_seq NULL).
    R"sql(
ALTER TABLE forward_queue ADD COLUMN doc_seq INTEGER;
)sql",
    // 4 -> 5: documents.raw may hold zstd frames (storage/document_codec.h). No rows change; the
    // version keeps builds that cannot read frames away from the store.
    "",
    // 5 -> 6: compression dictionaries (storage/document_dictionaries.h); frames may name one.
    R"sql(
CREATE TABLE zstd_dictionaries(
  dict_id INTEGER PRIMARY KEY,
  created_at REAL NOT NULL,
  content BLOB NOT NULL
);
)sql",
    // 6 -> 7: annotation keys by id (see schema.h, "Annotation keys"). The reserved keys' ids are
    // fixed (storage/annotation_keys.cc). traces.annotation_keys rows stay TEXT until rewritten.
    R"sql(
CREATE TABLE annotation_key_names(
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE
);
INSERT INTO annotation_key_names(id, key)
  VALUES(1, '$service'), (2, '$user'), (3, '$az'), (4, '$instance'), (5, '$arn');
INSERT OR IGNORE INTO annotation_key_names(key) SELECT DISTINCT key FROM annotations;
CREATE TABLE annotations_by_key_id(
  bucket INTEGER NOT NULL,
  key_id INTEGER NOT NULL,
  vtype INTEGER NOT NULL,
  value NOT NULL,
  trace_seq INTEGER NOT NULL,
  PRIMARY KEY(bucket, key_id, vtype, value, trace_seq)
) WITHOUT ROWID;
INSERT INTO annotations_by_key_id(bucket, key_id, vtype, value, trace_seq)
  SELECT a.bucket, k.id, a.vtype, a.value, a.trace_seq
  FROM annotations a JOIN annotation_key_names k ON k.key = a.key;
DROP TABLE annotations;
ALTER TABLE annotations_by_key_id RENAME TO annotations;
)sql",
    // 7 -> 8: summary columns in the traces row (see schema.h, "Summaries"), so that a trace and
    // its summary are one row to write and to read.
    R"sql(
ALTER TABLE traces ADD COLUMN response_time REAL;
ALTER TABLE traces ADD COLUMN duration REAL;
ALTER TABLE traces ADD COLUMN flags INTEGER;
ALTER TABLE traces ADD COLUMN http_status INTEGER;
ALTER TABLE traces ADD COLUMN http_url TEXT;
ALTER TABLE traces ADD COLUMN http_method TEXT;
ALTER TABLE traces ADD COLUMN http_useragent TEXT;
ALTER TABLE traces ADD COLUMN http_clientip TEXT;
UPDATE traces SET (response_time, duration, flags, http_status, http_url, http_method,
                   http_useragent, http_clientip) =
  (SELECT response_time, duration, flags, http_status, http_url, http_method, http_useragent,
          http_clientip
   FROM trace_summaries s WHERE s.seq = traces.seq)
WHERE seq IN (SELECT seq FROM trace_summaries);
DROP TRIGGER traces_delete_summary;
DROP TABLE trace_summaries;
)sql",
    // 8 -> 9: documents.raw may hold elided frames (storage/field_elision.h), which leave out the
    // text of the row's ids and times. No rows change; the version keeps builds that cannot read
    // them away from the store.
    "",
    // 9 -> 10: traces.first_received may be 0, standing for updated_at (see schema.h,
    // "Summaries"). No rows change; the version keeps builds that would read 0 away.
    "",
    // 10 -> 11: trace_deletions counts deleted traces rows, so that the writer keeps its cache
    // across other connections' commits that delete none (see schema.h, the writer's cache).
    R"sql(
CREATE TABLE trace_deletions(count INTEGER NOT NULL);
INSERT INTO trace_deletions(count) VALUES(0);
CREATE TRIGGER traces_count_deletions AFTER DELETE ON traces BEGIN
  UPDATE trace_deletions SET count = count + 1;
END;
)sql",
};

Result<std::int64_t> UserVersion(Database& db) {
  return db.QueryInt("PRAGMA user_version");
}

}  // namespace

Status Migrate(Database& db) {
  return MigrateUserVersion(db, kMigrations, "store schema");
}

Status MigrateTo(Database& db, std::int64_t version) {
  if (version < 0 || version > kSchemaVersion) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "no store schema version " + std::to_string(version));
  }
  return MigrateUserVersion(db, std::span(kMigrations).first(static_cast<std::size_t>(version)),
                            "store schema");
}

Status CheckSchema(Database& db) {
  XRAYD_TRY_ASSIGN(auto version, UserVersion(db));
  if (version == 0) {
    return MakeError(ErrorCode::kInvalidArgument, "no trace store in this file");
  }
  if (version != kSchemaVersion) {
    // A reader cannot migrate; the daemon (read-write) migrates on start.
    return MakeError(ErrorCode::kInvalidArgument,
                     "store schema version " + std::to_string(version) +
                         " differs from this build's " + std::to_string(kSchemaVersion));
  }
  return {};
}

}  // namespace xrayd::storage

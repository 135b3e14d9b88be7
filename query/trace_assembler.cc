#include "query/trace_assembler.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace xrayd::query {
namespace {

// ordered_json keeps each document's field order as sent.
using Json = nlohmann::ordered_json;

// Independent-subsegment chains and embedded nesting deeper than this are not followed; whatever is
// left unplaced is returned as its own entry, so nothing is lost and the stack stays bounded.
constexpr int kMaxAttachDepth = 256;

struct Piece {
  const storage::StoredDocument* stored = nullptr;
  Json json;            // Moved out when placed.
  bool object = false;  // The raw text is a JSON object.
  bool placed = false;
};

using Entry = AssembledSegment;

bool ByStartThenId(const storage::StoredDocument& a, const storage::StoredDocument& b) {
  return std::tie(a.start_time, a.id, a.raw) < std::tie(b.start_time, b.id, b.raw);
}

const std::string* StringField(const Json& node, const char* key) {
  auto it = node.find(key);
  if (it == node.end() || !it->is_string()) {
    return nullptr;
  }
  return &it->get_ref<const std::string&>();
}

std::string Dump(const Json& node) {
  // Parsed text is valid UTF-8; `replace` only guarantees dump never throws.
  return node.dump(-1, ' ', false, Json::error_handler_t::replace);
}

class Assembler {
 public:
  Assembler(std::span<const storage::StoredDocument> docs, std::vector<Json> parsed) {
    pieces_.reserve(docs.size());
    for (std::size_t i = 0; i < docs.size(); ++i) {
      Piece& piece = pieces_.emplace_back();
      piece.stored = &docs[i];
      piece.json = std::move(parsed[i]);
      piece.object = piece.json.is_object();
    }
    // Deterministic order for everything below: the result must not depend on arrival order.
    std::sort(pieces_.begin(), pieces_.end(),
              [](const Piece& a, const Piece& b) { return ByStartThenId(*a.stored, *b.stored); });
    for (std::size_t i = 0; i < pieces_.size(); ++i) {
      const Piece& piece = pieces_[i];
      if (piece.object) {
        CollectIds(piece.json, 0);
        if (piece.stored->kind == proto::DocumentKind::kSubsegment) {
          children_[piece.stored->parent_id].push_back(i);  // Already in (start, id) order.
        }
      }
    }
  }

  std::vector<Entry> Run() {
    std::vector<Entry> entries;
    for (Piece& piece : pieces_) {
      if (piece.placed) {
        continue;
      }
      if (!piece.object) {
        entries.push_back({piece.stored->start_time, piece.stored->id,
                           Json(Json::value_t::discarded), piece.stored->raw});
        piece.placed = true;
      } else if (piece.stored->kind == proto::DocumentKind::kSegment) {
        EmitTopLevel(piece, entries);
      }
    }
    // Orphans: parent never arrived. Then whatever is still unplaced (parent cycles, depth cap).
    for (Piece& piece : pieces_) {
      if (!piece.placed && !known_ids_.contains(piece.stored->parent_id)) {
        EmitTopLevel(piece, entries);
      }
    }
    for (Piece& piece : pieces_) {
      if (!piece.placed) {
        EmitTopLevel(piece, entries);
      }
    }
    return entries;
  }

 private:
  void CollectIds(const Json& node, int depth) {
    if (const std::string* id = StringField(node, "id")) {
      known_ids_.insert(*id);
    }
    auto subsegments = node.find("subsegments");
    if (depth >= kMaxAttachDepth || subsegments == node.end() || !subsegments->is_array()) {
      return;
    }
    for (const Json& child : *subsegments) {
      if (child.is_object()) {
        CollectIds(child, depth + 1);
      }
    }
  }

  void EmitTopLevel(Piece& piece, std::vector<Entry>& entries) {
    piece.placed = true;
    Json node = std::move(piece.json);
    Attach(node, 0);
    entries.push_back({piece.stored->start_time, piece.stored->id, std::move(node), {}});
  }

  // Recursively re-attaches independent subsegments under `node` (an object) and its embedded ones.
  void Attach(Json& node, int depth) {
    if (depth >= kMaxAttachDepth) {
      return;
    }
    auto subsegments = node.find("subsegments");
    const bool has_array = subsegments != node.end() && subsegments->is_array();
    if (has_array) {
      for (Json& child : *subsegments) {
        if (child.is_object()) {
          Attach(child, depth + 1);
        }
      }
    } else if (subsegments != node.end()) {
      return;  // A non-array "subsegments": leave it alone; children surface as orphans.
    }
    const std::string* id = StringField(node, "id");
    if (id == nullptr) {
      return;
    }
    auto children = children_.find(*id);
    if (children == children_.end()) {
      return;
    }
    for (std::size_t index : children->second) {
      Piece& child = pieces_[index];
      if (child.placed) {
        continue;
      }
      child.placed = true;  // Before recursing: a parent cycle must not come back here.
      Json compiled = std::move(child.json);
      // As X-Ray's compiled documents: the parent's position already says all three.
      compiled.erase("type");
      compiled.erase("trace_id");
      compiled.erase("parent_id");
      Attach(compiled, depth + 1);
      node["subsegments"].push_back(std::move(compiled));
    }
  }

  std::vector<Piece> pieces_;
  std::unordered_map<std::string, std::vector<std::size_t>> children_;  // parent_id -> pieces.
  std::unordered_set<std::string> known_ids_;  // Every document and embedded subsegment id.
};

}  // namespace

double TraceDuration(std::span<const storage::StoredDocument> docs) {
  double min_start = 0;
  double max_end = 0;
  bool any_complete = false;
  for (std::size_t i = 0; i < docs.size(); ++i) {
    min_start = i == 0 ? docs[i].start_time : std::min(min_start, docs[i].start_time);
    if (!docs[i].in_progress) {
      max_end = any_complete ? std::max(max_end, docs[i].end_time) : docs[i].end_time;
      any_complete = true;
    }
  }
  return any_complete ? RoundToMicroseconds(std::max(0.0, max_end - min_start)) : 0.0;
}

std::vector<AssembledSegment> AssembleSegments(std::span<const storage::StoredDocument> docs,
                                               std::vector<nlohmann::ordered_json> parsed) {
  parsed.resize(docs.size(), Json(Json::value_t::discarded));
  std::vector<Entry> entries = Assembler(docs, std::move(parsed)).Run();
  // Ties on (start, id) keep a deterministic order by the document text.
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return std::tie(a.start_time, a.id) < std::tie(b.start_time, b.id);
  });
  return entries;
}

nlohmann::json AssembleTrace(std::string_view trace_id,
                             std::span<const storage::StoredDocument> docs) {
  std::vector<Json> parsed;
  parsed.reserve(docs.size());
  for (const storage::StoredDocument& doc : docs) {
    parsed.push_back(Json::parse(doc.raw, nullptr, /*allow_exceptions=*/false));
  }
  nlohmann::json segments = nlohmann::json::array();
  for (Entry& entry : AssembleSegments(docs, std::move(parsed))) {
    std::string text = entry.document.is_discarded() ? std::move(entry.raw) : Dump(entry.document);
    segments.push_back({{"Id", std::move(entry.id)}, {"Document", std::move(text)}});
  }
  return {{"Id", std::string(trace_id)},
          {"Duration", TraceDuration(docs)},
          {"LimitExceeded", false},
          {"Segments", std::move(segments)}};
}

double RoundToMicroseconds(double seconds) {
  return std::round(seconds * 1e6) / 1e6;
}

nlohmann::json SummarizeTraceInfo(const storage::TraceInfo& info) {
  const double duration =
      info.end_time > 0 ? RoundToMicroseconds(std::max(0.0, info.end_time - info.start_time)) : 0.0;
  return {
      {"Id", info.trace_id},       {"StartTime", info.start_time}, {"EndTime", info.end_time},
      {"Duration", duration},      {"UpdatedAt", info.updated_at}, {"Documents", info.documents},
      {"IsPartial", info.partial}, {"Revision", info.revision},    {"Name", info.root_name}};
}

}  // namespace xrayd::query

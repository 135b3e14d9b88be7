#pragma once
// Documents packed into one contiguous buffer: how documents wait between the thread that parsed
// them and the one that stores them. A packed document holds exactly its bytes (its JSON or the
// store's compressed frame, its ids, annotations and summary facts) in one allocation per batch,
// instead of a Document object with a heap allocation per string and vector, so a byte cap on
// waiting documents (-m) holds about three times as many.
//
// The layout is this process's own (native byte order, no version): packed bytes are never stored
// or sent anywhere. Unpack(Pack(docs)) == docs, field by field.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "proto/document.h"

namespace xrayd::proto {

// The bytes PackDocuments appends for `docs`.
[[nodiscard]] std::size_t PackedSize(std::span<const Document> docs) noexcept;

// Appends `docs` to `out`.
void PackDocuments(std::span<const Document> docs, std::string& out);

// Assigns the documents packed in `packed` to the elements of `out`, in order, so that the buffers
// of their strings and vectors are reused. Returns false (and leaves `out`'s elements unspecified)
// if `packed` does not hold exactly out.size() documents made by PackDocuments.
[[nodiscard]] bool UnpackDocuments(std::string_view packed, std::span<Document> out);

}  // namespace xrayd::proto

#pragma once
// Readers of CloudWatch request parameters as DecodeRequest leaves them (one JSON object with
// CloudWatch's member names): JSON and CBOR carry numbers and booleans as such, the query protocol
// as text. A member of another type reads as absent. Pure functions.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace xrayd::daemon::alarms {

// A finite number given as a number or as text ("60", "1.5"); nullopt otherwise (NaN and
// infinities too, which CBOR can carry).
std::optional<double> NumberParam(const nlohmann::json& params, const char* key);
// A string member.
std::optional<std::string> TextParam(const nlohmann::json& params, const char* key);
// A boolean given as a boolean or as the text "true"/"false" (anything else is false).
std::optional<bool> BoolParam(const nlohmann::json& params, const char* key);
// True if the member is there and not null.
bool HasParam(const nlohmann::json& params, const char* key);
// The string items of an array member (other items are skipped); empty if absent.
std::vector<std::string> StringsParam(const nlohmann::json& params, const char* key);
// A whole number in [low, high]: nullopt for anything else, including 2.5 and 1e300.
std::optional<long long> IntegerInRange(double value, long long low, long long high);

}  // namespace xrayd::daemon::alarms

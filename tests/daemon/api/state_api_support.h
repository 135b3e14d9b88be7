#pragma once
// Test support for the group and sampling handlers: a router with RegisterGroupApi and
// RegisterSamplingApi over an in-memory StateStore, and helpers to call it and read X-Ray errors.

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "daemon/api/api_router.h"
#include "daemon/api/xray_api.h"
#include "storage/state_store.h"

namespace xrayd::daemon {

struct StateApiFixture {
  StateApiFixture();
  std::unique_ptr<storage::StateStore> store;
  ApiRouter router;

  // POST `path` with `body` (raw text).
  HttpResponse Post(const std::string& path, const std::string& body) const;
  // POST `path` with JSON; EXPECTs a 200 and returns the parsed body (null on failure).
  nlohmann::json Ok(const std::string& path, const nlohmann::json& body) const;
};

// The X-Ray error type of `response`: the X-Amzn-ErrorType header, checked against the body's
// __type. Empty when the response is not an error in that shape.
std::string ErrorType(const HttpResponse& response);
// The body's "message".
std::string ErrorMessage(const HttpResponse& response);

}  // namespace xrayd::daemon

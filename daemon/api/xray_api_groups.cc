// X-Ray group operations (docs/api.md#group-operations, docs/groups.md): CreateGroup, GetGroup,
// GetGroups, UpdateGroup, DeleteGroup over StateStore. Filters are validated with the filter
// parser; errors are InvalidRequestException (the model declares no other group error).
#include <string>
#include <utility>

#include "daemon/api/api_json.h"
#include "daemon/api/xray_api.h"
#include "daemon/api/xray_api_state_util.h"
#include "query/filter_parser.h"

namespace xrayd::daemon {
namespace {

using nlohmann::json;

// [local] GetGroups page size: 26 groups at most exist, 10 per page exercises NextToken.
constexpr std::size_t kGroupsPageSize = 10;
constexpr std::string_view kGroupsTokenKind = "groups";

json GroupToJson(const storage::Group& group) {
  json out = {{"GroupName", group.name},
              {"GroupARN", group.arn},
              {"InsightsConfiguration",
               {{"InsightsEnabled", group.insights.insights_enabled},
                {"NotificationsEnabled", group.insights.notifications_enabled}}}};
  if (group.filter_expression) {
    out["FilterExpression"] = *group.filter_expression;
  }
  return out;
}

// GroupName (1-32) and/or GroupARN (1-400); at least one.
ApiResult<storage::ResourceRef> ParseGroupRef(const json& body) {
  XRAYD_TRY_ASSIGN(auto name, OptionalBoundedString(body, "GroupName", 1, 32));
  XRAYD_TRY_ASSIGN(auto arn, OptionalBoundedString(body, "GroupARN", 1, 400));
  if (!name && !arn) {
    return tl::unexpected(InvalidRequest("GroupName or GroupARN is required"));
  }
  return storage::ResourceRef{std::move(name), std::move(arn)};
}

// FilterExpression, checked by the filter parser; the message names the offending token.
ApiResult<std::optional<std::string>> ParseGroupFilter(const json& body) {
  auto filter = OptionalString(body, "FilterExpression");
  if (!filter) {
    return filter;
  }
  if (*filter) {
    if (auto parsed = query::ParseFilter(**filter); !parsed) {
      return tl::unexpected(InvalidRequest("Invalid FilterExpression: " + parsed.error().message));
    }
  }
  return filter;
}

ApiResult<std::optional<storage::InsightsConfiguration>> ParseInsights(const json& body) {
  auto it = body.find("InsightsConfiguration");
  if (it == body.end() || it->is_null()) {
    return std::optional<storage::InsightsConfiguration>();
  }
  if (!it->is_object()) {
    return tl::unexpected(InvalidRequest("InsightsConfiguration must be an object"));
  }
  XRAYD_TRY_ASSIGN(auto insights, OptionalBool(*it, "InsightsEnabled"));
  XRAYD_TRY_ASSIGN(auto notifications, OptionalBool(*it, "NotificationsEnabled"));
  storage::InsightsConfiguration config{insights.value_or(false), notifications.value_or(false)};
  if (config.notifications_enabled && !config.insights_enabled) {
    return tl::unexpected(InvalidRequest(
        "Notifications may only be enabled on a group with InsightsEnabled set to true"));
  }
  return std::optional<storage::InsightsConfiguration>(config);
}

HttpResponse CreateGroup(storage::StateStore& store, const proto::Clock& clock,
                         const HttpRequest& request) {
  XRAYD_API_TRY_ASSIGN(auto body, ParseJsonBody(request));
  XRAYD_API_TRY_ASSIGN(auto name, RequiredString(body, "GroupName"));
  XRAYD_API_TRY_ASSIGN(auto filter, ParseGroupFilter(body));
  XRAYD_API_TRY_ASSIGN(auto insights, ParseInsights(body));
  XRAYD_API_TRY_ASSIGN(auto tags, ParseTags(body));
  storage::NewGroup group{std::move(name), std::move(filter),
                          insights.value_or(storage::InsightsConfiguration{}), std::move(tags)};
  auto created = store.CreateGroup(group, clock.NowSeconds());
  if (!created) {
    return StateErrorResponse(created.error(), "InvalidRequestException");
  }
  return JsonResponse({{"Group", GroupToJson(*created)}});
}

HttpResponse GetGroup(storage::StateStore& store, const proto::Clock& /*clock*/,
                      const HttpRequest& request) {
  XRAYD_API_TRY_ASSIGN(auto body, ParseJsonBody(request));
  XRAYD_API_TRY_ASSIGN(auto ref, ParseGroupRef(body));
  auto group = store.FindGroup(ref);
  if (!group) {
    return StateErrorResponse(group.error(), "InvalidRequestException");
  }
  return JsonResponse({{"Group", GroupToJson(*group)}});
}

HttpResponse GetGroups(storage::StateStore& store, const proto::Clock& /*clock*/,
                       const HttpRequest& request) {
  XRAYD_API_TRY_ASSIGN(auto body, ParseJsonBody(request));
  XRAYD_API_TRY_ASSIGN(auto token, OptionalBoundedString(body, "NextToken", 1, 100));
  std::int64_t after = -1;  // Default has id 0: a first page starts before it.
  if (token) {
    XRAYD_API_TRY_ASSIGN(auto cursor, DecodePageToken(kGroupsTokenKind, *token));
    after = cursor;
  }
  json groups = json::array();
  std::optional<std::int64_t> last;
  bool more = false;
  for (const storage::Group& group : store.ListGroups()) {  // By id, Default (0) first.
    if (group.id <= after) {
      continue;
    }
    if (groups.size() == kGroupsPageSize) {
      more = true;
      break;
    }
    groups.push_back(GroupToJson(group));
    last = group.id;
  }
  json out = {{"Groups", std::move(groups)}};
  if (more && last) {
    out["NextToken"] = EncodePageToken(kGroupsTokenKind, *last);
  }
  return JsonResponse(out);
}

HttpResponse UpdateGroup(storage::StateStore& store, const proto::Clock& clock,
                         const HttpRequest& request) {
  XRAYD_API_TRY_ASSIGN(auto body, ParseJsonBody(request));
  XRAYD_API_TRY_ASSIGN(auto ref, ParseGroupRef(body));
  XRAYD_API_TRY_ASSIGN(auto filter, ParseGroupFilter(body));
  XRAYD_API_TRY_ASSIGN(auto insights, ParseInsights(body));
  auto updated =
      store.UpdateGroup(ref, storage::GroupUpdate{std::move(filter), insights}, clock.NowSeconds());
  if (!updated) {
    return StateErrorResponse(updated.error(), "InvalidRequestException");
  }
  return JsonResponse({{"Group", GroupToJson(*updated)}});
}

HttpResponse DeleteGroup(storage::StateStore& store, const proto::Clock& /*clock*/,
                         const HttpRequest& request) {
  XRAYD_API_TRY_ASSIGN(auto body, ParseJsonBody(request));
  XRAYD_API_TRY_ASSIGN(auto ref, ParseGroupRef(body));
  if (auto status = store.DeleteGroup(ref); !status) {
    return StateErrorResponse(status.error(), "InvalidRequestException");
  }
  return JsonResponse(json::object());
}

}  // namespace

void RegisterGroupApi(ApiRouter& router, const ApiServices& services) {
  storage::StateStore* store = services.state;
  const proto::Clock* clock = services.clock;
  using Handler = HttpResponse (*)(storage::StateStore&, const proto::Clock&, const HttpRequest&);
  auto route = [&](std::string path, Handler handler) {
    router.Add("POST", std::move(path), [store, clock, handler](const HttpRequest& request) {
      if (store == nullptr) {
        return JsonError(500, "InternalFailure", "state store not available");
      }
      return handler(*store, *clock, request);
    });
  };
  route("/CreateGroup", &CreateGroup);
  route("/GetGroup", &GetGroup);
  route("/Groups", &GetGroups);
  route("/UpdateGroup", &UpdateGroup);
  route("/DeleteGroup", &DeleteGroup);
}

}  // namespace xrayd::daemon

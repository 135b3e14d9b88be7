// HttpServer's thread_nice: handlers run on threads whose nice value was raised, so queries yield
// the CPU to ingest (daemon/core/thread_priority.h); without it they keep the process's priority.

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <string>

#include <gtest/gtest.h>

#include "daemon/api/api_router.h"
#include "daemon/api/http_server.h"
#include "daemon/net/http_client.h"

namespace xrayd::daemon {
namespace {

int ThisThreadNice() {
  return getpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)));
}

// The nice value of the thread that served GET /nice on a server started with `thread_nice`.
int HandlerNice(int thread_nice) {
  ApiRouter router;
  router.Add("GET", "/nice", [](const HttpRequest&) {
    HttpResponse response;
    response.body = std::to_string(ThisThreadNice());
    return response;
  });
  HttpServer server(router, HttpServerOptions{.threads = 2, .thread_nice = thread_nice});
  EXPECT_TRUE(server.Start(Endpoint{"127.0.0.1", 0}));
  HttpClient client;
  ClientRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(server.LocalEndpoint().port) + "/nice";
  auto response = client.Send(request);
  EXPECT_TRUE(response) << response.error().message;
  return response ? std::stoi(response->body) : -100;
}

TEST(HttpServerPriorityTest, HandlersRunAtTheServersNiceValue) {
  const int base = ThisThreadNice();
  EXPECT_EQ(HandlerNice(0), base);
  // A process already nicer than 7 cannot go back (unprivileged): it stays where it was.
  EXPECT_EQ(HandlerNice(7), std::max(base, 7));
}

}  // namespace
}  // namespace xrayd::daemon

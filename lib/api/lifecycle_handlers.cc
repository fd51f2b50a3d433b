// /-/healthy, /-/ready, /-/reload and /-/quit with Prometheus's plain-text
// answers (web/web.go).
#include <string>

#include "absl/strings/str_cat.h"
#include "lib/api/handlers.h"

namespace vigil::api {

namespace {

HttpResponse Text(int status, std::string body) {
  HttpResponse resp;
  resp.status = status;
  resp.body = std::move(body);
  return resp;
}

}  // namespace

HttpResponse HandleHealthy(const ApiContext& /*ctx*/,
                           const HttpRequest& /*req*/) {
  return Text(200, "Prometheus Server is Healthy.\n");
}

HttpResponse HandleReady(const ApiContext& ctx, const HttpRequest& /*req*/) {
  if (ctx.deps.ready && !ctx.deps.ready()) {
    return Text(503, "Service Unavailable");
  }
  return Text(200, "Prometheus Server is Ready.\n");
}

HttpResponse HandleReload(const ApiContext& ctx, const HttpRequest& /*req*/) {
  if (!ctx.deps.reload) return Text(200, "");
  absl::Status st = ctx.deps.reload();
  if (!st.ok()) {
    // http.Error: the message plus a newline.
    return Text(500,
                absl::StrCat("failed to reload config: ", st.message(), "\n"));
  }
  return Text(200, "");
}

HttpResponse HandleQuit(const ApiContext& ctx, const HttpRequest& /*req*/) {
  if (ctx.quit_requested.exchange(true)) {
    return Text(200, "Termination already in progress.");
  }
  HttpResponse resp = Text(200, "Requesting termination... Goodbye!");
  resp.after_send = ctx.deps.quit;
  return resp;
}

HttpResponse LifecycleDisabled(const ApiContext& /*ctx*/,
                               const HttpRequest& /*req*/) {
  return Text(403, "Lifecycle API is not enabled.");
}

}  // namespace vigil::api

// /api/v1/format_query, as Prometheus's api.formatQuery: the query parsed
// with the server's parser options and returned as Prettify prints it.
#include <string>

#include "lib/api/handlers.h"
#include "lib/api/json_encoding.h"
#include "vigil/promql/parser.h"

namespace vigil::api {

ApiResult HandleFormatQuery(const ApiContext& ctx, const ApiRequest& req) {
  auto expr = promql::ParseExpr(req.form.Value("query"),
                                ctx.engine_options.parse_options);
  if (!expr.ok()) return InvalidParam("query", expr.status());
  std::string data;
  AppendJsonString(promql::Prettify(**expr), &data);
  return ApiResult::Data(std::move(data));
}

}  // namespace vigil::api

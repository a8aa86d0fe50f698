#include "api/metrics_endpoint.h"

#include <string_view>

namespace reclaim {

void MetricsEndpoint::Serve(HttpExchange& ex) {
  std::string_view path = ex.target();
  path = path.substr(0, path.find('?'));
  const HeaderList text = {{"Content-Type", "text/plain; charset=utf-8"}};
  absl::Status s;
  if (path != "/metrics") {
    s = ex.Respond(404, text, "404 page not found\n");
  } else if (ex.method() != "GET" && ex.method() != "HEAD") {
    HeaderList h = text;
    h.emplace_back("Allow", "GET, HEAD");
    s = ex.Respond(405, h, "method not allowed\n");
  } else {
    std::string body = scrape_();
    HeaderList h = {{"Content-Type", "text/plain; version=0.0.4; charset=utf-8"}};
    if (ex.method() == "HEAD") {
      h.emplace_back("Content-Length", std::to_string(body.size()));
      body.clear();
    }
    s = ex.Respond(200, h, std::move(body));
  }
  (void)s;  // a client that left: nothing more to do
}

}  // namespace reclaim

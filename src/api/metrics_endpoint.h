// File: api/metrics_endpoint.h
//
// The HttpHandler of `reclaim serve --metrics-addr`: GET (or HEAD) /metrics
// answers the scrape (metrics/metrics.h) as `text/plain; version=0.0.4`;
// other paths are 404, other methods 405 with `Allow: GET, HEAD`. Nothing of
// Docker's API is served there.
//
//   MetricsEndpoint endpoint([&] { return metrics.Scrape(); });
//   auto server = HttpServer::Start({.listen = {"tcp://127.0.0.1:9323"}}, endpoint);
//
// Thread-safety: as safe as `scrape`.
#ifndef RECLAIM_API_METRICS_ENDPOINT_H_
#define RECLAIM_API_METRICS_ENDPOINT_H_

#include <functional>
#include <string>
#include <utility>

#include "api/http_server.h"

namespace reclaim {

class MetricsEndpoint final : public HttpHandler {
 public:
  explicit MetricsEndpoint(std::function<std::string()> scrape) : scrape_(std::move(scrape)) {}
  void Serve(HttpExchange& exchange) override;

 private:
  const std::function<std::string()> scrape_;
};

}  // namespace reclaim

#endif  // RECLAIM_API_METRICS_ENDPOINT_H_

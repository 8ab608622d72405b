// Opens an engine from the installed package, loads a one-ticket catalog,
// sells the ticket through the JSON adapter, and checks the answer.
#include <cstdio>
#include <string>

#include "boxoffice/engine.h"
#include "boxoffice/json_adapter.h"

int main() {
  auto engine = boxoffice::Engine::Open({});
  if (!engine.ok()) return 1;
  auto doc = boxoffice::ParseCatalogJson(R"({
    "partners": [{"id": "5ba10ea90c43fc000b0fc786", "name": "P", "key": "k1"}],
    "events": [{"id": "5d7134962110d30a34e95b96", "org": "5ba10ea90c43fc000b0fc786",
      "status": "public", "title": {"text": "T", "desc": ""},
      "lifetime": {"start": "2020-06-12T15:00:00Z", "finish": "2020-06-12T18:00:00Z"},
      "timezone": "Europe/Moscow",
      "sets": [{"id": "5d7135112110d30a34e97e2d", "name": "S", "price": "10.00",
                "with_seats": false, "count": 1}]}]})");
  if (!doc.ok() || !(*engine)->LoadCatalog(*doc).ok()) return 2;
  boxoffice::JsonAdapter adapter(engine->get());
  boxoffice::RawResponse r = adapter.Handle(
      {"POST", "/v2/resources/orders", "key k1",
       R"({"event": "5d7134962110d30a34e95b96", "random": {"5d7135112110d30a34e97e2d": 1}})"});
  std::printf("%d %s\n", r.status, r.body.c_str());
  return r.status == 200 && r.body.find("\"10.00\"") != std::string::npos ? 0
                                                                          : 3;
}

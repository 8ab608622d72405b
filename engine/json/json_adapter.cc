// The adapter: routing, authorization, decoding, the engine call and the
// answer, for both entry points. See include/boxoffice/json_adapter.h.
#include "boxoffice/json_adapter.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "boxoffice/errors.h"
#include "engine/common/assert.h"
#include "engine/common/strict_json.h"
#include "engine/json/json_writer.h"
#include "engine/json/render.h"
#include "engine/json/request_decoder.h"
#include "engine/json/route.h"

namespace boxoffice {

using internal::ApiVersion;
using internal::JsonWriter;
using internal::RouteKind;
using json = nlohmann::json;

namespace {

// Room for an envelope's own fields around a body at the largest limit.
constexpr size_t kEnvelopeOverheadBytes = size_t{64} << 10;
// The most nesting any adapter option may allow: the SAX stack is on the
// heap, but dump() of a customer object recurses once per level.
constexpr int kMaxDepthCeiling = 256;
constexpr size_t kMinBodyBytes = size_t{1} << 10;
constexpr size_t kMaxBodyBytes = size_t{64} << 20;

// HTTP status for an engine refusal (include/boxoffice/errors.h).
int HttpStatusOf(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kAlreadyExists:
      return 400;
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kPermissionDenied:
      return 401;
    default:
      return 500;
  }
}

// Compares without an early exit, so that the time taken does not tell an
// attacker how much of the admin key a guess got right.
bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

// ASCII case-insensitive equality (header names, auth schemes).
bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// At most the first 100 bytes of an id echoed in a message, as a string
// absl::StrCat takes (Debian's Abseil has its own string_view).
std::string Shown(std::string_view s) { return std::string(s.substr(0, 100)); }

// "<scheme> <credential>" with the scheme matched case-insensitively;
// empty when the header has another scheme or no credential.
std::string_view Credential(std::string_view authorization,
                            std::string_view scheme) {
  if (authorization.size() <= scheme.size() + 1) return {};
  if (!EqualsIgnoreCase(authorization.substr(0, scheme.size()), scheme)) {
    return {};
  }
  if (authorization[scheme.size()] != ' ') return {};
  return authorization.substr(scheme.size() + 1);
}

// Where a request's body comes from: raw text (the raw entry point, or an
// envelope whose body is a string), or a value the envelope parse already
// built (`parsed`, with the envelope's size as an upper bound of its own).
struct BodyInput {
  std::string_view text;
  const json* parsed = nullptr;
  size_t envelope_bytes = 0;
};

}  // namespace

// The adapter's state: the borrowed engine, the options and the refs cache.
// Thread-safety: Dispatch may run on any number of threads at once; the
// options are immutable after construction and the cache synchronizes
// itself, so requests share nothing else.
class JsonAdapter::Impl {
 public:
  Impl(Engine* engine, JsonAdapterOptions options)
      : engine_(engine), options_(std::move(options)), refs_(engine) {
    // Options are the host's code, not input: out-of-range values are a
    // programming error, refused loudly rather than clamped.
    BOXOFFICE_CHECK(engine_ != nullptr);
    BOXOFFICE_CHECK(options_.max_body_bytes >= kMinBodyBytes);
    BOXOFFICE_CHECK(options_.max_body_bytes <= kMaxBodyBytes);
    BOXOFFICE_CHECK(options_.max_catalog_bytes >= kMinBodyBytes);
    BOXOFFICE_CHECK(options_.max_depth >= 1);
    BOXOFFICE_CHECK(options_.max_depth <= kMaxDepthCeiling);
  }

  void Dispatch(std::string_view method, std::string_view path,
                std::string_view authorization, const BodyInput& body,
                RawResponse* response) const;

  size_t MaxEnvelopeBytes() const {
    return std::max(options_.max_body_bytes, options_.max_catalog_bytes) +
           kEnvelopeOverheadBytes;
  }
  int max_depth() const { return options_.max_depth; }

 private:
  void Fail(int status, std::vector<std::string> messages,
            RawResponse* r) const {
    r->status = status;
    r->body.clear();
    internal::WriteErrors(messages, &r->body);
  }
  void Fail(int status, std::string message, RawResponse* r) const {
    std::vector<std::string> messages;
    messages.push_back(std::move(message));
    Fail(status, std::move(messages), r);
  }
  void FailStatus(const absl::Status& s, RawResponse* r) const {
    BOXOFFICE_DCHECK(!s.ok());
    Fail(HttpStatusOf(s.code()), ErrorMessages(s), r);
  }

  // The body as an object, parsed once; nullptr after answering a 400.
  const json* BodyObject(const BodyInput& in, size_t max_bytes, json* storage,
                         RawResponse* r) const;

  void Create(const ObjectId& partner, ApiVersion v, const json& body,
              RawResponse* r) const;
  void Change(const ObjectId& partner, ApiVersion v, std::string_view id,
              const ChangeOrderRequest& request, RawResponse* r) const;
  void Get(const ObjectId& partner, ApiVersion v, std::string_view id,
           RawResponse* r) const;
  void List(const ObjectId& partner, std::string_view query,
            RawResponse* r) const;
  void Events(const ObjectId& partner, RawResponse* r) const;
  void Seats(const ObjectId& partner, std::string_view id,
             RawResponse* r) const;
  void Admin(std::string_view authorization, const BodyInput& body,
             RawResponse* r) const;

  // Writes a whole successful order answer.
  void AnswerOrder(const OrderView& order, ApiVersion v, int status,
                   RawResponse* r) const;

  Engine* const engine_;
  const JsonAdapterOptions options_;
  // Logically const: a cache of immutable catalog text.
  mutable internal::RefCache refs_;
};

const json* JsonAdapter::Impl::BodyObject(const BodyInput& in, size_t max_bytes,
                                          json* storage, RawResponse* r) const {
  if (in.parsed != nullptr) {
    // The envelope's size bounds the body's: only a large envelope needs
    // the body's own size, measured as its compact text (dump() recursion
    // is bounded by the depth cap the envelope parse applied).
    if (in.envelope_bytes > max_bytes) {
      const size_t n = in.parsed->dump().size();
      if (n > max_bytes) {
        Fail(400,
             absl::StrCat("Body too large: ", n, " bytes, at most ", max_bytes),
             r);
        return nullptr;
      }
    }
    if (!in.parsed->is_object()) {
      Fail(400, "Field body must be an object", r);
      return nullptr;
    }
    return in.parsed;
  }
  if (in.text.size() > max_bytes) {
    Fail(400,
         absl::StrCat("Body too large: ", in.text.size(), " bytes, at most ",
                      max_bytes),
         r);
    return nullptr;
  }
  if (in.text.empty()) {
    Fail(400, "Field body must be an object", r);
    return nullptr;
  }
  internal::StrictJsonLimits limits;
  limits.max_bytes = max_bytes;
  limits.max_depth = options_.max_depth;
  if (absl::Status s = internal::ParseStrictJson(in.text, limits, storage);
      !s.ok()) {
    Fail(400, std::string(s.message()), r);
    return nullptr;
  }
  if (!storage->is_object()) {
    Fail(400, "Field body must be an object", r);
    return nullptr;
  }
  return storage;
}

void JsonAdapter::Impl::Dispatch(std::string_view method, std::string_view path,
                                 std::string_view authorization,
                                 const BodyInput& body, RawResponse* r) const {
  r->status = 200;
  r->headers.clear();
  r->body.clear();
  // Routing comes first: an unknown route is 404 whatever the key.
  const internal::Route route = internal::MatchRoute(method, path);
  if (route.kind == RouteKind::kNotFound) return Fail(404, "Not found", r);
  if (route.kind == RouteKind::kMethodNotAllowed)
    return Fail(405, "Method not allowed", r);
  if (route.kind == RouteKind::kAdminCatalog)
    return Admin(authorization, body, r);

  const std::string_view key = Credential(authorization, "key");
  const std::optional<ObjectId> partner =
      key.empty() ? std::nullopt : engine_->FindPartnerByKey(key);
  if (!partner) return Fail(401, "Unauthorized", r);
  r->headers.emplace_back("X-Partner", partner->ToString());

  json storage;
  switch (route.kind) {
    case RouteKind::kCreateV1:
    case RouteKind::kCreateV2: {
      const json* b = BodyObject(body, options_.max_body_bytes, &storage, r);
      if (b == nullptr) return;
      return Create(*partner,
                    route.kind == RouteKind::kCreateV1 ? ApiVersion::kV1
                                                       : ApiVersion::kV2,
                    *b, r);
    }
    case RouteKind::kPatchV1:
    case RouteKind::kPatchV2: {
      const ApiVersion v =
          route.kind == RouteKind::kPatchV1 ? ApiVersion::kV1 : ApiVersion::kV2;
      const json* b = BodyObject(body, options_.max_body_bytes, &storage, r);
      if (b == nullptr) return;
      ChangeOrderRequest request;
      std::vector<std::string> errors;
      internal::DecodeChange(*b, v, &request, &errors);
      if (!errors.empty()) return Fail(400, std::move(errors), r);
      return Change(*partner, v, route.id, request, r);
    }
    case RouteKind::kDeleteV1: {
      // v1 DELETE is PATCH {"status": "canceled"}; a body, if any, is ignored.
      ChangeOrderRequest request;
      request.status = OrderStatus::kCancelled;
      return Change(*partner, ApiVersion::kV1, route.id, request, r);
    }
    case RouteKind::kGetV1:
      return Get(*partner, ApiVersion::kV1, route.id, r);
    case RouteKind::kGetV2:
      return Get(*partner, ApiVersion::kV2, route.id, r);
    case RouteKind::kListV2:
      return List(*partner, route.query, r);
    case RouteKind::kEventsV2:
      return Events(*partner, r);
    case RouteKind::kSeatsV2:
      return Seats(*partner, route.id, r);
    case RouteKind::kNotFound:
    case RouteKind::kMethodNotAllowed:
    case RouteKind::kAdminCatalog:
      break;
  }
  BOXOFFICE_CHECK(false);  // every route kind returned above
}

void JsonAdapter::Impl::AnswerOrder(const OrderView& order, ApiVersion v,
                                    int status, RawResponse* r) const {
  r->status = status;
  r->body.clear();
  JsonWriter w(&r->body);
  if (v == ApiVersion::kV1) {
    internal::WriteOrderV1(order, &refs_, &w);
  } else {
    w.BeginObject();
    w.Key("data");
    internal::WriteOrderV2(order, &w);
    w.Key("refs");
    internal::RefIds ids;
    ids.Add(order);
    internal::WriteRefs(ids, &refs_, &w);
    w.EndObject();
  }
  BOXOFFICE_DCHECK(w.Complete());
}

void JsonAdapter::Impl::Create(const ObjectId& partner, ApiVersion v,
                               const json& body, RawResponse* r) const {
  CreateOrderRequest request;
  std::vector<std::string> errors;
  internal::DecodeCreate(body, &request, &errors);
  if (!errors.empty()) return Fail(400, std::move(errors), r);
  absl::StatusOr<OrderView> order = engine_->CreateOrder(partner, request);
  if (!order.ok()) return FailStatus(order.status(), r);
  // v1 answers a create with 201 Created (reference 000), v2 with 200.
  AnswerOrder(*order, v, v == ApiVersion::kV1 ? 201 : 200, r);
}

void JsonAdapter::Impl::Change(const ObjectId& partner, ApiVersion v,
                               std::string_view id,
                               const ChangeOrderRequest& request,
                               RawResponse* r) const {
  const std::optional<ObjectId> order_id = ObjectId::Parse(id);
  if (!order_id)
    return Fail(400, absl::StrCat("Order ", Shown(id), " not found"), r);
  absl::StatusOr<OrderView> order =
      engine_->ChangeOrder(partner, *order_id, request);
  if (!order.ok()) return FailStatus(order.status(), r);
  AnswerOrder(*order, v, 200, r);
}

void JsonAdapter::Impl::Get(const ObjectId& partner, ApiVersion v,
                            std::string_view id, RawResponse* r) const {
  const std::optional<ObjectId> order_id = ObjectId::Parse(id);
  if (!order_id)
    return Fail(400, absl::StrCat("Order ", Shown(id), " not found"), r);
  absl::StatusOr<OrderView> order = engine_->GetOrder(partner, *order_id);
  if (!order.ok()) return FailStatus(order.status(), r);
  AnswerOrder(*order, v, 200, r);
}

void JsonAdapter::Impl::List(const ObjectId& partner, std::string_view query,
                             RawResponse* r) const {
  OrderFilter filter;
  std::vector<std::string> errors;
  bool seen_event = false, seen_status = false, seen_page = false,
       seen_per_page = false;
  const auto once = [&errors](bool* seen, std::string_view name) {
    if (*seen) {
      errors.push_back(
          absl::StrCat("Field ", std::string(name), " must be given once"));
      return false;
    }
    *seen = true;
    return true;
  };
  // 1..max as a plain decimal (no sign, no spaces); nullopt otherwise.
  const auto positive = [](std::string_view s,
                           int64_t max) -> std::optional<int64_t> {
    if (s.empty() || s.size() > 16) return std::nullopt;
    int64_t v = 0;
    for (const char c : s) {
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + (c - '0');
    }
    if (v < 1 || v > max) return std::nullopt;
    return v;
  };
  for (const auto& [name, value] : internal::ParseQuery(query)) {
    if (name == "event") {
      if (!once(&seen_event, name)) continue;
      filter.event = ObjectId::Parse(value);
      if (!filter.event) errors.push_back("Field event must be an event id");
    } else if (name == "status") {
      if (!once(&seen_status, name)) continue;
      filter.status = ParseOrderStatus(value);
      if (!filter.status || value == "canceled") {
        errors.push_back(
            "Field status must be one of executed, in_progress, done, "
            "cancelled, expired");
      }
    } else if (name == "page") {
      if (!once(&seen_page, name)) continue;
      if (auto p = positive(value, internal::kMaxExactInteger)) {
        filter.page = *p;
      } else {
        errors.push_back("Field page must be a positive integer");
      }
    } else if (name == "per_page") {
      if (!once(&seen_per_page, name)) continue;
      if (auto p = positive(value, 100)) {
        filter.per_page = *p;
      } else {
        errors.push_back("Field per_page must be an integer from 1 to 100");
      }
    }
    // Unknown parameters are ignored, like unknown body fields.
  }
  if (!errors.empty()) return Fail(400, std::move(errors), r);
  absl::StatusOr<OrderPage> page = engine_->ListOrders(partner, filter);
  if (!page.ok()) return FailStatus(page.status(), r);
  r->status = 200;
  JsonWriter w(&r->body);
  w.BeginObject();
  w.Key("data");
  w.BeginArray();
  internal::RefIds ids;
  for (const OrderView& o : page->orders) {
    internal::WriteOrderV2(o, &w);
    ids.Add(o);
  }
  w.EndArray();
  w.Key("refs");
  internal::WriteRefs(ids, &refs_, &w);
  w.Key("pagination");
  w.BeginObject();
  w.Key("page");
  w.Int(page->page);
  w.Key("per_page");
  w.Int(page->per_page);
  w.Key("total");
  w.Int(page->total);
  w.EndObject();
  w.EndObject();
  BOXOFFICE_DCHECK(w.Complete());
}

void JsonAdapter::Impl::Events(const ObjectId& partner, RawResponse* r) const {
  const std::vector<EventInfo> events = engine_->ListEvents(partner);
  r->status = 200;
  JsonWriter w(&r->body);
  w.BeginObject();
  w.Key("data");
  internal::WriteEvents(events, &w);
  w.EndObject();
  BOXOFFICE_DCHECK(w.Complete());
}

void JsonAdapter::Impl::Seats(const ObjectId& partner, std::string_view id,
                              RawResponse* r) const {
  const std::optional<ObjectId> event = ObjectId::Parse(id);
  if (!event)
    return Fail(400, absl::StrCat("Event ", Shown(id), " not found"), r);
  absl::StatusOr<std::vector<SeatView>> seats =
      engine_->ListSeats(partner, *event);
  if (!seats.ok()) return FailStatus(seats.status(), r);
  r->status = 200;
  JsonWriter w(&r->body);
  w.BeginObject();
  w.Key("data");
  internal::WriteSeats(*seats, &w);
  w.EndObject();
  BOXOFFICE_DCHECK(w.Complete());
}

void JsonAdapter::Impl::Admin(std::string_view authorization,
                              const BodyInput& body, RawResponse* r) const {
  const std::string_view key = Credential(authorization, "admin");
  // No admin key configured: the route answers 401 to everyone.
  if (!options_.admin_key || options_.admin_key->empty() || key.empty() ||
      !ConstantTimeEquals(key, *options_.admin_key)) {
    return Fail(401, "Unauthorized", r);
  }
  // The catalog parser reads text; an envelope's object body is turned back
  // into text (depth-capped, so dump() is safe). The raw entry point pays
  // nothing extra.
  std::string dumped;
  std::string_view text = body.text;
  if (body.parsed != nullptr) {
    if (!body.parsed->is_object())
      return Fail(400, "Field body must be an object", r);
    dumped = body.parsed->dump();
    text = dumped;
  }
  if (text.size() > options_.max_catalog_bytes) {
    return Fail(400,
                absl::StrCat("Body too large: ", text.size(),
                             " bytes, at most ", options_.max_catalog_bytes),
                r);
  }
  if (text.empty()) return Fail(400, "Field body must be an object", r);
  CatalogLimits limits;
  limits.max_bytes = options_.max_catalog_bytes;
  absl::StatusOr<CatalogDocument> doc = ParseCatalogJson(text, limits);
  if (!doc.ok()) return FailStatus(doc.status(), r);
  absl::StatusOr<CatalogSummary> summary = engine_->LoadCatalog(*doc);
  if (!summary.ok()) return FailStatus(summary.status(), r);
  r->status = 200;
  JsonWriter w(&r->body);
  w.BeginObject();
  w.Key("data");
  w.BeginObject();
  w.Key("partners");
  w.Int(summary->partners);
  w.Key("events");
  w.Int(summary->events);
  w.Key("tickets");
  w.Int(summary->tickets);
  w.EndObject();
  w.EndObject();
  BOXOFFICE_DCHECK(w.Complete());
}

JsonAdapter::JsonAdapter(Engine* engine, JsonAdapterOptions options)
    : impl_(std::make_unique<Impl>(engine, std::move(options))) {}

JsonAdapter::~JsonAdapter() = default;

void JsonAdapter::Handle(const RawRequest& request,
                         RawResponse* response) const {
  BOXOFFICE_DCHECK(response != nullptr);
  BodyInput body;
  body.text = request.body;
  impl_->Dispatch(request.method, request.path, request.authorization, body,
                  response);
  BOXOFFICE_DCHECK(!response->body.empty());
}

RawResponse JsonAdapter::Handle(const RawRequest& request) const {
  RawResponse response;
  Handle(request, &response);
  return response;
}

std::string JsonAdapter::HandleEnvelope(std::string_view envelope_json) const {
  RawResponse response;
  std::vector<std::string> errors;
  json envelope;
  internal::StrictJsonLimits limits;
  limits.max_bytes = impl_->MaxEnvelopeBytes();
  limits.max_depth = impl_->max_depth();
  limits.wrapper_levels = 1;  // the body sits one level down
  std::string_view method, path, authorization;
  BodyInput body;
  body.envelope_bytes = envelope_json.size();
  if (absl::Status s =
          internal::ParseStrictJson(envelope_json, limits, &envelope);
      !s.ok()) {
    errors.emplace_back(s.message());
  } else if (!envelope.is_object()) {
    errors.emplace_back("Field envelope must be an object");
  } else {
    const auto method_it = envelope.find("method");
    if (method_it == envelope.end() || !method_it->is_string()) {
      errors.emplace_back("Field method must be a string");
    } else {
      method = method_it->get_ref<const std::string&>();
    }
    const auto path_it = envelope.find("path");
    if (path_it == envelope.end() || !path_it->is_string()) {
      errors.emplace_back("Field path must be a string");
    } else {
      path = path_it->get_ref<const std::string&>();
    }
    if (const auto headers = envelope.find("headers");
        headers != envelope.end() && !headers->is_null()) {
      if (!headers->is_object()) {
        errors.emplace_back("Field headers must be an object of strings");
      } else {
        int found = 0;
        for (const auto& [name, value] : headers->items()) {
          if (!value.is_string()) {
            errors.push_back(absl::StrCat("Field headers.", name.substr(0, 100),
                                          " must be a string"));
            continue;
          }
          // Header names match case-insensitively (RFC 9110).
          if (EqualsIgnoreCase(name, "authorization")) {
            ++found;
            authorization = value.get_ref<const std::string&>();
          }
        }
        if (found > 1)
          errors.emplace_back("Field headers must name Authorization once");
      }
    }
    if (const auto b = envelope.find("body");
        b != envelope.end() && !b->is_null()) {
      if (b->is_string()) {
        body.text = b->get_ref<const std::string&>();
      } else {
        body.parsed = &*b;
      }
    }
  }
  if (errors.empty()) {
    impl_->Dispatch(method, path, authorization, body, &response);
  } else {
    response.status = 400;
    internal::WriteErrors(errors, &response.body);
  }
  std::string out;
  out.reserve(response.body.size() + 64);
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("status");
  w.Int(response.status);
  w.Key("headers");
  w.BeginObject();
  for (const auto& [name, value] : response.headers) {
    w.Key(name);
    w.String(value);
  }
  w.EndObject();
  w.Key("body");
  w.Raw(response.body);
  w.EndObject();
  BOXOFFICE_DCHECK(w.Complete());
  return out;
}

}  // namespace boxoffice

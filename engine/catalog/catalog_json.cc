// ParseCatalogJson: the catalog document (catalog.md) from JSON text.
//
// Two passes, so that every problem is listed at once: the reader below
// turns the JSON into structs and reports what is wrong with the JSON
// itself (missing fields, wrong types, malformed ids, money, percents,
// times, statuses); then ValidateCatalogDocument reports what is wrong with
// the values (duplicates, seated sets, counts, limits), skipping fields the
// reader already refused. Array elements keep their JSON index in the
// structs even when refused, so that both passes name the same pointers.
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "boxoffice/catalog.h"
#include "boxoffice/errors.h"
#include "engine/catalog/catalog_validate.h"
#include "engine/common/assert.h"
#include "engine/common/strict_json.h"
#include "nlohmann/json.hpp"

namespace boxoffice {
namespace {

using json = nlohmann::json;
using internal::Problem;
using internal::RefusedPointers;

constexpr int kMaxDepth = 64;
constexpr char kIdProblem[] = "must be an id of 24 lowercase hex characters";
constexpr char kIntegerProblem[] = "must be a non-negative integer";
constexpr char kTimeProblem[] = "must be an RFC 3339 time";
constexpr char kStatusProblem[] = "must be one of public, draft, cancelled";
constexpr char kDiscountProblem[] = "must have exactly one of percentage, fix";
constexpr char kDiscountPercentProblem[] =
    "must be a percentage from \"0%\" to \"100%\" with at most two places";

// Reads fields, recording each refusal once, at the deepest pointer that
// names it. Not thread-safe: one per parse.
class Reader {
 public:
  Reader(std::vector<std::string>* problems, RefusedPointers* refused)
      : problems_(problems), refused_(refused) {}

  void Fail(const std::string& pointer, std::string_view problem) {
    problems_->push_back(Problem(pointer, problem));
    refused_->Add(pointer);
  }

  // The member `key` of object `obj`, or nullptr if absent. JSON null reads
  // as absent: "no value" in either spelling.
  static const json* Member(const json& obj, const char* key) {
    BOXOFFICE_DCHECK(obj.is_object());
    const auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return nullptr;
    return &*it;
  }

  // Like Member, but a missing member is a problem.
  const json* Required(const json& obj, const char* key,
                       const std::string& pointer) {
    const json* v = Member(obj, key);
    if (v == nullptr) Fail(pointer, "is required");
    return v;
  }

  bool Object(const json& v, const std::string& pointer) {
    if (v.is_object()) return true;
    Fail(pointer, "must be an object");
    return false;
  }

  bool Array(const json& v, const std::string& pointer) {
    if (v.is_array()) return true;
    Fail(pointer, "must be an array");
    return false;
  }

  bool String(const json& v, const std::string& pointer, std::string* out) {
    if (!v.is_string()) {
      Fail(pointer, "must be a string");
      return false;
    }
    *out = v.get_ref<const std::string&>();
    return true;
  }

  bool Bool(const json& v, const std::string& pointer, bool* out) {
    if (!v.is_boolean()) {
      Fail(pointer, "must be a boolean");
      return false;
    }
    *out = v.get<bool>();
    return true;
  }

  bool Id(const json& v, const std::string& pointer, ObjectId* out) {
    std::optional<ObjectId> id;
    if (v.is_string()) id = ObjectId::Parse(v.get_ref<const std::string&>());
    if (!id.has_value()) {
      Fail(pointer, kIdProblem);
      return false;
    }
    *out = *id;
    return true;
  }

  // Exact integers only: nlohmann keeps 7 as number_integer or
  // number_unsigned and 7.0 or 7e0 as number_float, which is refused.
  bool Integer(const json& v, const std::string& pointer, int64_t* out) {
    if (v.is_number_unsigned()) {
      const uint64_t u = v.get<uint64_t>();
      if (u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        *out = static_cast<int64_t>(u);
        return true;
      }
    } else if (v.is_number_integer()) {
      const int64_t i = v.get<int64_t>();
      if (i >= 0) {
        *out = i;
        return true;
      }
    }
    Fail(pointer, kIntegerProblem);
    return false;
  }

  bool MoneyValue(const json& v, const std::string& pointer, Money* out) {
    if (v.is_string()) {
      auto m = ParseMoney(v.get_ref<const std::string&>());
      if (m.ok()) {
        *out = *m;
        return true;
      }
    }
    Fail(pointer, "must be a decimal string with at most two places");
    return false;
  }

  bool PercentValue(const json& v, const std::string& pointer, Percent* out) {
    if (v.is_string()) {
      auto p = ParsePercent(v.get_ref<const std::string&>());
      if (p.ok()) {
        *out = *p;
        return true;
      }
    }
    Fail(pointer,
         "must be a decimal percentage from 0 to 1000 with at most two places");
    return false;
  }

  // A promocode's percentage carries the sign ("10%"), unlike extra_percent.
  bool DiscountPercent(const json& v, const std::string& pointer,
                       Percent* out) {
    if (v.is_string()) {
      const std::string& s = v.get_ref<const std::string&>();
      if (!s.empty() && s.back() == '%') {
        auto p = ParsePercent(std::string_view(s).substr(0, s.size() - 1));
        if (p.ok() && p->hundredths <= 10'000) {
          *out = *p;
          return true;
        }
      }
    }
    Fail(pointer, kDiscountPercentProblem);
    return false;
  }

  bool Time(const json& v, const std::string& pointer, absl::Time* out) {
    if (v.is_string()) {
      const std::string& s = v.get_ref<const std::string&>();
      std::string err;
      if (absl::ParseTime(absl::RFC3339_full, s, out, &err)) return true;
    }
    Fail(pointer, kTimeProblem);
    return false;
  }

 private:
  std::vector<std::string>* problems_;
  RefusedPointers* refused_;
};

void ReadPartner(const json& v, const std::string& pp, Reader* r,
                 PartnerSpec* out) {
  if (!r->Object(v, pp)) return;
  if (const json* f = r->Required(v, "id", pp + "/id")) {
    r->Id(*f, pp + "/id", &out->id);
  }
  if (const json* f = r->Required(v, "name", pp + "/name")) {
    r->String(*f, pp + "/name", &out->name);
  }
  if (const json* f = r->Required(v, "key", pp + "/key")) {
    r->String(*f, pp + "/key", &out->key);
  }
}

// The common case of a ticket with nothing wrong, read without building a
// single pointer string (a stadium lists 100,000 tickets). Returns false,
// leaving *out partly written, if anything is off: ReadTicket then reads it
// again and reports every problem.
bool ReadTicketFast(const json& v, TicketSpec* out) {
  if (!v.is_object()) return false;
  const json* id = Reader::Member(v, "id");
  if (id == nullptr || !id->is_string()) return false;
  const std::optional<ObjectId> parsed =
      ObjectId::Parse(id->get_ref<const std::string&>());
  if (!parsed.has_value()) return false;
  out->id = *parsed;
  if (const json* n = Reader::Member(v, "number")) {
    if (n->is_number_unsigned()) {
      const uint64_t u = n->get<uint64_t>();
      if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return false;
      }
      out->number = static_cast<int64_t>(u);
    } else if (n->is_number_integer() && n->get<int64_t>() >= 0) {
      out->number = n->get<int64_t>();
    } else {
      return false;
    }
  }
  if (const json* seat = Reader::Member(v, "seat")) {
    if (!seat->is_object()) return false;
    const json* sector = Reader::Member(*seat, "sector");
    const json* row = Reader::Member(*seat, "row");
    const json* number = Reader::Member(*seat, "number");
    if (sector == nullptr || !sector->is_string() || row == nullptr ||
        !row->is_string() || number == nullptr || !number->is_string()) {
      return false;
    }
    out->seat = Seat{sector->get_ref<const std::string&>(),
                     row->get_ref<const std::string&>(),
                     number->get_ref<const std::string&>()};
  }
  return true;
}

void ReadTicket(const json& v, const std::string& tp, Reader* r,
                TicketSpec* out) {
  if (!r->Object(v, tp)) return;
  if (const json* f = r->Required(v, "id", tp + "/id")) {
    r->Id(*f, tp + "/id", &out->id);
  }
  if (const json* f = Reader::Member(v, "number")) {
    int64_t n = 0;
    if (r->Integer(*f, tp + "/number", &n)) out->number = n;
  }
  if (const json* f = Reader::Member(v, "seat")) {
    const std::string sp = tp + "/seat";
    if (!r->Object(*f, sp)) return;
    // A seat present but broken is reported where it is broken; it still
    // counts as present for the "seat required" rule.
    Seat seat;
    if (const json* g = r->Required(*f, "sector", sp + "/sector")) {
      r->String(*g, sp + "/sector", &seat.sector);
    }
    if (const json* g = r->Required(*f, "row", sp + "/row")) {
      r->String(*g, sp + "/row", &seat.row);
    }
    if (const json* g = r->Required(*f, "number", sp + "/number")) {
      r->String(*g, sp + "/number", &seat.number);
    }
    out->seat = std::move(seat);
  }
}

void ReadSet(const json& v, const std::string& sp, Reader* r, SetSpec* out) {
  if (!r->Object(v, sp)) return;
  if (const json* f = r->Required(v, "id", sp + "/id")) {
    r->Id(*f, sp + "/id", &out->id);
  }
  if (const json* f = r->Required(v, "name", sp + "/name")) {
    r->String(*f, sp + "/name", &out->name);
  }
  if (const json* f = r->Required(v, "price", sp + "/price")) {
    r->MoneyValue(*f, sp + "/price", &out->price);
  }
  if (const json* f = Reader::Member(v, "with_seats")) {
    r->Bool(*f, sp + "/with_seats", &out->with_seats);
  }
  if (const json* f = Reader::Member(v, "serial")) {
    std::string s;
    if (r->String(*f, sp + "/serial", &s)) out->serial = std::move(s);
  }
  if (const json* f = Reader::Member(v, "rule")) {
    ObjectId rule;
    if (r->Id(*f, sp + "/rule", &rule)) out->rule = rule;
  }
  if (const json* f = Reader::Member(v, "extra_percent")) {
    Percent p;
    if (r->PercentValue(*f, sp + "/extra_percent", &p)) out->extra_percent = p;
  }
  if (const json* f = Reader::Member(v, "count")) {
    int64_t n = 0;
    if (r->Integer(*f, sp + "/count", &n)) out->count = n;
  }
  if (const json* f = Reader::Member(v, "tickets")) {
    const std::string tsp = sp + "/tickets";
    if (r->Array(*f, tsp)) {
      out->tickets.resize(f->size());
      for (size_t t = 0; t < f->size(); ++t) {
        if (!ReadTicketFast((*f)[t], &out->tickets[t])) {
          out->tickets[t] = TicketSpec();
          ReadTicket((*f)[t], absl::StrCat(tsp, "/", t), r, &out->tickets[t]);
        }
      }
    }
  }
}

void ReadDiscount(const json& v, const std::string& dp, Reader* r,
                  Discount* out) {
  if (!r->Object(v, dp)) return;
  const json* percentage = Reader::Member(v, "percentage");
  const json* fix = Reader::Member(v, "fix");
  if ((percentage == nullptr) == (fix == nullptr)) {
    r->Fail(dp, kDiscountProblem);
    return;
  }
  if (percentage != nullptr) {
    out->kind = Discount::Kind::kPercentage;
    r->DiscountPercent(*percentage, dp + "/percentage", &out->percentage);
  } else {
    out->kind = Discount::Kind::kFix;
    r->MoneyValue(*fix, dp + "/fix", &out->fix);
  }
}

void ReadPromocode(const json& v, const std::string& pp, Reader* r,
                   PromocodeSpec* out) {
  if (!r->Object(v, pp)) return;
  if (const json* f = r->Required(v, "id", pp + "/id")) {
    r->Id(*f, pp + "/id", &out->id);
  }
  if (const json* f = r->Required(v, "code", pp + "/code")) {
    r->String(*f, pp + "/code", &out->code);
  }
  if (const json* f = r->Required(v, "discount", pp + "/discount")) {
    ReadDiscount(*f, pp + "/discount", r, &out->discount);
  }
  if (const json* f = Reader::Member(v, "limit")) {
    int64_t n = 0;
    if (r->Integer(*f, pp + "/limit", &n)) out->limit = n;
  }
  if (const json* f = Reader::Member(v, "sets")) {
    if (r->Array(*f, pp + "/sets")) {
      std::vector<ObjectId> sets(f->size());
      bool ok = true;
      for (size_t i = 0; i < f->size(); ++i) {
        ok &= r->Id((*f)[i], absl::StrCat(pp, "/sets/", i), &sets[i]);
      }
      if (ok) out->sets = std::move(sets);
    }
  }
}

void ReadEvent(const json& v, size_t e, Reader* r, EventSpec* out) {
  const std::string ep = internal::EventPointer(e);
  if (!r->Object(v, ep)) return;
  if (const json* f = r->Required(v, "id", ep + "/id")) {
    r->Id(*f, ep + "/id", &out->id);
  }
  if (const json* f = r->Required(v, "org", ep + "/org")) {
    r->Id(*f, ep + "/org", &out->org);
  }
  if (const json* f = Reader::Member(v, "vendors")) {
    if (r->Array(*f, ep + "/vendors")) {
      out->vendors.resize(f->size());
      for (size_t i = 0; i < f->size(); ++i) {
        r->Id((*f)[i], absl::StrCat(ep, "/vendors/", i), &out->vendors[i]);
      }
    }
  }
  if (const json* f = r->Required(v, "status", ep + "/status")) {
    const std::string sp = ep + "/status";
    if (!f->is_string()) {
      r->Fail(sp, kStatusProblem);
    } else {
      const std::string& s = f->get_ref<const std::string&>();
      if (s == "public") {
        out->status = EventStatus::kPublic;
      } else if (s == "draft") {
        out->status = EventStatus::kDraft;
      } else if (s == "cancelled") {
        out->status = EventStatus::kCancelled;
      } else {
        r->Fail(sp, kStatusProblem);
      }
    }
  }
  if (const json* f = r->Required(v, "title", ep + "/title")) {
    if (r->Object(*f, ep + "/title")) {
      if (const json* g = r->Required(*f, "text", ep + "/title/text")) {
        r->String(*g, ep + "/title/text", &out->title_text);
      }
      if (const json* g = Reader::Member(*f, "desc")) {
        r->String(*g, ep + "/title/desc", &out->title_desc);
      }
    }
  }
  if (const json* f = r->Required(v, "lifetime", ep + "/lifetime")) {
    if (r->Object(*f, ep + "/lifetime")) {
      bool ok = true;
      if (const json* g = r->Required(*f, "start", ep + "/lifetime/start")) {
        ok &= r->Time(*g, ep + "/lifetime/start", &out->start);
      } else {
        ok = false;
      }
      if (const json* g = r->Required(*f, "finish", ep + "/lifetime/finish")) {
        ok &= r->Time(*g, ep + "/lifetime/finish", &out->finish);
      } else {
        ok = false;
      }
      // The validator compares start and finish only when both were read.
      if (!ok) out->finish = out->start;
    }
  }
  if (const json* f = r->Required(v, "timezone", ep + "/timezone")) {
    r->String(*f, ep + "/timezone", &out->timezone);
  }
  if (const json* f = Reader::Member(v, "extra_percent")) {
    r->PercentValue(*f, ep + "/extra_percent", &out->extra_percent);
  }
  if (const json* f = r->Required(v, "sets", ep + "/sets")) {
    if (r->Array(*f, ep + "/sets")) {
      out->sets.resize(f->size());
      for (size_t s = 0; s < f->size(); ++s) {
        ReadSet((*f)[s], internal::SetPointer(e, s), r, &out->sets[s]);
      }
    }
  }
  if (const json* f = Reader::Member(v, "promocodes")) {
    if (r->Array(*f, ep + "/promocodes")) {
      out->promocodes.resize(f->size());
      for (size_t p = 0; p < f->size(); ++p) {
        ReadPromocode((*f)[p], internal::PromocodePointer(e, p), r,
                      &out->promocodes[p]);
      }
    }
  }
}

}  // namespace

absl::StatusOr<CatalogDocument> ParseCatalogJson(std::string_view text,
                                                 const CatalogLimits& limits) {
  internal::StrictJsonLimits json_limits;
  json_limits.max_bytes = limits.max_bytes;
  json_limits.max_depth = kMaxDepth;
  json root;
  // The strict reader caps nesting while it parses (no recursion, whatever
  // the input) and refuses duplicate keys; its refusal is the only message.
  if (absl::Status s = internal::ParseStrictJson(text, json_limits, &root);
      !s.ok()) {
    return s;
  }
  std::vector<std::string> problems;
  RefusedPointers refused;
  Reader r(&problems, &refused);
  CatalogDocument doc;
  // The root's pointer is the empty string (RFC 6901).
  if (r.Object(root, "")) {
    if (const json* f = Reader::Member(root, "partners")) {
      if (r.Array(*f, "/partners")) {
        doc.partners.resize(f->size());
        for (size_t p = 0; p < f->size(); ++p) {
          ReadPartner((*f)[p], internal::PartnerPointer(p), &r,
                      &doc.partners[p]);
        }
      }
    }
    if (const json* f = Reader::Member(root, "events")) {
      if (r.Array(*f, "/events")) {
        doc.events.resize(f->size());
        for (size_t e = 0; e < f->size(); ++e) {
          ReadEvent((*f)[e], e, &r, &doc.events[e]);
        }
      }
    }
    internal::ValidateCatalogDocument(doc, limits.max_tickets, refused,
                                      &problems);
  }
  if (!problems.empty()) {
    return MakeError(absl::StatusCode::kInvalidArgument, std::move(problems));
  }
  return doc;
}

}  // namespace boxoffice

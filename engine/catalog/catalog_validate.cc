#include "engine/catalog/catalog_validate.h"

#include <algorithm>
#include <limits>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "boxoffice/limits.h"
#include "engine/common/assert.h"

namespace boxoffice::internal {
namespace {

constexpr char kMoneyProblem[] =
    "must be a decimal string with at most two places";
constexpr char kPercentProblem[] =
    "must be a decimal percentage from 0 to 1000 with at most two places";
constexpr char kDiscountPercentProblem[] =
    "must be a percentage from \"0%\" to \"100%\" with at most two places";
constexpr int32_t kMaxPercentHundredths = 100'000;
constexpr int32_t kMaxDiscountHundredths = 10'000;

// Collects problems, skipping those under a refused pointer.
class Reporter {
 public:
  Reporter(const RefusedPointers& refused, std::vector<std::string>* out)
      : refused_(refused), out_(out) {}

  bool any_refused() const { return !refused_.empty(); }
  bool Refused(std::string_view pointer) const {
    return !refused_.empty() && refused_.Covers(pointer);
  }
  void Add(std::string_view pointer, std::string_view problem) {
    if (Refused(pointer)) return;
    out_->push_back(Problem(pointer, problem));
  }

 private:
  const RefusedPointers& refused_;
  std::vector<std::string>* out_;
};

// One namespace of ids for the whole document: the first occurrence wins,
// every later one is reported where it stands.
class IdSet {
 public:
  explicit IdSet(size_t expected) { seen_.reserve(expected); }
  void Check(const ObjectId& id, const std::string& pointer, Reporter* r) {
    Check(
        id, [&] { return pointer; }, r);
  }
  // `pointer()` builds the pointer; called only if refusals were recorded
  // or the id is a duplicate.
  template <typename PointerFn>
  void Check(const ObjectId& id, const PointerFn& pointer, Reporter* r) {
    if (r->any_refused() && r->Refused(pointer())) return;
    if (!seen_.insert(id).second) {
      r->Add(pointer(), absl::StrCat("duplicate id ", id.ToString()));
    }
  }

 private:
  absl::flat_hash_set<ObjectId> seen_;
};

void CheckString(std::string_view value, const std::string& pointer,
                 bool nonempty, Reporter* r) {
  if (value.size() > limits::kMaxStringBytes) {
    r->Add(pointer,
           absl::StrCat("must be at most ", limits::kMaxStringBytes, " bytes"));
  } else if (nonempty && value.empty()) {
    r->Add(pointer, "must not be empty");
  }
}

void CheckPercent(Percent p, const std::string& pointer, Reporter* r) {
  if (p.hundredths < 0 || p.hundredths > kMaxPercentHundredths) {
    r->Add(pointer, kPercentProblem);
  }
}

void CheckMoney(Money m, const std::string& pointer, Reporter* r) {
  if (m.minor < 0 || m.minor > Money::kMaxMinor) r->Add(pointer, kMoneyProblem);
}

void CheckSet(const SetSpec& set, const std::string& sp, IdSet* ids,
              Reporter* r) {
  ids->Check(set.id, sp + "/id", r);
  CheckString(set.name, sp + "/name", false, r);
  CheckMoney(set.price, sp + "/price", r);
  if (set.serial.has_value()) CheckString(*set.serial, sp + "/serial", true, r);
  if (set.extra_percent.has_value()) {
    CheckPercent(*set.extra_percent, sp + "/extra_percent", r);
  }
  const int64_t listed = static_cast<int64_t>(set.tickets.size());
  if (!set.count.has_value() && set.tickets.empty()) {
    // An explicit empty `tickets` without `count` also lands here: the
    // set would be empty by accident rather than by `count: 0`.
    r->Add(sp, "must have tickets or count");
  }
  int64_t size = listed;
  if (set.count.has_value()) {
    const int64_t count = *set.count;
    if (count < 0) {
      r->Add(sp + "/count", "must be a non-negative integer");
    } else if (count < listed) {
      r->Add(sp + "/count",
             absl::StrCat("must be at least the number of listed tickets (",
                          listed, ")"));
    } else if (set.with_seats && count > listed) {
      r->Add(sp + "/count",
             absl::StrCat("must not exceed the number of listed tickets (",
                          listed, ") in a set with seats"));
    } else {
      size = count;
    }
  }
  if (size > static_cast<int64_t>(limits::kMaxTicketsPerSet)) {
    r->Add(sp + (set.count.has_value() ? "/count" : "/tickets"),
           absl::StrCat("must be at most ", limits::kMaxTicketsPerSet,
                        " tickets"));
  }
  for (size_t t = 0; t < set.tickets.size(); ++t) {
    const TicketSpec& ticket = set.tickets[t];
    // The pointer is built only for a problem: a stadium set lists
    // 100,000 tickets, nearly always fine.
    auto tp = [&] { return absl::StrCat(sp, "/tickets/", t); };
    ids->Check(
        ticket.id, [&] { return tp() + "/id"; }, r);
    if (ticket.number.has_value() && *ticket.number < 0) {
      r->Add(tp() + "/number", "must be a non-negative integer");
    }
    if (ticket.seat.has_value()) {
      const Seat& seat = *ticket.seat;
      if (seat.sector.size() > limits::kMaxStringBytes ||
          seat.row.size() > limits::kMaxStringBytes ||
          seat.number.size() > limits::kMaxStringBytes) {
        const std::string seat_pointer = tp() + "/seat";
        CheckString(seat.sector, seat_pointer + "/sector", false, r);
        CheckString(seat.row, seat_pointer + "/row", false, r);
        CheckString(seat.number, seat_pointer + "/number", false, r);
      }
    } else if (set.with_seats) {
      r->Add(tp() + "/seat", "is required in a set with seats");
    }
  }
}

void CheckPromocodes(const EventSpec& event, size_t e, IdSet* ids,
                     Reporter* r) {
  absl::flat_hash_set<ObjectId> event_sets;
  for (const SetSpec& s : event.sets) event_sets.insert(s.id);
  absl::flat_hash_set<std::string> codes;
  for (size_t p = 0; p < event.promocodes.size(); ++p) {
    const PromocodeSpec& promo = event.promocodes[p];
    const std::string pp = PromocodePointer(e, p);
    ids->Check(promo.id, pp + "/id", r);
    CheckString(promo.code, pp + "/code", true, r);
    if (!r->Refused(pp + "/code") && !promo.code.empty() &&
        !codes.insert(FoldCode(promo.code)).second) {
      r->Add(pp + "/code", "duplicate code in this event (codes ignore case)");
    }
    if (promo.discount.kind == Discount::Kind::kPercentage) {
      if (promo.discount.percentage.hundredths < 0 ||
          promo.discount.percentage.hundredths > kMaxDiscountHundredths) {
        r->Add(pp + "/discount/percentage", kDiscountPercentProblem);
      }
    } else {
      CheckMoney(promo.discount.fix, pp + "/discount/fix", r);
    }
    if (promo.limit.has_value() && *promo.limit < 0) {
      r->Add(pp + "/limit", "must be a non-negative integer");
    }
    if (promo.sets.has_value()) {
      for (size_t i = 0; i < promo.sets->size(); ++i) {
        if (!event_sets.contains((*promo.sets)[i])) {
          r->Add(absl::StrCat(pp, "/sets/", i),
                 absl::StrCat("set ", (*promo.sets)[i].ToString(),
                              " is not a set of this event"));
        }
      }
    }
  }
}

}  // namespace

bool RefusedPointers::Covers(std::string_view pointer) const {
  // The pointer itself, then each ancestor ("/a/b/c", "/a/b", "/a"): at
  // most one lookup per '/' of the pointer.
  std::string_view p = pointer;
  for (;;) {
    if (set_.contains(std::string(p))) return true;
    const size_t slash = p.rfind('/');
    if (slash == std::string_view::npos || slash == 0) return false;
    p = p.substr(0, slash);
  }
}

std::string FoldCode(std::string_view code) {
  std::string out(code);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string PartnerPointer(size_t p) { return absl::StrCat("/partners/", p); }
std::string EventPointer(size_t e) { return absl::StrCat("/events/", e); }
std::string SetPointer(size_t e, size_t s) {
  return absl::StrCat("/events/", e, "/sets/", s);
}
std::string TicketPointer(size_t e, size_t s, size_t t) {
  return absl::StrCat("/events/", e, "/sets/", s, "/tickets/", t);
}
std::string PromocodePointer(size_t e, size_t p) {
  return absl::StrCat("/events/", e, "/promocodes/", p);
}

std::string Problem(std::string_view pointer, std::string_view problem) {
  std::string out;
  out.reserve(pointer.size() + 2 + problem.size());
  out.append(pointer);
  out.append(": ");
  out.append(problem);
  return out;
}

int64_t DocumentTicketCount(const CatalogDocument& doc) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  int64_t total = 0;
  for (const EventSpec& event : doc.events) {
    for (const SetSpec& set : event.sets) {
      int64_t n = static_cast<int64_t>(set.tickets.size());
      if (set.count.has_value() && *set.count > n) n = *set.count;
      if (n > kMax - total) return kMax;
      total += n;
    }
  }
  BOXOFFICE_DCHECK(total >= 0);
  return total;
}

void ValidateCatalogDocument(const CatalogDocument& doc, int64_t max_tickets,
                             const RefusedPointers& refused,
                             std::vector<std::string>* problems) {
  BOXOFFICE_DCHECK(problems != nullptr);
  BOXOFFICE_DCHECK(max_tickets >= 0);
  Reporter r(refused, problems);
  size_t listed = doc.partners.size() + doc.events.size();
  for (const EventSpec& e : doc.events) {
    listed += e.promocodes.size() + e.sets.size();
    for (const SetSpec& s : e.sets) listed += s.tickets.size();
  }
  IdSet ids(listed);
  absl::flat_hash_set<std::string_view> keys;
  for (size_t p = 0; p < doc.partners.size(); ++p) {
    const PartnerSpec& partner = doc.partners[p];
    const std::string pp = PartnerPointer(p);
    ids.Check(partner.id, pp + "/id", &r);
    CheckString(partner.name, pp + "/name", false, &r);
    CheckString(partner.key, pp + "/key", true, &r);
    if (!r.Refused(pp + "/key") && !partner.key.empty() &&
        !keys.insert(partner.key).second) {
      // The key itself is a secret: never echoed.
      r.Add(pp + "/key", "duplicate partner key");
    }
  }
  for (size_t e = 0; e < doc.events.size(); ++e) {
    const EventSpec& event = doc.events[e];
    const std::string ep = EventPointer(e);
    ids.Check(event.id, ep + "/id", &r);
    CheckString(event.title_text, ep + "/title/text", false, &r);
    CheckString(event.title_desc, ep + "/title/desc", false, &r);
    CheckString(event.timezone, ep + "/timezone", false, &r);
    CheckPercent(event.extra_percent, ep + "/extra_percent", &r);
    if (event.finish < event.start && !r.Refused(ep + "/lifetime/start")) {
      r.Add(ep + "/lifetime/finish", "must not be before lifetime/start");
    }
    for (size_t s = 0; s < event.sets.size(); ++s) {
      CheckSet(event.sets[s], SetPointer(e, s), &ids, &r);
    }
    CheckPromocodes(event, e, &ids, &r);
  }
  const int64_t total = DocumentTicketCount(doc);
  if (total > max_tickets) {
    r.Add("/events",
          absl::StrCat("too many tickets: ", total, ", at most ", max_tickets));
  }
}

}  // namespace boxoffice::internal

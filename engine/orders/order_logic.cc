#include "engine/orders/order_logic.h"

#include <algorithm>
#include <limits>
#include <span>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "boxoffice/errors.h"
#include "boxoffice/limits.h"
#include "engine/common/assert.h"

namespace boxoffice::internal {
namespace {

std::atomic<void (*)()> g_claim_gap_hook{nullptr};

void ClaimGap() {
  // Acquire pairs with the release in SetClaimGapHookForTesting so that a
  // hook installed before the racers start is seen whole.
  if (auto hook = g_claim_gap_hook.load(std::memory_order_acquire)) hook();
}

// Collects independent problems; the status code is the first one's.
// Thread-safety: none; a local of one call.
class Problems {
 public:
  void Add(absl::StatusCode code, std::string message) {
    if (messages_.empty()) code_ = code;
    messages_.push_back(std::move(message));
  }
  bool empty() const { return messages_.empty(); }
  absl::Status ToStatus() && {
    BOXOFFICE_DCHECK(!messages_.empty());
    return MakeError(code_, std::move(messages_));
  }

 private:
  absl::StatusCode code_ = absl::StatusCode::kInvalidArgument;
  std::vector<std::string> messages_;
};

std::string NotFound(const char* what, const ObjectId& id) {
  return absl::StrCat(what, " ", id.ToString(), " not found");
}

bool Sellable(const CatalogStore& cat, std::optional<PartnerIndex> partner,
              EventIndex e) {
  return partner.has_value() && cat.event(e).SellableBy(*partner);
}

// Resolves ticket ids against the order's event; duplicates are dropped,
// keeping the first occurrence (asking twice for a ticket is asking once).
void ResolveTickets(const CatalogStore& cat,
                    std::optional<PartnerIndex> partner, EventIndex event,
                    const std::vector<ObjectId>& ids, TicketRefs* out,
                    Problems* problems) {
  // Short lists (the common order) are checked for repeats by a scan of
  // what was kept, without allocating a set.
  constexpr size_t kScanUpTo = 16;
  BOXOFFICE_DCHECK(out->empty());
  absl::flat_hash_set<TicketIndex> seen;
  if (ids.size() > kScanUpTo) seen.reserve(ids.size());
  for (const ObjectId& id : ids) {
    const std::optional<TicketIndex> t = cat.FindTicket(id);
    if (!t.has_value()) {
      problems->Add(absl::StatusCode::kNotFound, NotFound("Ticket", id));
      continue;
    }
    const TicketRecord& rec = cat.ticket(*t);
    // The view built after the claim copies the seat; its record is likely
    // a miss to memory, which the claim in between can hide.
    if (rec.seat != kNoSeat) __builtin_prefetch(&cat.seat(rec.seat));
    const SetIndex s = rec.set;
    const EventIndex e = cat.set(s).event;
    if (e != event) {
      // A ticket of an event the partner may not sell is not revealed.
      if (Sellable(cat, partner, e)) {
        problems->Add(
            absl::StatusCode::kInvalidArgument,
            absl::StrCat("Ticket ", id.ToString(), " does not belong to event ",
                         cat.event(event).id.ToString()));
      } else {
        problems->Add(absl::StatusCode::kNotFound, NotFound("Ticket", id));
      }
      continue;
    }
    const bool repeat =
        ids.size() > kScanUpTo
            ? !seen.insert(*t).second
            : std::any_of(out->begin(), out->end(),
                          [&](const TicketRef& r) { return r.ticket == *t; });
    if (!repeat) out->push_back(TicketRef{s, *t});
  }
}

// Resolves `random` entries; a set named twice keeps the last count.
void ResolveRandom(const CatalogStore& cat, std::optional<PartnerIndex> partner,
                   EventIndex event, const std::vector<SetCount>& entries,
                   SetTotals* out, Problems* problems) {
  for (const SetCount& entry : entries) {
    const std::optional<SetIndex> s = cat.FindSet(entry.set);
    if (!s.has_value()) {
      problems->Add(absl::StatusCode::kNotFound, NotFound("Set", entry.set));
      continue;
    }
    const EventIndex e = cat.set(*s).event;
    if (e != event) {
      if (Sellable(cat, partner, e)) {
        problems->Add(absl::StatusCode::kInvalidArgument,
                      absl::StrCat("Set ", entry.set.ToString(),
                                   " does not belong to event ",
                                   cat.event(event).id.ToString()));
      } else {
        problems->Add(absl::StatusCode::kNotFound, NotFound("Set", entry.set));
      }
      continue;
    }
    if (entry.count < 0) {
      problems->Add(absl::StatusCode::kInvalidArgument,
                    absl::StrCat("Field random.", entry.set.ToString(),
                                 " must be a non-negative integer"));
      continue;
    }
    auto it = std::find_if(out->begin(), out->end(),
                           [&](const auto& p) { return p.first == *s; });
    if (it != out->end()) {
      it->second = entry.count;
    } else {
      out->emplace_back(*s, entry.count);
    }
  }
}

void ResolvePromocodes(const CatalogStore& cat, EventIndex event,
                       const std::vector<std::string>& codes,
                       std::vector<PromocodeIndex>* out, Problems* problems) {
  if (codes.size() > limits::kMaxPromocodesPerOrder) {
    problems->Add(absl::StatusCode::kInvalidArgument,
                  absl::StrCat("Field promocodes must be a list of at most ",
                               limits::kMaxPromocodesPerOrder, " codes"));
    return;
  }
  for (const std::string& code : codes) {
    const std::optional<PromocodeIndex> p =
        cat.FindPromocodeByCode(event, code);
    if (!p.has_value()) {
      problems->Add(absl::StatusCode::kNotFound,
                    absl::StrCat("Promocode ", code, " not found"));
      continue;
    }
    if (std::find(out->begin(), out->end(), *p) == out->end()) {
      out->push_back(*p);
    }
  }
}

// Saturating: counts come from requests and may be huge before the
// `Too many tickets` check refuses them.
int64_t SatAdd(int64_t a, int64_t b) {
  constexpr int64_t kCap = std::numeric_limits<int64_t>::max() / 4;
  return std::min(kCap, a + std::min(kCap, b));
}

std::string TooMany(int64_t n, int32_t max) {
  return absl::StrCat("Too many tickets: ", n, ", at most ", max);
}

bool Covers(const PromocodeRecord& p, SetIndex s) {
  return p.sets.empty() ||
         std::find(p.sets.begin(), p.sets.end(), s) != p.sets.end();
}

Money DiscountFor(const PromocodeRecord& p, Money price) {
  Money d = p.discount.kind == Discount::Kind::kPercentage
                ? ApplyPercent(price, p.discount.percentage)
                : p.discount.fix;
  if (d > price) d = price;
  if (d.minor < 0) d = Money{0};
  BOXOFFICE_DCHECK(d.minor >= 0 && d <= price);
  return d;
}

void GiveBackUses(const EngineContext& ctx,
                  std::span<const HeldTicket> tickets) {
  for (const HeldTicket& t : tickets) {
    if (t.promocode != kNoPromocode) ctx.promos->Give(t.promocode, 1);
  }
}

// Recomputes every ticket's discount from the order's codes: each ticket
// takes the first code, in the order given, that covers its set and has a
// use left. The order's own uses are given back first, so a recomputation
// never counts a ticket twice.
void AssignDiscounts(const EngineContext& ctx, OrderData* data) {
  const CatalogStore& cat = *ctx.catalog;
  GiveBackUses(ctx, data->tickets);
  for (HeldTicket& t : data->tickets) {
    t.promocode = kNoPromocode;
    t.discount = Money{0};
    for (const PromocodeIndex p : data->promocodes) {
      const PromocodeRecord& rec = cat.promocode(p);
      if (!Covers(rec, t.ref.set)) continue;
      if (!ctx.promos->TryTake(p)) continue;
      t.promocode = p;
      t.discount = DiscountFor(rec, cat.set(t.ref.set).price);
      break;
    }
  }
}

void AppendClaimed(std::span<const TicketRef> refs, HeldTickets* tickets) {
  for (const TicketRef& r : refs) tickets->push_back(HeldTicket{r});
}

void ReleaseTickets(const EngineContext& ctx, HolderId holder,
                    std::span<const HeldTicket> tickets) {
  if (tickets.empty()) return;
  absl::InlinedVector<TicketRef, 8> refs;
  refs.reserve(tickets.size());
  for (const HeldTicket& t : tickets) refs.push_back(t.ref);
  const uint32_t released = ctx.inventory->Release(refs, holder);
  // Every ticket an order lists is a ticket it holds reserved.
  BOXOFFICE_CHECK(released == refs.size());
  GiveBackUses(ctx, tickets);
}

bool IsOpen(OrderStatus s) {
  return s == OrderStatus::kExecuted || s == OrderStatus::kInProgress;
}

bool TransitionAllowed(OrderStatus from, OrderStatus to) {
  switch (to) {
    case OrderStatus::kInProgress:
      return from == OrderStatus::kExecuted;
    case OrderStatus::kDone:
    case OrderStatus::kCancelled:
      return IsOpen(from);
    case OrderStatus::kExecuted:
    case OrderStatus::kExpired:
      return false;  // only create and the clock reach these
  }
  return false;
}

}  // namespace

void SetClaimGapHookForTesting(void (*hook)()) {
  g_claim_gap_hook.store(hook, std::memory_order_release);
}

ClaimPolicy ClaimPolicyFor(const EngineOptions& options) {
  ClaimPolicy policy;
  policy.lowest_first = options.lowest_vacant_first;
  policy.seed =
      options.claim_seed.has_value() ? *options.claim_seed : SecureRandom64();
  return policy;
}

absl::Status ValidateOptions(const EngineOptions& o) {
  Problems p;
  const auto ttl = [&](const char* name, absl::Duration d) {
    if (d < absl::Seconds(1) || d > absl::Hours(24 * 30)) {
      p.Add(absl::StatusCode::kInvalidArgument,
            absl::StrCat("Option ", name, " must be between 1s and 30 days"));
    }
  };
  ttl("reservation_ttl", o.reservation_ttl);
  ttl("payment_ttl", o.payment_ttl);
  if (o.max_tickets_per_order < 1 ||
      static_cast<uint32_t>(o.max_tickets_per_order) >
          limits::kMaxTicketsPerOrderCeiling) {
    p.Add(absl::StatusCode::kInvalidArgument,
          absl::StrCat("Option max_tickets_per_order must be between 1 and ",
                       limits::kMaxTicketsPerOrderCeiling));
  }
  if (o.max_orders < 1 || o.max_orders > int64_t{limits::kMaxOrders}) {
    p.Add(absl::StatusCode::kInvalidArgument,
          absl::StrCat("Option max_orders must be between 1 and ",
                       limits::kMaxOrders));
  }
  if (o.reserved_orders < 0 ||
      o.reserved_orders > std::min(o.max_orders, limits::kMaxReservedOrders)) {
    p.Add(absl::StatusCode::kInvalidArgument,
          absl::StrCat("Option reserved_orders must be between 0 and "
                       "max_orders (at most ",
                       limits::kMaxReservedOrders, ")"));
  }
  if (o.max_tickets < 1 || o.max_tickets > int64_t{limits::kMaxTickets}) {
    p.Add(absl::StatusCode::kInvalidArgument,
          absl::StrCat("Option max_tickets must be between 1 and ",
                       limits::kMaxTickets));
  }
  if (o.expiry_interval < absl::Milliseconds(1) ||
      o.expiry_interval > absl::Hours(1)) {
    p.Add(absl::StatusCode::kInvalidArgument,
          "Option expiry_interval must be between 1ms and 1h");
  }
  if (p.empty()) return absl::OkStatus();
  return std::move(p).ToStatus();
}

absl::StatusOr<CreatePlan> PlanCreate(const EngineContext& ctx,
                                      std::optional<PartnerIndex> partner,
                                      const CreateOrderRequest& request) {
  const CatalogStore& cat = *ctx.catalog;
  CreatePlan plan;
  if (request.event.has_value()) {
    const std::optional<EventIndex> e = cat.FindEvent(*request.event);
    // An event the partner may not sell is reported as unknown, alone.
    if (!e.has_value() || !Sellable(cat, partner, *e)) {
      return MakeError(absl::StatusCode::kNotFound,
                       NotFound("Event", *request.event));
    }
    plan.event = *e;
  } else if (request.tickets.empty()) {
    return MakeError(absl::StatusCode::kInvalidArgument,
                     "Field event must be an event id");
  } else {
    const ObjectId& first = request.tickets.front();
    const std::optional<TicketIndex> t = cat.FindTicket(first);
    if (!t.has_value()) {
      return MakeError(absl::StatusCode::kNotFound, NotFound("Ticket", first));
    }
    const EventIndex e = cat.set(cat.ticket(*t).set).event;
    if (!Sellable(cat, partner, e)) {
      return MakeError(absl::StatusCode::kNotFound, NotFound("Ticket", first));
    }
    plan.event = e;
  }

  Problems problems;
  ResolveTickets(cat, partner, plan.event, request.tickets, &plan.specific,
                 &problems);
  ResolveRandom(cat, partner, plan.event, request.random, &plan.random_totals,
                &problems);
  ResolvePromocodes(cat, plan.event, request.promocodes, &plan.promocodes,
                    &problems);
  if (request.customer_json.size() > limits::kMaxCustomerBytes) {
    problems.Add(absl::StatusCode::kInvalidArgument,
                 absl::StrCat("Field customer must be an object of at most ",
                              limits::kMaxCustomerBytes, " bytes"));
  }
  // What the order would hold if every claim succeeded: the listed
  // tickets, plus per named set what its total asks beyond them.
  int64_t would_hold = static_cast<int64_t>(plan.specific.size());
  for (const auto& [set, total] : plan.random_totals) {
    int64_t listed = 0;
    for (const TicketRef& r : plan.specific) listed += r.set == set ? 1 : 0;
    would_hold = SatAdd(would_hold, std::max<int64_t>(0, total - listed));
  }
  if (would_hold > ctx.options->max_tickets_per_order) {
    problems.Add(absl::StatusCode::kInvalidArgument,
                 TooMany(would_hold, ctx.options->max_tickets_per_order));
  }
  if (!problems.empty()) return std::move(problems).ToStatus();
  return plan;
}

void ExecuteCreate(const EngineContext& ctx, HolderId holder,
                   const CreatePlan& plan, OrderData* data) {
  BOXOFFICE_DCHECK(data->tickets.empty());
  BOXOFFICE_DCHECK(holder != kNoHolder);
  Inventory& inv = *ctx.inventory;
  ClaimGap();
  // Random totals count the listed tickets of their set.
  // Inline: the common order names a set or two, and allocating per
  // create showed in the lifecycle profile.
  absl::InlinedVector<RandomClaim, 4> extra;
  size_t extra_total = 0;
  for (const auto& [set, total] : plan.random_totals) {
    int64_t listed = 0;
    for (const TicketRef& r : plan.specific) listed += r.set == set ? 1 : 0;
    if (total > listed) {
      extra.push_back(RandomClaim{set, static_cast<uint32_t>(total - listed)});
      extra_total += extra.back().count;
    }
  }
  absl::InlinedVector<TicketRef, 8> out(plan.specific.size() + extra_total);
  data->tickets.reserve(out.size());
  if (data->all_or_nothing) {
    const BatchResult r = inv.ClaimBatch(
        BatchClaim{extra, plan.specific, /*all_or_nothing=*/true}, holder, out);
    if (r.complete) {
      BOXOFFICE_CHECK(r.claimed == out.size());
      AppendClaimed(out, &data->tickets);
    } else {
      BOXOFFICE_CHECK(r.claimed == 0);
    }
  } else {
    // Listed tickets first; then each named set is topped up to its total
    // from what the listed claims actually got.
    if (!plan.specific.empty()) {
      const BatchResult r = inv.ClaimBatch(
          BatchClaim{{}, plan.specific, /*all_or_nothing=*/false}, holder, out);
      BOXOFFICE_CHECK(r.claimed <= plan.specific.size());
      AppendClaimed(std::span<const TicketRef>(out.data(), r.claimed),
                    &data->tickets);
    }
    for (const auto& [set, total] : plan.random_totals) {
      int64_t have = 0;
      for (const HeldTicket& t : data->tickets)
        have += t.ref.set == set ? 1 : 0;
      if (total <= have) continue;
      const uint32_t want = static_cast<uint32_t>(total - have);
      const uint32_t got =
          inv.ClaimRandom(set, want, holder, /*all_or_nothing=*/false,
                          std::span<TicketRef>(out.data(), want));
      BOXOFFICE_CHECK(got <= want);
      AppendClaimed(std::span<const TicketRef>(out.data(), got),
                    &data->tickets);
    }
  }
  // The view built next reads each claimed ticket's catalog record, a
  // cache miss on a large set (random tickets of a big table); start the
  // loads now so that they overlap the discount and scheduling work.
  for (const HeldTicket& t : data->tickets) {
    __builtin_prefetch(&ctx.catalog->ticket(t.ref.ticket));
  }
  data->promocodes = plan.promocodes;
  AssignDiscounts(ctx, data);
  BOXOFFICE_DCHECK(data->tickets.size() <=
                   static_cast<size_t>(ctx.options->max_tickets_per_order));
}

absl::StatusOr<ChangeOutcome> ExecuteChange(const EngineContext& ctx,
                                            HolderId holder, OrderStatus status,
                                            const ChangeOrderRequest& request,
                                            absl::Time now, OrderData* data) {
  const CatalogStore& cat = *ctx.catalog;
  Inventory& inv = *ctx.inventory;
  BOXOFFICE_DCHECK(!IsOpen(status) || now < data->expired_after);
  // Ids are spelled only for error messages, off the common path.
  const auto cannot_change = [&] {
    return absl::StrCat("Order ", data->id.ToString(),
                        " cannot be changed in status ",
                        std::string(OrderStatusName(status)));
  };

  // 1. Resolve ids (independent problems are listed together).
  Problems problems;
  TicketRefs listed;
  if (request.tickets.has_value()) {
    ResolveTickets(cat, data->vendor, data->event, *request.tickets, &listed,
                   &problems);
  }
  SetTotals totals;
  if (request.random.has_value()) {
    ResolveRandom(cat, data->vendor, data->event, *request.random, &totals,
                  &problems);
  }
  std::vector<PromocodeIndex> codes;
  if (request.promocodes.has_value()) {
    ResolvePromocodes(cat, data->event, *request.promocodes, &codes, &problems);
  }

  // 2. What the order's status allows.
  // Only a `tickets` list needs the held set (the common status-only PATCH
  // builds nothing).
  absl::flat_hash_set<TicketIndex> held_set;
  if (request.tickets.has_value()) {
    held_set.reserve(data->tickets.size());
    for (const HeldTicket& t : data->tickets) held_set.insert(t.ref.ticket);
  }
  bool refused_change = false;
  if (status == OrderStatus::kInProgress) {
    // Partial payment: the list may only drop held tickets, keeping one.
    bool ok = !request.random.has_value() && !request.promocodes.has_value();
    if (ok && request.tickets.has_value()) {
      ok = !request.tickets->empty();
      for (const TicketRef& r : listed) ok = ok && held_set.contains(r.ticket);
    }
    refused_change = !ok;
  } else if (!IsOpen(status)) {
    refused_change =
        request.tickets.has_value() || request.random.has_value() ||
        request.promocodes.has_value() || request.payment.has_value();
  }
  if (refused_change) {
    problems.Add(absl::StatusCode::kFailedPrecondition, cannot_change());
  }
  if (request.status.has_value() &&
      !TransitionAllowed(status, *request.status)) {
    problems.Add(absl::StatusCode::kFailedPrecondition,
                 absl::StrCat("Cannot change status from ",
                              std::string(OrderStatusName(status)), " to ",
                              std::string(OrderStatusName(*request.status))));
  }

  // 3. Plan the ticket list (executed), assuming every claim succeeds.
  const bool executed = status == OrderStatus::kExecuted;
  absl::flat_hash_set<TicketIndex> listed_set;
  for (const TicketRef& r : listed) listed_set.insert(r.ticket);
  TicketRefs to_claim;  // listed tickets not held
  if (request.tickets.has_value() && executed) {
    for (const TicketRef& r : listed) {
      if (!held_set.contains(r.ticket)) to_claim.push_back(r);
    }
  }
  // keep[i]: data->tickets[i] survives the tickets step.
  absl::InlinedVector<bool, 16> keep(data->tickets.size(), true);
  if (request.tickets.has_value()) {
    for (size_t i = 0; i < data->tickets.size(); ++i) {
      keep[i] = listed_set.contains(data->tickets[i].ref.ticket);
    }
  }
  const auto count_in = [](SetIndex s, auto&& range, auto&& pred) {
    int64_t n = 0;
    for (const auto& x : range) n += pred(x, s) ? 1 : 0;
    return n;
  };
  const auto ref_in = [](const TicketRef& r, SetIndex s) { return r.set == s; };
  if (executed) {
    int64_t would_hold = static_cast<int64_t>(to_claim.size());
    for (size_t i = 0; i < keep.size(); ++i) would_hold += keep[i] ? 1 : 0;
    if (request.random.has_value()) {
      // Sets the order would hold, not named in random, without a listed
      // ticket, go to 0; named sets go to max(total, listed in the set).
      would_hold = 0;
      absl::flat_hash_set<SetIndex> named;
      for (const auto& [set, total] : totals) {
        named.insert(set);
        would_hold =
            SatAdd(would_hold, std::max(total, count_in(set, listed, ref_in)));
      }
      for (size_t i = 0; i < keep.size(); ++i) {
        const SetIndex s = data->tickets[i].ref.set;
        if (keep[i] && !named.contains(s) &&
            listed_set.contains(data->tickets[i].ref.ticket)) {
          ++would_hold;
        }
      }
      for (const TicketRef& r : to_claim) {
        if (!named.contains(r.set)) ++would_hold;
      }
    }
    if (would_hold > ctx.options->max_tickets_per_order) {
      problems.Add(absl::StatusCode::kInvalidArgument,
                   TooMany(would_hold, ctx.options->max_tickets_per_order));
    }
  }
  if (!problems.empty()) return std::move(problems).ToStatus();

  ChangeOutcome outcome{status};
  outcome.applied = request.tickets.has_value() || request.random.has_value() ||
                    request.promocodes.has_value() ||
                    request.payment.has_value() || request.status.has_value();

  // 4. Claims. Nothing is released before they succeed, so that an
  // all_or_nothing refusal leaves the order exactly as it was.
  TicketRefs claimed;
  SetTotals named_totals;  // max(total, listed)
  for (const auto& [set, total] : totals) {
    named_totals.emplace_back(set,
                              std::max(total, count_in(set, listed, ref_in)));
  }
  const auto kept_in = [&](SetIndex s) {
    int64_t n = 0;
    for (size_t i = 0; i < keep.size(); ++i) {
      n += keep[i] && data->tickets[i].ref.set == s ? 1 : 0;
    }
    return n;
  };
  // A ticket the `tickets` step drops goes back on sale, and `random` may
  // then take any ticket of its set: the order's own dropped tickets are
  // vacant for it too. Keeping them (earliest claimed first) is what a
  // release followed by a claim could give, without the churn, and it
  // cannot fail where the contract's sequence would succeed.
  if (executed && request.tickets.has_value()) {
    for (const auto& [set, want] : named_totals) {
      int64_t have = kept_in(set) + count_in(set, to_claim, ref_in);
      for (size_t i = 0; i < keep.size() && have < want; ++i) {
        if (!keep[i] && data->tickets[i].ref.set == set) {
          keep[i] = true;
          ++have;
        }
      }
    }
  }
  if (executed && (!to_claim.empty() || !named_totals.empty())) {
    ClaimGap();
    if (data->all_or_nothing) {
      std::vector<RandomClaim> extra;
      size_t extra_total = 0;
      for (const auto& [set, want] : named_totals) {
        const int64_t have = kept_in(set) + count_in(set, to_claim, ref_in);
        if (want > have) {
          extra.push_back(RandomClaim{set, static_cast<uint32_t>(want - have)});
          extra_total += extra.back().count;
        }
      }
      claimed.resize(to_claim.size() + extra_total);
      const BatchResult r =
          inv.ClaimBatch(BatchClaim{extra, to_claim, /*all_or_nothing=*/true},
                         holder, claimed);
      if (!r.complete) {
        BOXOFFICE_CHECK(r.claimed == 0);
        return ChangeOutcome{status, /*applied=*/false, false};
      }
      BOXOFFICE_CHECK(r.claimed == claimed.size());
    } else {
      claimed.resize(to_claim.size());
      if (!to_claim.empty()) {
        const BatchResult r =
            inv.ClaimBatch(BatchClaim{{}, to_claim, /*all_or_nothing=*/false},
                           holder, claimed);
        claimed.resize(r.claimed);
      }
      for (const auto& [set, want] : named_totals) {
        const int64_t have = kept_in(set) + count_in(set, claimed, ref_in);
        if (want <= have) continue;
        const size_t base = claimed.size();
        claimed.resize(base + static_cast<size_t>(want - have));
        const uint32_t got = inv.ClaimRandom(
            set, static_cast<uint32_t>(want - have), holder,
            /*all_or_nothing=*/false,
            std::span<TicketRef>(claimed.data() + base, claimed.size() - base));
        claimed.resize(base + got);
      }
    }
  }

  // 5. Shrinking (random): per set, drop from the kept tickets down to the
  // set's total, unlisted ones first, latest claimed first.
  if (executed && request.random.has_value()) {
    absl::flat_hash_map<SetIndex, int64_t> target;
    for (const auto& [set, want] : named_totals) target[set] = want;
    for (size_t i = 0; i < keep.size(); ++i) {
      const HeldTicket& t = data->tickets[i];
      if (target.contains(t.ref.set)) continue;
      // Neither named nor holding a listed ticket: the set goes to 0.
      if (count_in(t.ref.set, listed, ref_in) == 0) target[t.ref.set] = 0;
    }
    for (const auto& [set, want] : target) {
      int64_t have = kept_in(set) + count_in(set, claimed, ref_in);
      for (int pass = 0; pass < 2 && have > want; ++pass) {
        for (size_t j = keep.size(); j-- > 0 && have > want;) {
          const HeldTicket& t = data->tickets[j];
          if (!keep[j] || t.ref.set != set) continue;
          const bool is_listed = listed_set.contains(t.ref.ticket);
          if (is_listed != (pass == 1)) continue;
          keep[j] = false;
          --have;
        }
      }
      BOXOFFICE_DCHECK(have <= want || count_in(set, claimed, ref_in) > 0);
    }
  }

  // 6. Done needs tickets; refuse before anything is released, giving the
  // new claims back.
  int64_t final_count = static_cast<int64_t>(claimed.size());
  for (size_t i = 0; i < keep.size(); ++i) final_count += keep[i] ? 1 : 0;
  if (request.status == OrderStatus::kDone && final_count == 0) {
    if (!claimed.empty()) {
      BOXOFFICE_CHECK(inv.Release(claimed, holder) == claimed.size());
    }
    return MakeError(
        absl::StatusCode::kFailedPrecondition,
        absl::StrCat("Order ", data->id.ToString(), " has no tickets"));
  }

  // 7. Commit the ticket list.
  const bool list_changed =
      !claimed.empty() ||
      std::find(keep.begin(), keep.end(), false) != keep.end();
  if (list_changed) {
    HeldTickets next;
    HeldTickets dropped;
    next.reserve(static_cast<size_t>(final_count));
    for (size_t i = 0; i < keep.size(); ++i) {
      (keep[i] ? next : dropped).push_back(std::move(data->tickets[i]));
    }
    AppendClaimed(claimed, &next);
    ReleaseTickets(ctx, holder, dropped);
    data->tickets = std::move(next);
  }
  const bool codes_changed =
      request.promocodes.has_value() && codes != data->promocodes;
  if (request.promocodes.has_value()) data->promocodes = std::move(codes);
  // Discounts are computed when tickets or codes change, and only while
  // the order is executed (partial payment re-prices nothing).
  if (executed && (list_changed || codes_changed)) AssignDiscounts(ctx, data);

  if (request.payment.has_value()) {
    if (data->payment == nullptr) data->payment = std::make_unique<Payment>();
    if (request.payment->system)
      data->payment->system = request.payment->system;
    if (request.payment->success_url) {
      data->payment->success_url = request.payment->success_url;
    }
    if (request.payment->failure_url) {
      data->payment->failure_url = request.payment->failure_url;
    }
  }

  // 8. The transition, last.
  if (request.status.has_value()) {
    switch (*request.status) {
      case OrderStatus::kInProgress:
        data->expired_after = now + ctx.options->payment_ttl;
        outcome.deadline_moved = true;
        break;
      case OrderStatus::kDone: {
        absl::InlinedVector<TicketRef, 8> refs;
        refs.reserve(data->tickets.size());
        for (const HeldTicket& t : data->tickets) refs.push_back(t.ref);
        // Sold is final: every listed ticket must have been reserved by us.
        BOXOFFICE_CHECK(inv.Sell(refs, holder) == refs.size());
        // A ticket is sold at most once, so its index is a unique
        // sequence; so is the holder for the order's code. Minted in one
        // batch: the tokens' rounds are independent chains that overlap.
        absl::InlinedVector<uint64_t, 8> seqs;
        absl::InlinedVector<uint64_t, 8> barcodes(data->tickets.size());
        seqs.reserve(data->tickets.size());
        for (const HeldTicket& t : data->tickets) seqs.push_back(t.ref.ticket);
        uint64_t code = 0;
        ctx.tokens->MintOrder(seqs, holder, std::span<uint64_t>(barcodes),
                              &code);
        for (size_t i = 0; i < data->tickets.size(); ++i) {
          data->tickets[i].barcode = barcodes[i];
        }
        data->code.assign(kCodeChars, '0');
        TokenGenerator::FormatCode(code, data->code.data());
        data->done_at = now;
        break;
      }
      case OrderStatus::kCancelled:
        ReleaseAll(ctx, holder, data);
        break;
      case OrderStatus::kExecuted:
      case OrderStatus::kExpired:
        BOXOFFICE_CHECK(false);  // refused in step 2
    }
    outcome.status = *request.status;
  }
  if (outcome.applied) data->updated_at = now;
  BOXOFFICE_DCHECK(data->tickets.size() <=
                   static_cast<size_t>(ctx.options->max_tickets_per_order));
  return outcome;
}

void ReleaseAll(const EngineContext& ctx, HolderId holder, OrderData* data) {
  ReleaseTickets(ctx, holder, data->tickets);
  data->tickets.clear();
  BOXOFFICE_DCHECK(data->tickets.empty());
}

OrderView BuildView(const EngineContext& ctx, const OrderData& data,
                    OrderStatus status) {
  OrderView v;
  BuildViewInto(ctx, data, status, &v);
  return v;
}

void BuildViewInto(const EngineContext& ctx, const OrderData& data,
                   OrderStatus status, OrderView* view) {
  const CatalogStore& cat = *ctx.catalog;
  const EventRecord& ev = cat.event(data.event);
  OrderView& v = *view;
  v.id = data.id;
  v.number = data.number;
  v.created_at = data.created_at;
  v.updated_at = data.updated_at;
  v.expired_after = data.expired_after;
  v.done_at = data.done_at;
  if (!data.code.empty()) v.code = data.code;
  v.event = ev.id;
  v.org = cat.partner(ev.org).id;
  v.vendor = cat.partner(data.vendor).id;
  v.status = status;
  v.all_or_nothing = data.all_or_nothing;
  v.customer_json = data.customer_json;
  if (data.payment != nullptr) v.payment = *data.payment;
  v.promocodes.reserve(data.promocodes.size());
  for (const PromocodeIndex p : data.promocodes) {
    v.promocodes.push_back(cat.promocode(p).id);
  }
  // Cancelled and expired orders list nothing (their tickets went back).
  BOXOFFICE_DCHECK(IsOpen(status) || status == OrderStatus::kDone ||
                   data.tickets.empty());
  v.tickets.reserve(data.tickets.size());
  // A ticket's record, then its seat's, are likely misses to memory (random
  // seats of a large venue). Walking the tickets one by one would wait for
  // 2 misses per ticket in turn; asking for every record first, then every
  // seat, overlaps them (two waits per view instead of two per ticket).
  // Seat records were the largest single cost of the on-sale profile.
  for (const HeldTicket& t : data.tickets) {
    __builtin_prefetch(&cat.ticket(t.ref.ticket));
  }
  for (const HeldTicket& t : data.tickets) {
    const uint32_t seat = cat.ticket(t.ref.ticket).seat;
    if (seat != kNoSeat) __builtin_prefetch(&cat.seat(seat));
  }
  for (const HeldTicket& t : data.tickets) {
    const TicketRecord& rec = cat.ticket(t.ref.ticket);
    const SetRecord& set = cat.set(rec.set);
    TicketView tv;
    tv.id = rec.id;
    tv.set = set.id;
    tv.number = rec.number;
    tv.serial = set.serial;
    if (t.barcode != kNoBarcode) {
      std::string& spelled = tv.barcode.emplace(kBarcodeDigits, '0');
      TokenGenerator::FormatBarcode(t.barcode, spelled.data());
    }
    tv.status = status == OrderStatus::kDone ? TicketStatus::kSold
                                             : TicketStatus::kReserved;
    tv.price = set.price;
    tv.discount = t.discount;
    tv.nominal = set.price - t.discount;
    tv.extra = ApplyPercent(tv.nominal, set.extra_percent);
    tv.full = tv.nominal + tv.extra;
    if (rec.seat != kNoSeat) tv.seat = cat.seat(rec.seat);
    v.values.price += tv.price;
    v.values.discount += tv.discount;
    v.values.nominal += tv.nominal;
    v.values.extra += tv.extra;
    v.values.full += tv.full;
    auto it = std::find_if(v.values.sets.begin(), v.values.sets.end(),
                           [&](const SetValues& s) { return s.set == set.id; });
    if (it == v.values.sets.end()) {
      v.values.sets.push_back(SetValues{set.id});
      it = v.values.sets.end() - 1;
    }
    it->price += tv.price;
    it->nominal += tv.nominal;
    it->discount += tv.discount;
    if (!it->promocode.has_value() && t.promocode != kNoPromocode) {
      it->promocode = cat.promocode(t.promocode).id;
    }
    v.tickets.push_back(std::move(tv));
  }
  BOXOFFICE_DCHECK(v.values.full == v.values.nominal + v.values.extra);
}

SetInfo BuildSetInfo(const EngineContext& ctx, SetIndex s, bool with_counts) {
  const CatalogStore& cat = *ctx.catalog;
  const SetRecord& rec = cat.set(s);
  SetInfo info;
  info.id = rec.id;
  info.event = cat.event(rec.event).id;
  info.name = rec.name;
  info.price = rec.price;
  info.with_seats = rec.with_seats;
  info.serial = rec.serial;
  info.rule = rec.rule;
  info.extra_percent = rec.extra_percent;
  if (with_counts) {
    const SetCounts c = ctx.inventory->Counts(s);
    BOXOFFICE_DCHECK(c.vacant + c.reserved + c.sold == c.size);
    info.vacant = c.vacant;
    info.reserved = c.reserved;
    info.sold = c.sold;
  }
  return info;
}

EventInfo BuildEventInfo(const EngineContext& ctx, EventIndex e,
                         bool with_counts) {
  const CatalogStore& cat = *ctx.catalog;
  const EventRecord& rec = cat.event(e);
  EventInfo info;
  info.id = rec.id;
  info.org = cat.partner(rec.org).id;
  info.title_text = rec.title_text;
  info.title_desc = rec.title_desc;
  info.start = rec.start;
  info.finish = rec.finish;
  info.timezone = rec.timezone;
  info.status = rec.status;
  info.sets.reserve(rec.sets.size());
  for (const SetIndex s : rec.sets) {
    info.sets.push_back(BuildSetInfo(ctx, s, with_counts));
  }
  return info;
}

std::vector<EventInfo> ListSellableEvents(const EngineContext& ctx,
                                          std::optional<PartnerIndex> partner) {
  std::vector<EventInfo> out;
  if (!partner.has_value()) return out;
  const uint32_t n = ctx.catalog->event_count();
  for (EventIndex e = 0; e < n; ++e) {
    if (ctx.catalog->event(e).SellableBy(*partner)) {
      out.push_back(BuildEventInfo(ctx, e, /*with_counts=*/true));
    }
  }
  return out;
}

absl::StatusOr<std::vector<SeatView>> ListEventSeats(
    const EngineContext& ctx, std::optional<PartnerIndex> partner,
    const ObjectId& event) {
  const CatalogStore& cat = *ctx.catalog;
  const std::optional<EventIndex> e = cat.FindEvent(event);
  if (!e.has_value() || !Sellable(cat, partner, *e)) {
    return MakeError(absl::StatusCode::kNotFound, NotFound("Event", event));
  }
  std::vector<SeatView> out;
  for (const SetIndex s : cat.event(*e).sets) {
    const SetRecord& set = cat.set(s);
    if (!set.with_seats) continue;
    for (uint32_t i = 0; i < set.size; ++i) {
      const TicketIndex t = set.first + i;
      const TicketRecord& rec = cat.ticket(t);
      SeatView sv;
      sv.ticket = rec.id;
      sv.set = set.id;
      if (rec.seat != kNoSeat) sv.seat = cat.seat(rec.seat);
      switch (ctx.inventory->Status(TicketRef{s, t}).state) {
        case TicketState::kVacant:
          sv.status = TicketStatus::kVacant;
          break;
        case TicketState::kReserved:
          sv.status = TicketStatus::kReserved;
          break;
        case TicketState::kSold:
          sv.status = TicketStatus::kSold;
          break;
      }
      out.push_back(std::move(sv));
    }
  }
  return out;
}

InventoryTotals SumTotals(const EngineContext& ctx) {
  InventoryTotals t;
  const uint32_t n = ctx.catalog->set_count();
  for (SetIndex s = 0; s < n; ++s) {
    const SetCounts c = ctx.inventory->Counts(s);
    t.tickets += c.size;
    t.vacant += c.vacant;
    t.reserved += c.reserved;
    t.sold += c.sold;
  }
  return t;
}

absl::Status ValidateFilter(const OrderFilter& filter) {
  Problems p;
  if (filter.page < 1) {
    p.Add(absl::StatusCode::kInvalidArgument,
          "Field page must be a positive integer");
  }
  if (filter.per_page < 1 || filter.per_page > 100) {
    p.Add(absl::StatusCode::kInvalidArgument,
          "Field per_page must be an integer from 1 to 100");
  }
  if (p.empty()) return absl::OkStatus();
  return std::move(p).ToStatus();
}

ObjectId MakeOrderId(uint32_t index, uint64_t secret) {
  std::array<uint8_t, ObjectId::kBytes> b{};
  for (int i = 0; i < 4; ++i)
    b[i] = static_cast<uint8_t>(index >> (24 - 8 * i));
  for (int i = 0; i < 8; ++i) {
    b[4 + i] = static_cast<uint8_t>(secret >> (56 - 8 * i));
  }
  return ObjectId(b);
}

uint32_t OrderIdIndex(const ObjectId& id) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | id.bytes()[i];
  return v;
}

uint64_t OrderIdSecret(const ObjectId& id) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | id.bytes()[4 + i];
  return v;
}

absl::Status AuditInvariants(const EngineContext& ctx,
                             const std::vector<AuditOrder>& orders) {
  const CatalogStore& cat = *ctx.catalog;
  std::vector<std::string> problems;
  const auto add = [&](std::string m) {
    if (problems.size() < 20) problems.push_back(std::move(m));
  };
  if (absl::Status s = ctx.inventory->Verify(); !s.ok()) {
    add(absl::StrCat("inventory: ", std::string(s.message())));
  }
  const uint32_t ticket_count = cat.ticket_count();
  std::vector<HolderId> owner(ticket_count, kNoHolder);
  std::vector<int64_t> discounted(cat.promocode_count(), 0);
  for (const AuditOrder& o : orders) {
    const bool open = IsOpen(o.status);
    if (!open && o.status != OrderStatus::kDone && !o.tickets.empty()) {
      add(absl::StrCat("order ", o.number, " is ",
                       std::string(OrderStatusName(o.status)),
                       " but lists tickets"));
    }
    if (o.status == OrderStatus::kDone && !o.has_code) {
      add(absl::StrCat("order ", o.number, " is done without a code"));
    }
    for (const HeldTicket& t : o.tickets) {
      if (t.ref.ticket >= ticket_count) {
        add("ticket index out of range");
        continue;
      }
      if (owner[t.ref.ticket] != kNoHolder) {
        add(absl::StrCat("ticket ", cat.ticket(t.ref.ticket).id.ToString(),
                         " is listed by two orders"));
      }
      owner[t.ref.ticket] = o.holder;
      const TicketStatusWord w = ctx.inventory->Status(t.ref);
      const TicketState want = o.status == OrderStatus::kDone
                                   ? TicketState::kSold
                                   : TicketState::kReserved;
      if (w.state != want || w.holder != o.holder) {
        add(absl::StrCat("ticket ", cat.ticket(t.ref.ticket).id.ToString(),
                         " of order ", o.number,
                         " is not held as its order's status says"));
      }
      if (t.promocode != kNoPromocode && t.promocode < discounted.size()) {
        ++discounted[t.promocode];
      }
    }
  }
  for (TicketIndex t = 0; t < ticket_count; ++t) {
    const TicketRecord& rec = cat.ticket(t);
    const TicketStatusWord w = ctx.inventory->Status(TicketRef{rec.set, t});
    if (w.state == TicketState::kVacant) {
      if (owner[t] != kNoHolder) {
        add(absl::StrCat("vacant ticket ", rec.id.ToString(), " is listed"));
      }
    } else if (owner[t] != w.holder) {
      add(absl::StrCat("ticket ", rec.id.ToString(),
                       " is held by no order that lists it"));
    }
  }
  for (PromocodeIndex p = 0; p < discounted.size(); ++p) {
    const int64_t used = ctx.promos->Used(p);
    if (used != discounted[p]) {
      add(absl::StrCat("promocode ", cat.promocode(p).id.ToString(), " counts ",
                       used, " uses for ", discounted[p],
                       " discounted tickets"));
    }
    const auto& limit = cat.promocode(p).limit;
    if (limit.has_value() && used > *limit) {
      add(absl::StrCat("promocode ", cat.promocode(p).id.ToString(),
                       " is over its limit"));
    }
  }
  if (problems.empty()) return absl::OkStatus();
  return MakeError(absl::StatusCode::kInternal, std::move(problems));
}

}  // namespace boxoffice::internal

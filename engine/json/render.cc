#include "engine/json/render.h"

#include <algorithm>
#include <mutex>

#include "engine/common/assert.h"

namespace boxoffice::internal {
namespace {

void AddOnce(const ObjectId& id, std::vector<ObjectId>* ids) {
  if (std::find(ids->begin(), ids->end(), id) == ids->end()) ids->push_back(id);
}

void WriteOptionalString(const std::optional<std::string>& s, JsonWriter* w) {
  if (s) {
    w->String(*s);
  } else {
    w->Null();
  }
}

void WritePayment(const Payment& p, JsonWriter* w) {
  w->BeginObject();
  w->Key("system");
  WriteOptionalString(p.system, w);
  w->Key("success_url");
  WriteOptionalString(p.success_url, w);
  w->Key("failure_url");
  WriteOptionalString(p.failure_url, w);
  w->EndObject();
}

// The engine keeps the customer as the JSON text it was given (the adapter
// only ever passes a dump() of a parsed object); an empty text is `{}`.
void WriteCustomer(const std::string& customer_json, JsonWriter* w) {
  if (customer_json.empty()) {
    w->Raw("{}");
  } else {
    w->Raw(customer_json);
  }
}

void WriteSeat(const Seat& seat, JsonWriter* w) {
  w->BeginObject();
  w->Key("sector");
  w->String(seat.sector);
  w->Key("row");
  w->String(seat.row);
  w->Key("number");
  w->String(seat.number);
  w->EndObject();
}

std::string_view StatusNameV1(OrderStatus s) {
  return s == OrderStatus::kCancelled ? "canceled" : OrderStatusName(s);
}

}  // namespace

std::optional<RefCache::Entry> RefCache::Render(Kind kind,
                                                const ObjectId& id) const {
  Entry entry;
  std::string text;  // JsonWriter writes std::string; copied into entry.json
  JsonWriter w(&text);
  switch (kind) {
    case kEvent: {
      const std::optional<EventInfo> e = engine_->DescribeEvent(id);
      if (!e) return std::nullopt;
      w.BeginObject();
      w.Key("id");
      w.Id(e->id);
      w.Key("org");
      w.Id(e->org);
      w.Key("title");
      w.BeginObject();
      w.Key("text");
      w.String(e->title_text);
      w.Key("desc");
      w.String(e->title_desc);
      w.EndObject();
      w.Key("lifetime");
      w.BeginObject();
      w.Key("start");
      w.TimeV2(e->start);
      w.Key("finish");
      w.TimeV2(e->finish);
      w.EndObject();
      w.Key("status");
      w.String(EventStatusName(e->status));
      w.Key("timezone");
      w.String(e->timezone);
      w.EndObject();
      break;
    }
    case kPartner: {
      const std::optional<PartnerInfo> p = engine_->DescribePartner(id);
      if (!p) return std::nullopt;
      w.BeginObject();
      w.Key("id");
      w.Id(p->id);
      w.Key("name");
      w.String(p->name);
      w.EndObject();
      break;
    }
    case kSet: {
      const std::optional<SetInfo> s = engine_->DescribeSet(id);
      if (!s) return std::nullopt;
      w.BeginObject();
      w.Key("id");
      w.Id(s->id);
      w.Key("name");
      w.String(s->name);
      w.Key("price");
      w.MoneyString(s->price);
      w.Key("with_seats");
      w.Bool(s->with_seats);
      w.EndObject();
      entry.rule = s->rule;
      break;
    }
    case kPromocode: {
      const std::optional<PromocodeInfo> p = engine_->DescribePromocode(id);
      if (!p) return std::nullopt;
      w.BeginObject();
      w.Key("id");
      w.Id(p->id);
      w.Key("code");
      w.String(p->code);
      w.Key("discount");
      w.BeginObject();
      if (p->discount.kind == Discount::Kind::kPercentage) {
        w.Key("percentage");
        std::string pct = FormatPercent(p->discount.percentage);
        pct.push_back('%');
        w.String(pct);
      } else {
        w.Key("fix");
        w.MoneyString(p->discount.fix);
      }
      w.EndObject();
      w.EndObject();
      break;
    }
    case kKinds:
      BOXOFFICE_CHECK(false);
  }
  BOXOFFICE_DCHECK(w.Complete());
  entry.json.assign(text);
  return entry;
}

namespace {

// Holds every lock of `stripes` exclusively for its scope, taken in index
// order (so that two writers cannot deadlock) and dropped in reverse.
template <typename Stripes>
class LockAll {
 public:
  explicit LockAll(Stripes& stripes) : stripes_(stripes) {
    for (auto& s : stripes_) s.value.lock();
  }
  ~LockAll() {
    for (auto it = stripes_.rbegin(); it != stripes_.rend(); ++it) {
      it->value.unlock();
    }
  }
  LockAll(const LockAll&) = delete;
  LockAll& operator=(const LockAll&) = delete;

 private:
  Stripes& stripes_;
};

}  // namespace

const RefCache::Entry* RefCache::Find(Kind kind, const ObjectId& id) {
  {
    std::shared_lock<std::shared_mutex> lock(stripes_[ThreadStripe()].value);
    const auto it = maps_[kind].find(id);
    if (it != maps_[kind].end()) return &it->second;
  }
  // Rendered outside the locks: Describe* takes the engine's own locks.
  std::optional<Entry> rendered = Render(kind, id);
  if (!rendered) return nullptr;
  // Every stripe: then no reader of any stripe is inside the map.
  LockAll writer(stripes_);
  const auto [it, inserted] = maps_[kind].try_emplace(id, std::move(*rendered));
  (void)inserted;  // a racing miss rendered the same immutable text
  return &it->second;
}

bool RefCache::Write(Kind kind, const ObjectId& id, JsonWriter* w) {
  const Entry* entry = Find(kind, id);
  if (entry == nullptr) return false;
  w->KeyId(id);
  w->Raw(entry->json);
  return true;
}

bool RefCache::WriteEvent(const ObjectId& id, JsonWriter* w) {
  return Write(kEvent, id, w);
}
bool RefCache::WritePartner(const ObjectId& id, JsonWriter* w) {
  return Write(kPartner, id, w);
}
bool RefCache::WriteSet(const ObjectId& id, JsonWriter* w) {
  return Write(kSet, id, w);
}
bool RefCache::WritePromocode(const ObjectId& id, JsonWriter* w) {
  return Write(kPromocode, id, w);
}

std::optional<ObjectId> RefCache::SetRule(const ObjectId& id) {
  const Entry* entry = Find(kSet, id);
  if (entry == nullptr) return std::nullopt;
  return entry->rule;
}

void RefIds::Add(const OrderView& order) {
  AddOnce(order.event, &events);
  AddOnce(order.org, &partners);
  AddOnce(order.vendor, &partners);
  for (const TicketView& t : order.tickets) AddOnce(t.set, &sets);
  for (const SetValues& sv : order.values.sets) AddOnce(sv.set, &sets);
  for (const ObjectId& p : order.promocodes) AddOnce(p, &promocodes);
}

void WriteRefs(const RefIds& ids, RefCache* cache, JsonWriter* w) {
  // An id a view names is always in the catalog (loads only add); one the
  // engine cannot describe would be an engine bug, and is left out rather
  // than written as a broken entry.
  w->BeginObject();
  w->Key("events");
  w->BeginObject();
  for (const ObjectId& id : ids.events) cache->WriteEvent(id, w);
  w->EndObject();
  w->Key("partners");
  w->BeginObject();
  for (const ObjectId& id : ids.partners) cache->WritePartner(id, w);
  w->EndObject();
  w->Key("sets");
  w->BeginObject();
  for (const ObjectId& id : ids.sets) cache->WriteSet(id, w);
  w->EndObject();
  w->Key("promocodes");
  w->BeginObject();
  for (const ObjectId& id : ids.promocodes) cache->WritePromocode(id, w);
  w->EndObject();
  w->EndObject();
}

void WriteOrderV1(const OrderView& o, RefCache* cache, JsonWriter* w) {
  w->BeginObject();
  w->Key("id");
  w->Id(o.id);
  w->Key("number");
  w->Int(o.number);
  w->Key("created_at");
  w->TimeV1(o.created_at);
  w->Key("updated_at");
  w->TimeV1(o.updated_at);
  w->Key("event");
  w->Id(o.event);
  w->Key("org");
  w->Id(o.org);
  w->Key("vendor");
  w->Id(o.vendor);
  w->Key("customer");
  WriteCustomer(o.customer_json, w);
  w->Key("deal");
  w->Null();
  w->Key("payment");
  WritePayment(o.payment, w);
  w->Key("promocodes");
  w->BeginArray();
  for (const ObjectId& p : o.promocodes) w->Id(p);
  w->EndArray();
  w->Key("reserved_till");
  w->TimeV1(o.expired_after);
  w->Key("rules");
  w->BeginObject();
  // Each set held, once, in the order its first ticket was claimed.
  for (size_t i = 0; i < o.tickets.size(); ++i) {
    const ObjectId& set = o.tickets[i].set;
    bool seen = false;
    for (size_t j = 0; j < i && !seen; ++j) seen = o.tickets[j].set == set;
    if (seen) continue;
    const std::optional<ObjectId> rule = cache->SetRule(set);
    w->KeyId(set);
    w->Id(rule.value_or(set));
  }
  w->EndObject();
  w->Key("status");
  w->String(StatusNameV1(o.status));
  w->Key("tickets");
  w->BeginArray();
  for (const TicketView& t : o.tickets) w->Id(t.id);
  w->EndArray();
  w->Key("value");
  w->MoneyString(o.values.full);
  w->Key("value_extra");
  w->MoneyString(o.values.extra);
  w->Key("values");
  w->BeginObject();
  w->Key("nominal");
  w->MoneyString(o.values.nominal);
  w->Key("extra");
  w->MoneyString(o.values.extra);
  w->Key("full");
  w->MoneyString(o.values.full);
  w->EndObject();
  w->EndObject();
}

void WriteOrderV2(const OrderView& o, JsonWriter* w) {
  const bool done = o.status == OrderStatus::kDone;
  w->BeginObject();
  w->Key("id");
  w->Id(o.id);
  w->Key("number");
  w->Int(o.number);
  w->Key("created_at");
  w->TimeV2(o.created_at);
  w->Key("expired_after");
  w->TimeV2(o.expired_after);
  // done_at and code exist only once the order is done (reference 003).
  if (done && o.done_at) {
    w->Key("done_at");
    w->TimeV2(*o.done_at);
  }
  if (done && o.code) {
    w->Key("code");
    w->String(*o.code);
  }
  w->Key("event");
  w->Id(o.event);
  w->Key("org");
  w->Id(o.org);
  w->Key("vendor");
  w->Id(o.vendor);
  w->Key("origin");
  w->String("api");
  w->Key("status");
  w->String(OrderStatusName(o.status));
  w->Key("customer");
  WriteCustomer(o.customer_json, w);
  w->Key("payment");
  WritePayment(o.payment, w);
  w->Key("promocodes");
  w->BeginArray();
  for (const ObjectId& p : o.promocodes) w->Id(p);
  w->EndArray();
  w->Key("tickets");
  w->BeginArray();
  for (const TicketView& t : o.tickets) {
    w->BeginObject();
    w->Key("id");
    w->Id(t.id);
    w->Key("set");
    w->Id(t.set);
    w->Key("number");
    w->Int(t.number);
    w->Key("serial");
    w->String(t.serial);
    w->Key("barcode");
    if (done && t.barcode) {
      w->String(*t.barcode);
    } else {
      w->Null();
    }
    w->Key("status");
    w->String(TicketStatusName(t.status));
    w->Key("price");
    w->MoneyString(t.price);
    w->Key("discount");
    w->MoneyString(t.discount);
    w->Key("nominal");
    w->MoneyString(t.nominal);
    w->Key("extra");
    w->MoneyString(t.extra);
    w->Key("full");
    w->MoneyString(t.full);
    if (t.seat) {
      w->Key("seat");
      WriteSeat(*t.seat, w);
    }
    w->EndObject();
  }
  w->EndArray();
  w->Key("values");
  w->BeginObject();
  w->Key("price");
  w->MoneyString(o.values.price);
  w->Key("discount");
  w->MoneyString(o.values.discount);
  w->Key("nominal");
  w->MoneyString(o.values.nominal);
  w->Key("extra");
  w->MoneyString(o.values.extra);
  w->Key("full");
  w->MoneyString(o.values.full);
  w->Key("sets_values");
  w->BeginObject();
  for (const SetValues& sv : o.values.sets) {
    w->KeyId(sv.set);
    w->BeginObject();
    w->Key("id");
    w->Id(sv.set);
    w->Key("price");
    w->MoneyString(sv.price);
    w->Key("nominal");
    w->MoneyString(sv.nominal);
    w->Key("discount");
    w->MoneyString(sv.discount);
    w->Key("promocode");
    if (sv.promocode) {
      w->Id(*sv.promocode);
    } else {
      w->Null();
    }
    w->EndObject();
  }
  w->EndObject();
  w->Key("viral_promocodes");
  w->BeginArray();
  w->EndArray();
  w->EndObject();
  w->EndObject();
}

void WriteEvents(const std::vector<EventInfo>& events, JsonWriter* w) {
  w->BeginArray();
  for (const EventInfo& e : events) {
    w->BeginObject();
    w->Key("id");
    w->Id(e.id);
    w->Key("org");
    w->Id(e.org);
    w->Key("title");
    w->BeginObject();
    w->Key("text");
    w->String(e.title_text);
    w->Key("desc");
    w->String(e.title_desc);
    w->EndObject();
    w->Key("lifetime");
    w->BeginObject();
    w->Key("start");
    w->TimeV2(e.start);
    w->Key("finish");
    w->TimeV2(e.finish);
    w->EndObject();
    w->Key("status");
    w->String(EventStatusName(e.status));
    w->Key("timezone");
    w->String(e.timezone);
    w->Key("sets");
    w->BeginArray();
    for (const SetInfo& s : e.sets) {
      w->BeginObject();
      w->Key("id");
      w->Id(s.id);
      w->Key("name");
      w->String(s.name);
      w->Key("price");
      w->MoneyString(s.price);
      w->Key("with_seats");
      w->Bool(s.with_seats);
      w->Key("tickets");
      w->BeginObject();
      w->Key("vacant");
      w->Int(s.vacant);
      w->Key("reserved");
      w->Int(s.reserved);
      w->Key("sold");
      w->Int(s.sold);
      w->EndObject();
      w->EndObject();
    }
    w->EndArray();
    w->EndObject();
  }
  w->EndArray();
}

void WriteSeats(const std::vector<SeatView>& seats, JsonWriter* w) {
  w->BeginArray();
  for (const SeatView& s : seats) {
    w->BeginObject();
    w->Key("id");
    w->Id(s.ticket);
    w->Key("set");
    w->Id(s.set);
    w->Key("seat");
    WriteSeat(s.seat, w);
    w->Key("status");
    w->String(TicketStatusName(s.status));
    w->EndObject();
  }
  w->EndArray();
}

void WriteErrors(const std::vector<std::string>& messages, std::string* out) {
  BOXOFFICE_DCHECK(!messages.empty());
  JsonWriter w(out);
  w.BeginObject();
  w.Key("errors");
  w.BeginArray();
  for (const std::string& m : messages) w.String(m);
  w.EndArray();
  w.EndObject();
  BOXOFFICE_DCHECK(w.Complete());
}

}  // namespace boxoffice::internal

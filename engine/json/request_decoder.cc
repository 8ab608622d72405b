#include "engine/json/request_decoder.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "boxoffice/limits.h"
#include "engine/common/assert.h"

namespace boxoffice::internal {
namespace {

using json = nlohmann::json;

// Keys and values quoted back in messages are cut, so that a 1 MiB key
// cannot make a 1 MiB error answer.
std::string Shown(std::string_view s) {
  constexpr size_t kMaxShown = 100;
  if (s.size() <= kMaxShown) return std::string(s);
  return absl::StrCat(std::string(s.substr(0, kMaxShown)), "...");
}

std::optional<ObjectId> IdOf(const json& v) {
  if (!v.is_string()) return std::nullopt;
  return ObjectId::Parse(v.get_ref<const std::string&>());
}

// `tickets: [ids]`. Returns nullopt (and reports) on any problem.
std::optional<std::vector<ObjectId>> DecodeTickets(
    const json& v, std::vector<std::string>* errors) {
  if (!v.is_array()) {
    errors->push_back("Field tickets must be a list of ticket ids");
    return std::nullopt;
  }
  std::vector<ObjectId> ids;
  ids.reserve(v.size());
  bool ok = true;
  size_t index = 0;
  for (const json& item : v) {
    if (auto id = IdOf(item)) {
      ids.push_back(*id);
    } else {
      errors->push_back(
          absl::StrCat("Field tickets.", index, " must be a ticket id"));
      ok = false;
    }
    ++index;
  }
  if (!ok) return std::nullopt;
  BOXOFFICE_DCHECK(ids.size() == v.size());
  return ids;
}

// `random: {set: n}`.
std::optional<std::vector<SetCount>> DecodeRandom(
    const json& v, std::vector<std::string>* errors) {
  if (!v.is_object()) {
    errors->push_back("Field random must be an object of set ids to counts");
    return std::nullopt;
  }
  std::vector<SetCount> counts;
  counts.reserve(v.size());
  bool ok = true;
  for (const auto& [key, value] : v.items()) {
    const std::optional<ObjectId> set = ObjectId::Parse(key);
    if (!set) {
      // A key that cannot be a set id names no set.
      errors->push_back(absl::StrCat("Set ", Shown(key), " not found"));
      ok = false;
      continue;
    }
    const std::optional<int64_t> n = ExactNonNegativeInteger(value);
    if (!n) {
      errors->push_back(absl::StrCat("Field random.", key,
                                     " must be a non-negative integer"));
      ok = false;
      continue;
    }
    counts.push_back(SetCount{*set, *n});
  }
  if (!ok) return std::nullopt;
  return counts;
}

std::optional<std::vector<std::string>> DecodePromocodes(
    const json& v, std::vector<std::string>* errors) {
  if (!v.is_array()) {
    errors->push_back("Field promocodes must be a list of codes");
    return std::nullopt;
  }
  if (v.size() > limits::kMaxPromocodesPerOrder) {
    errors->push_back(absl::StrCat("Field promocodes must list at most ",
                                   limits::kMaxPromocodesPerOrder, " codes"));
    return std::nullopt;
  }
  std::vector<std::string> codes;
  codes.reserve(v.size());
  bool ok = true;
  size_t index = 0;
  for (const json& item : v) {
    if (item.is_string() && !item.get_ref<const std::string&>().empty() &&
        item.get_ref<const std::string&>().size() <= limits::kMaxStringBytes) {
      codes.push_back(item.get<std::string>());
    } else {
      errors->push_back(
          absl::StrCat("Field promocodes.", index, " must be a code"));
      ok = false;
    }
    ++index;
  }
  if (!ok) return std::nullopt;
  return codes;
}

void DecodeAllOrNothing(const json& v, bool* out,
                        std::vector<std::string>* errors) {
  // The reference sends the flag as the string "true"; both forms are
  // accepted, nothing else.
  if (v.is_boolean()) {
    *out = v.get<bool>();
  } else if (v.is_string() && v.get_ref<const std::string&>() == "true") {
    *out = true;
  } else if (v.is_string() && v.get_ref<const std::string&>() == "false") {
    *out = false;
  } else {
    errors->push_back("Field all_or_nothing must be true or false");
  }
}

std::optional<Payment> DecodePayment(const json& v,
                                     std::vector<std::string>* errors) {
  if (!v.is_object()) {
    errors->push_back("Field payment must be an object");
    return std::nullopt;
  }
  Payment payment;
  bool ok = true;
  const auto field = [&](const char* name, std::optional<std::string>* slot) {
    const auto it = v.find(name);
    if (it == v.end()) return;
    if (it->is_string() &&
        it->get_ref<const std::string&>().size() <= limits::kMaxStringBytes) {
      *slot = it->get<std::string>();
    } else {
      errors->push_back(absl::StrCat("Field payment.", name,
                                     " must be a string of at most ",
                                     limits::kMaxStringBytes, " bytes"));
      ok = false;
    }
  };
  field("system", &payment.system);
  field("success_url", &payment.success_url);
  field("failure_url", &payment.failure_url);
  if (!ok) return std::nullopt;
  return payment;
}

}  // namespace

std::optional<int64_t> ExactNonNegativeInteger(const json& v) {
  // Type first, then range: get<int64_t>() of a uint64 above INT64_MAX
  // would wrap, and a double would truncate.
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(kMaxExactInteger)) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  if (v.is_number_integer()) {
    const int64_t i = v.get<int64_t>();
    if (i < 0 || i > kMaxExactInteger) return std::nullopt;
    return i;
  }
  return std::nullopt;
}

void DecodeCreate(const json& body, CreateOrderRequest* out,
                  std::vector<std::string>* errors) {
  BOXOFFICE_DCHECK(body.is_object());
  BOXOFFICE_DCHECK(out != nullptr);
  const size_t errors_before = errors->size();
  *out = CreateOrderRequest{};
  bool event_bad = false;
  if (const auto it = body.find("event"); it != body.end() && !it->is_null()) {
    if (auto id = IdOf(*it)) {
      out->event = *id;
    } else {
      errors->push_back("Field event must be an event id");
      event_bad = true;
    }
  }
  bool has_tickets = false;
  if (const auto it = body.find("tickets");
      it != body.end() && !it->is_null()) {
    if (auto ids = DecodeTickets(*it, errors)) {
      has_tickets = !ids->empty();
      out->tickets = std::move(*ids);
    } else {
      has_tickets = true;  // reported already; do not also ask for an event
    }
  }
  if (!out->event && !event_bad && !has_tickets) {
    errors->push_back("Field event must be an event id");
  }
  if (const auto it = body.find("random"); it != body.end() && !it->is_null()) {
    if (auto counts = DecodeRandom(*it, errors))
      out->random = std::move(*counts);
  }
  if (const auto it = body.find("all_or_nothing");
      it != body.end() && !it->is_null()) {
    DecodeAllOrNothing(*it, &out->all_or_nothing, errors);
  }
  if (const auto it = body.find("promocodes");
      it != body.end() && !it->is_null()) {
    if (auto codes = DecodePromocodes(*it, errors))
      out->promocodes = std::move(*codes);
  }
  if (const auto it = body.find("customer");
      it != body.end() && !it->is_null()) {
    if (!it->is_object()) {
      errors->push_back("Field customer must be an object");
    } else {
      // The DOM is at most max_depth deep (ParseStrictJson), so dump()'s
      // recursion is bounded.
      std::string text = it->dump();
      if (text.size() > limits::kMaxCustomerBytes) {
        errors->push_back(
            absl::StrCat("Field customer must be an object of at most ",
                         limits::kMaxCustomerBytes, " bytes"));
      } else {
        out->customer_json = std::move(text);
      }
    }
  }
  BOXOFFICE_DCHECK(errors->size() >= errors_before);
}

void DecodeChange(const json& body, ApiVersion version, ChangeOrderRequest* out,
                  std::vector<std::string>* errors) {
  BOXOFFICE_DCHECK(body.is_object());
  BOXOFFICE_DCHECK(out != nullptr);
  *out = ChangeOrderRequest{};
  if (const auto it = body.find("tickets");
      it != body.end() && !it->is_null()) {
    out->tickets = DecodeTickets(*it, errors);
  }
  if (const auto it = body.find("random"); it != body.end() && !it->is_null()) {
    out->random = DecodeRandom(*it, errors);
  }
  if (const auto it = body.find("promocodes");
      it != body.end() && !it->is_null()) {
    out->promocodes = DecodePromocodes(*it, errors);
  }
  if (const auto it = body.find("payment");
      it != body.end() && !it->is_null()) {
    out->payment = DecodePayment(*it, errors);
  }
  if (const auto it = body.find("status"); it != body.end() && !it->is_null()) {
    std::optional<OrderStatus> status;
    if (it->is_string()) {
      const std::string& name = it->get_ref<const std::string&>();
      // A request may ask for any status a PATCH can reach; `expired` is
      // the clock's alone, and v2 spells `cancelled` only.
      if (name == "canceled" && version == ApiVersion::kV2) {
        status = std::nullopt;
      } else if (name != "expired") {
        status = ParseOrderStatus(name);
      }
    }
    if (status) {
      out->status = status;
    } else {
      errors->push_back(
          "Field status must be one of executed, in_progress, done, cancelled");
    }
  }
}

}  // namespace boxoffice::internal

// The checks of a catalog document that need nothing but the document
// itself, shared by ParseCatalogJson (after it has read the JSON into
// structs) and CatalogStore::Load (whose documents may come from C++
// without passing through JSON). Each problem is "<JSON pointer>: <problem>",
// the pointer naming the field in the JSON form of the document (a struct's
// vector index is the JSON array index).
//
// Thread-safety: pure functions.
#ifndef BOXOFFICE_ENGINE_CATALOG_CATALOG_VALIDATE_H_
#define BOXOFFICE_ENGINE_CATALOG_CATALOG_VALIDATE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "boxoffice/catalog.h"

namespace boxoffice::internal {

// Pointers of fields that the JSON reader already refused: the validator
// says nothing more about them or anything below them (their struct value
// is a default, and a second message about it would only mislead), and
// their ids take no part in duplicate checks.
class RefusedPointers {
 public:
  void Add(std::string pointer) { set_.insert(std::move(pointer)); }
  bool empty() const { return set_.empty(); }
  // True if `pointer` or one of its ancestors was refused.
  bool Covers(std::string_view pointer) const;

 private:
  absl::flat_hash_set<std::string> set_;
};

// The problems of `doc` on its own: ids unique across the document (one
// namespace for partners, events, sets, tickets and promocodes), partner
// keys unique, string lengths, money and percent ranges, lifetimes, sets
// with tickets or count, seated sets fully listed with seats, counts, set
// sizes, promocodes (discount range, codes unique per event ignoring case,
// sets of their own event), and the total ticket count against
// max_tickets. Appends to *problems in document order.
void ValidateCatalogDocument(const CatalogDocument& doc, int64_t max_tickets,
                             const RefusedPointers& refused,
                             std::vector<std::string>* problems);

// Tickets the document defines, listed plus generated: sum over sets of
// max(count, listed). Saturates at INT64_MAX.
int64_t DocumentTicketCount(const CatalogDocument& doc);

// The lowercase form a promocode code is matched by (ASCII letters only are
// folded; codes are compared byte for byte otherwise).
std::string FoldCode(std::string_view code);

// Pointer prefixes, e.g. SetPointer(0, 1) == "/events/0/sets/1".
std::string PartnerPointer(size_t p);
std::string EventPointer(size_t e);
std::string SetPointer(size_t e, size_t s);
std::string TicketPointer(size_t e, size_t s, size_t t);
std::string PromocodePointer(size_t e, size_t p);

// "<pointer>: <problem>".
std::string Problem(std::string_view pointer, std::string_view problem);

}  // namespace boxoffice::internal

#endif  // BOXOFFICE_ENGINE_CATALOG_CATALOG_VALIDATE_H_

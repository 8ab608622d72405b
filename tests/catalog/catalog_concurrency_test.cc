// One thread loads documents while others look ids up, without locks.
// Readers must only ever see fully formed records, and a document must
// become visible whole: once any of its ids is found, every partner,
// event, set and ticket of it is found and consistent, walking up (ticket
// to set to event) or down (event to its sets).
#include <atomic>
#include <random>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "engine/catalog/catalog_store.h"
#include "gtest/gtest.h"
#include "tests/catalog/catalog_test_docs.h"
#include "tests/support/scale.h"

namespace boxoffice::internal {
namespace {

struct DocIds {
  ObjectId partner;
  std::string key;
  std::vector<ObjectId> events, sets, listed;
  std::string code;  // a promocode of the first event
  uint32_t tickets = 0;
};

DocIds IdsOf(const CatalogDocument& doc) {
  DocIds ids;
  ids.partner = doc.partners[0].id;
  ids.key = doc.partners[0].key;
  ids.code = doc.events[0].promocodes[0].code;
  for (const EventSpec& e : doc.events) {
    ids.events.push_back(e.id);
    for (const SetSpec& s : e.sets) {
      ids.sets.push_back(s.id);
      ids.tickets += static_cast<uint32_t>(std::max<int64_t>(
          s.count.value_or(0), static_cast<int64_t>(s.tickets.size())));
      for (const TicketSpec& t : s.tickets) ids.listed.push_back(t.id);
    }
  }
  return ids;
}

// Checks one ticket's record against its set and event (a fatal failure
// on any inconsistency).
void CheckTicket(const CatalogStore& store, TicketIndex t) {
  const TicketRecord& rec = store.ticket(t);
  ASSERT_EQ(store.FindTicket(rec.id), t);
  ASSERT_LT(rec.set, store.set_count());
  const SetRecord& set = store.set(rec.set);
  ASSERT_GE(t, set.first);
  ASSERT_LT(t, set.first + set.size);
  ASSERT_EQ(rec.number, static_cast<int64_t>(t - set.first) + 1);
  ASSERT_LT(set.event, store.event_count());
  const EventRecord& ev = store.event(set.event);
  ASSERT_EQ(store.FindEvent(ev.id), set.event);
  ASSERT_LT(ev.org, store.partner_count());
  ASSERT_EQ(store.FindSet(set.id), rec.set);
}

TEST(CatalogConcurrencyTest, ReadersSeeWholeDocumentsWhileALoaderRuns) {
  const int docs = static_cast<int>(testing::Scaled(5000, 100));
  std::vector<CatalogDocument> documents;
  std::vector<DocIds> ids;
  for (int d = 0; d < docs; ++d) {
    // Varying sizes make the indexes grow at different loads.
    documents.push_back(
        testing::MakeDocument(1000 + d, 1 + d % 3, 2, 3 + d % 5, 20 + d % 40));
    PromocodeSpec promo;
    promo.id = testing::TestId(5, 1000 + d);
    promo.code = absl::StrCat("Code", d);
    documents.back().events[0].promocodes.push_back(promo);
    ids.push_back(IdsOf(documents.back()));
  }
  CatalogStore store;
  std::atomic<bool> done{false};
  std::atomic<int> loaded{0};
  std::atomic<int64_t> checks{0};

  std::thread loader([&] {
    for (int d = 0; d < docs; ++d) {
      auto r = store.Load(documents[d], nullptr);
      ASSERT_TRUE(r.ok()) << r.status();
      // Relaxed: a hint for readers about which documents to try; the
      // store's own acquire/release is what the test checks.
      loaded.store(d + 1, std::memory_order_relaxed);
    }
    done.store(true, std::memory_order_release);
  });

  const int readers = 3;
  std::vector<std::thread> threads;
  for (int r = 0; r < readers; ++r) {
    threads.emplace_back([&, r] {
      std::mt19937_64 rng(42 + r);
      int64_t local = 0;
      while (!done.load(std::memory_order_acquire) || local < 1000) {
        // A random published ticket is always fully formed.
        const uint32_t n = store.ticket_count();
        if (n > 0) {
          CheckTicket(store, static_cast<TicketIndex>(rng() % n));
          if (::testing::Test::HasFatalFailure()) return;
        }
        // A document, possibly still loading: all of it or none of it.
        const int upto = loaded.load(std::memory_order_relaxed) + 1;
        const DocIds& doc = ids[rng() % std::min(upto, docs)];
        const auto partner = store.FindPartner(doc.partner);
        if (partner.has_value()) {
          ASSERT_EQ(store.partner(*partner).id, doc.partner);
          ASSERT_EQ(store.FindPartnerByKey(doc.key), partner);
          const auto first_event = store.FindEvent(doc.events[0]);
          ASSERT_TRUE(first_event.has_value());
          const auto promo = store.FindPromocodeByCode(
              *first_event, absl::AsciiStrToUpper(doc.code));
          ASSERT_TRUE(promo.has_value());
          ASSERT_EQ(store.promocode(*promo).event, *first_event);
          for (const ObjectId& e : doc.events) ASSERT_TRUE(store.FindEvent(e));
          for (const ObjectId& s : doc.sets) ASSERT_TRUE(store.FindSet(s));
          for (const ObjectId& t : doc.listed) {
            const auto ti = store.FindTicket(t);
            ASSERT_TRUE(ti.has_value());
            ASSERT_EQ(store.ticket(*ti).id, t);
            CheckTicket(store, *ti);
            if (::testing::Test::HasFatalFailure()) return;
          }
        }
        // Walking up from a ticket finds its whole document too.
        const auto some =
            store.FindTicket(doc.listed[rng() % doc.listed.size()]);
        if (some.has_value()) {
          CheckTicket(store, *some);
          if (::testing::Test::HasFatalFailure()) return;
          ASSERT_TRUE(store.FindPartner(doc.partner));
          for (const ObjectId& e : doc.events) {
            const auto ei = store.FindEvent(e);
            ASSERT_TRUE(ei.has_value());
            // Walking down: every set of the event and its tickets.
            for (const SetIndex si : store.event(*ei).sets) {
              const SetRecord& set = store.set(si);
              ASSERT_EQ(set.event, *ei);
              ASSERT_LE(set.first + set.size, store.ticket_count());
              CheckTicket(store, set.first + set.size - 1);
              if (::testing::Test::HasFatalFailure()) return;
            }
          }
        }
        ++local;
      }
      checks.fetch_add(local, std::memory_order_relaxed);
    });
  }
  loader.join();
  for (auto& t : threads) t.join();
  EXPECT_GT(checks.load(), 0);
  uint32_t expected = 0;
  for (const DocIds& d : ids) expected += d.tickets;
  EXPECT_EQ(store.ticket_count(), expected);
  EXPECT_EQ(store.partner_count(), static_cast<uint32_t>(docs));
  for (uint32_t t = 0; t < store.ticket_count(); ++t) CheckTicket(store, t);
}

}  // namespace
}  // namespace boxoffice::internal

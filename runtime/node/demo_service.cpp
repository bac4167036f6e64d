#include "demo_service.hpp"

#include <cctype>
#include <stdexcept>
#include <unordered_map>
#include <utility>

#include <caf/error.hpp>
#include <caf/make_message.hpp>
#include <caf/sec.hpp>

namespace remedy::node {

const char* to_string(crash_mode x) {
  switch (x) {
    case crash_mode::throw_in_handler:
      return "throw";
    case crash_mode::quit_with_error:
      return "quit";
    case crash_mode::poison:
      return "poison";
  }
  return "<invalid crash_mode>";
}

void crash_ledger::record(size_t slot, uint64_t actor, crash_mode mode) {
  crash_record rec;
  rec.slot = slot;
  rec.actor = actor;
  rec.at = steady::now();
  rec.mode = mode;
  std::lock_guard<std::mutex> guard{mtx_};
  records_.push_back(rec);
}

std::vector<crash_record> crash_ledger::snapshot() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return records_;
}

size_t crash_ledger::size() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return records_.size();
}

uint64_t count_words(const std::string& text) {
  uint64_t result = 0;
  bool in_word = false;
  for (auto c : text) {
    auto space = std::isspace(static_cast<unsigned char>(c)) != 0;
    if (!space && !in_word)
      ++result;
    in_word = !space;
  }
  return result;
}

namespace {

/// What every worker incarnation shares between its handlers: where it
/// reports crashes and whether it was poisoned.
struct worker_core {
  caf::event_based_actor* self;
  ledger_ptr ledger;
  size_t slot;
  bool poisoned = false;

  worker_core(caf::event_based_actor* self, ledger_ptr ledger, size_t slot)
    : self(self), ledger(std::move(ledger)), slot(slot) {
  }

  /// Called first by every request handler: a poisoned worker crashes here.
  void check_poison() {
    if (!poisoned)
      return;
    ledger->record(slot, self->id(), crash_mode::poison);
    throw std::runtime_error("chaos: poisoned request");
  }

  void crash(uint64_t raw_mode) {
    auto mode = static_cast<crash_mode>(raw_mode);
    switch (mode) {
      case crash_mode::throw_in_handler:
        ledger->record(slot, self->id(), mode);
        throw std::runtime_error("chaos: injected throw");
      case crash_mode::quit_with_error:
        ledger->record(slot, self->id(), mode);
        self->quit(
          caf::make_error(caf::sec::runtime_error, "chaos: injected quit"));
        return;
      case crash_mode::poison:
        poisoned = true;
        return;
    }
  }
};

using core_ptr = std::shared_ptr<worker_core>;

core_ptr make_core(caf::event_based_actor* self, ledger_ptr ledger,
                   size_t slot) {
  return std::make_shared<worker_core>(self, std::move(ledger), slot);
}

} // namespace

caf::behavior store_worker(caf::event_based_actor* self, ledger_ptr ledger) {
  auto core = make_core(self, std::move(ledger), store_slot);
  // The data lives as long as this incarnation: a restart starts empty.
  auto data = std::make_shared<std::unordered_map<uint64_t, uint64_t>>();
  return {
    [self, core, data](put_atom, uint64_t key, uint64_t value) {
      core->check_poison();
      (*data)[key] = value;
      return caf::make_message(value, uint64_t{self->id()});
    },
    [self, core, data](get_atom, uint64_t key) {
      core->check_poison();
      auto i = data->find(key);
      uint64_t value = i != data->end() ? i->second : 0;
      return caf::make_message(value, uint64_t{self->id()});
    },
    [core](crash_atom, uint64_t mode) { core->crash(mode); },
  };
}

caf::behavior ingest_worker(caf::event_based_actor* self, ledger_ptr ledger,
                            caf::actor parse) {
  auto core = make_core(self, std::move(ledger), ingest_slot);
  return {
    [self, core, parse](work_atom, uint64_t req, std::string& text) {
      core->check_poison();
      // Normalize: lower case, tabs and newlines become spaces.
      for (auto& c : text) {
        auto u = static_cast<unsigned char>(c);
        c = std::isspace(u) ? ' ' : static_cast<char>(std::tolower(u));
      }
      return self->delegate(parse, parse_atom::value, req, std::move(text),
                            uint64_t{self->id()});
    },
    [core](crash_atom, uint64_t mode) { core->crash(mode); },
  };
}

caf::behavior parse_worker(caf::event_based_actor* self, ledger_ptr ledger,
                           caf::actor index) {
  auto core = make_core(self, std::move(ledger), parse_slot);
  return {
    [self, core, index](parse_atom, uint64_t req, const std::string& text,
                        uint64_t ingest_id) {
      core->check_poison();
      return self->delegate(index, index_atom::value, req, count_words(text),
                            ingest_id, uint64_t{self->id()});
    },
    [core](crash_atom, uint64_t mode) { core->crash(mode); },
  };
}

caf::behavior index_worker(caf::event_based_actor* self, ledger_ptr ledger) {
  auto core = make_core(self, std::move(ledger), index_slot);
  auto indexed = std::make_shared<uint64_t>(0);
  return {
    [self, core, indexed](index_atom, uint64_t req, uint64_t words,
                          uint64_t ingest_id, uint64_t parse_id) {
      core->check_poison();
      *indexed += words;
      return caf::make_message(req, words, ingest_id, parse_id,
                               uint64_t{self->id()});
    },
    [core](crash_atom, uint64_t mode) { core->crash(mode); },
  };
}

caf::behavior session_worker(caf::event_based_actor* self, ledger_ptr ledger,
                             uint64_t number) {
  auto core = make_core(self, std::move(ledger),
                        first_session_slot + static_cast<size_t>(number));
  auto served = std::make_shared<uint64_t>(0);
  return {
    [self, core, served](work_atom, uint64_t) {
      core->check_poison();
      return caf::make_message(++*served, uint64_t{self->id()});
    },
    [core](crash_atom, uint64_t mode) { core->crash(mode); },
  };
}

} // namespace remedy::node

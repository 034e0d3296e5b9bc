#include "converse/conversation_counters.hpp"

namespace scanscope {

namespace {

constexpr const char* names[] = {SCANSCOPE_CONVERSATION_COUNTERS(SCANSCOPE_X_NAME)};
constexpr const char* helps[] = {SCANSCOPE_CONVERSATION_COUNTERS(SCANSCOPE_X_HELP)};

}  // namespace

const char* conversation_counter_name(conversation_counter c) {
  return name_in(names, static_cast<size_t>(c));
}

const char* conversation_counter_help(conversation_counter c) {
  return name_in(helps, static_cast<size_t>(c));
}

void conversation_totals::add(const conversation_counters& c) {
  monitored = monitored || c.monitored;
  responding = responding || c.responding;
  inbound.add(c.inbound);
  outbound.add(c.outbound);
  transit.add(c.transit);
  reply.add(c.reply);
  for (size_t i = 0; i < conversation_counter_count; ++i) {
    scalars[i] += c.scalars[i].read();
  }
  if (rows.size() < c.rows.size()) {
    rows.resize(c.rows.size());
  }
  for (size_t port = 0; port < c.rows.size(); ++port) {
    for (size_t tool = 0; tool < scan_tool_count; ++tool) {
      rows[port][tool].add(c.rows[port][tool]);
    }
  }
  if (steps.size() < c.steps.size()) {
    steps.resize(c.steps.size());
  }
  for (size_t port = 0; port < c.steps.size(); ++port) {
    for (size_t step = 0; step < emulated_step_count; ++step) {
      steps[port][step].add(c.steps[port][step]);
    }
  }
}

}  // namespace scanscope

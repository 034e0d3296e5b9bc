#pragma once
/**
 * @file
 * The dimensions scanscope counts a port's traffic by, declared once. A time bucket's counts
 * are entries under a series_key (kind, watched port, value, country); each kind is a row of
 * `series_dimensions`: what its value is, how it is written, whether its entries are split by
 * country, where campaigns are looked for in it and whether a port's lead can change in it.
 * The series files, the JSON report's buckets, the API's `group`, the fleet rows, the campaign
 * detector and its writers walk this table; a new dimension is a new row (and, if packets
 * count in it, its value in pipeline/count_point.hpp's packet_value()).
 */

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/limits.hpp"
#include "common/x_list.hpp"
#include "converse/emulation.hpp"
#include "fingerprint/scan_technique.hpp"
#include "fingerprint/scan_tool.hpp"
#include "stats/count_key.hpp"
#include "stats/counter_families.hpp"
#include "table/value_marks.hpp"

namespace scanscope {

/** What a series entry counts: its kind and dimensions packed into 64 bits. */
struct series_key {
  static constexpr uint16_t all = 0xFFFF; /**< value of per-(port, country) entries */

  /** The row of series_dimensions each entry belongs to (codes are stable: they order the
   *  series files' lines). */
  enum class kind : uint8_t {
    cluster = 1,
    signature = 2,
    port = 3,
    tool = 4,
    fingerprint = 5,
    actor = 6,
    as = 7,
    technique = 8,
    conversation = 9,
    payload_tool = 10,
  };
  /** Kinds are 1 .. kind_limit - 1. */
  static constexpr size_t kind_limit = 11;

  /** The 16 bits of a fingerprint key's hash that stand for it in fingerprint entries. */
  static constexpr uint16_t fingerprint_short(uint64_t key_hash) {
    return static_cast<uint16_t>(key_hash >> 48);
  }

  /** Pack (kind, port index, value, country) as a count_key; never 0 (kinds start at 1). */
  static constexpr uint64_t make(kind k, uint16_t port, uint32_t value, uint8_t country) {
    return count_key<kind>{k, port, value, country}.packed();
  }
  static constexpr kind kind_of(uint64_t key) { return count_key<kind>::of(key).what; }
  static constexpr uint16_t port_of(uint64_t key) { return count_key<kind>::of(key).port; }
  static constexpr uint32_t dim_of(uint64_t key) { return count_key<kind>::of(key).value; }
  static constexpr uint8_t country_of(uint64_t key) { return count_key<kind>::of(key).country; }
  /** Entries of this kind are split by country (the others hold country 0 for every source):
   *  its row's per_country. */
  static constexpr bool has_country(kind k);
};

/** X(scope, what `dim` holds): where a campaign is found. */
#define SCANSCOPE_CAMPAIGN_SCOPES(X)                                                        \
  X(port, "a watched port")                                                                 \
  X(port_country, "dim: country index")                                                     \
  X(port_cluster, "dim: cluster index")                                                     \
  X(port_tool, "dim: scan_tool")                                                            \
  X(port_signature, "dim: rule slot")                                                       \
  X(port_fingerprint, "dim: series_key::fingerprint_short of a key no built-in tool names") \
  X(port_as, "dim: the sources' AS number")                                                 \
  X(port_payload_tool, "dim: scan_tool a payload named")

SCANSCOPE_ENUM_OF_LIST(campaign_scope, SCANSCOPE_CAMPAIGN_SCOPES);

/** X(dimension, what leads): the dimensions a port's lead can change in. */
#define SCANSCOPE_LEAD_DIMENSIONS(X)                       \
  X(country, "the country with the most distinct sources") \
  X(cluster, "the cluster with the most distinct sources") \
  X(tool, "the tool with the most distinct sources")       \
  X(as, "the AS with the most distinct sources")

SCANSCOPE_ENUM_OF_LIST(lead_dimension, SCANSCOPE_LEAD_DIMENSIONS);

/** How a dimension's value is written in files, labels, JSON and the API. */
enum class value_form : uint8_t {
  none,        /**< no value (a port's own entries) */
  cluster,     /**< cluster index → its name in clusters.conf */
  rule,        /**< rule slot → its name in the signature file */
  tool,        /**< scan_tool → its name */
  actor,       /**< actor slot (1-based) → the organisation's name */
  fingerprint, /**< fingerprint_short → 4 hex digits (campaigns: the key in words) */
  as_number,   /**< the AS number in decimal; 0: no AS known (RFC 7607) */
  technique,   /**< scan_technique → its name (syn, fin, xmas, udp, ...) */
  conversation_step, /**< conversation_stage → its name (handshake, payload) */
};

/** X(stage, meaning): how far a source went with the responder (--respond), and in the
 *  protocols it emulates (--emulate). */
#define SCANSCOPE_CONVERSATION_STAGES(X)                                       \
  X(handshake, "completed the responder's handshake with an ACK of its own")   \
  X(payload, "sent data over it (a request, an exploit), after the handshake") \
  SCANSCOPE_EMULATED_STEPS(X)

SCANSCOPE_ENUM_OF_LIST(conversation_stage, SCANSCOPE_CONVERSATION_STAGES);

/** The stage an emulated step is among the conversation stages. */
constexpr conversation_stage stage_of(emulated_step s) {
  return static_cast<conversation_stage>(static_cast<unsigned>(conversation_stage::eth_recon) +
                                         static_cast<unsigned>(s));
}
static_assert(static_cast<unsigned>(conversation_stage::eth_recon) == 2 &&
                  conversation_stage_count == 2 + emulated_step_count,
              "the emulated steps follow handshake and payload");

inline constexpr const char* conversation_stage_names[] = {
    SCANSCOPE_CONVERSATION_STAGES(SCANSCOPE_X_NAME)};

/** No such metric family. */
inline constexpr counter_family no_family = static_cast<counter_family>(counter_family_count);

/** Where /metrics writes a dense row's counts (families of stats/counter_families.hpp). */
struct dense_metrics {
  counter_family frames = no_family;       /**< packets (or hits) over all traffic */
  counter_family sources = no_family;      /**< distinct sources over all traffic */
  counter_family port_frames = no_family;  /**< per watched port */
  counter_family port_sources = no_family; /**< per watched port */
  /** Per port, every value with a name (else only the values a port has seen). */
  bool every_value = false;
  /** Over all traffic, the values from this one on (tools by payload: no rule names "none"). */
  uint8_t first = 0;
};

/** One dimension: a row of series_dimensions, written as its kind, names and value form, then
 *  what it has beyond the defaults (`row(...).by_country().campaigns(...)`). */
struct series_dimension {
  series_key::kind kind;
  const char* name;   /**< kind in series files and fleet rows, the API's group, labels */
  const char* plural; /**< key of the JSON objects by this dimension */
  value_form form;
  bool per_country = false; /**< entries are split by the source's country (else country 0) */
  bool in_buckets = false;  /**< listed in the report's per-port buckets (fingerprints: in
                               campaigns) */
  bool in_arrivals = false; /**< recorded as a source's arrival for the fleet's distinct counts */
  /** Values without a small bound (AS numbers): the report's buckets and /metrics list the top
   *  N of a port (--top-ases), the rest summed as "other". */
  bool bounded = false;
  bool has_scope = false;                        /**< campaigns are looked for per (port, value) */
  campaign_scope scope = campaign_scope::port;   /**< ... under this scope */
  bool has_lead = false;                         /**< a port's lead can change in it ... */
  lead_dimension lead = lead_dimension::country; /**< ... as this dimension */
  /** Values of a small fixed bound, counted in every RX lcore's dense value space
   *  (dense_values below) per watched port; 0: counted elsewhere (ports, signatures sized at
   *  start, fingerprints and ASes keyed, conversation stages in the conversation counters). */
  uint16_t values = 0;
  /** With `values`: also counted over all traffic (the headers' dimensions over all IP traffic,
   *  ICMP included; tools by payload over all ports). */
  bool overall = false;
  /** Each TCP/UDP packet makes an entry in it (pipeline/count_point.hpp takes the value); the
   *  others' entries come from payload hits and conversations. */
  bool per_packet = false;
  /** The source's own value, set once when it is new (actor, AS): whether a source is new to
   *  it on a port is known from its country's count there, and needs no look of its own. */
  bool of_source = false;
  dense_metrics metrics{}; /**< with `values`: its /metrics families */

  constexpr series_dimension by_country() const { return with(&series_dimension::per_country); }
  constexpr series_dimension listed_in_buckets() const {
    return with(&series_dimension::in_buckets);
  }
  constexpr series_dimension arrivals() const { return with(&series_dimension::in_arrivals); }
  constexpr series_dimension top_n() const { return with(&series_dimension::bounded); }
  constexpr series_dimension each_packet() const { return with(&series_dimension::per_packet); }
  constexpr series_dimension the_sources_own() const { return with(&series_dimension::of_source); }
  constexpr series_dimension campaigns(campaign_scope s) const {
    series_dimension d = with(&series_dimension::has_scope);
    d.scope = s;
    return d;
  }
  constexpr series_dimension leads(lead_dimension l) const {
    series_dimension d = with(&series_dimension::has_lead);
    d.lead = l;
    return d;
  }
  constexpr series_dimension dense(uint16_t count, bool and_overall, dense_metrics m) const {
    series_dimension d = *this;
    d.values = count;
    d.overall = and_overall;
    d.metrics = m;
    return d;
  }

 private:
  constexpr series_dimension with(bool series_dimension::*flag) const {
    series_dimension d = *this;
    d.*flag = true;
    return d;
  }
};

constexpr series_dimension row(series_key::kind k, const char* name, const char* plural,
                               value_form form) {
  return {k, name, plural, form};
}

/** In the order writers list them (the report's campaign drivers: countries, then these). */
inline constexpr series_dimension series_dimensions[] = {
    row(series_key::kind::port, "port", "ports", value_form::none)
        .by_country()
        .arrivals()
        .campaigns(campaign_scope::port)
        .each_packet(),
    row(series_key::kind::cluster, "cluster", "clusters", value_form::cluster)
        .by_country()
        .listed_in_buckets()
        .arrivals()
        .campaigns(campaign_scope::port_cluster)
        .leads(lead_dimension::cluster)
        .dense(max_clusters, false,
               {no_family, no_family, counter_family::cluster_frames_total,
                counter_family::cluster_sources, true})
        .each_packet(),
    row(series_key::kind::tool, "tool", "tools", value_form::tool)
        .by_country()
        .listed_in_buckets()
        .arrivals()
        .campaigns(campaign_scope::port_tool)
        .leads(lead_dimension::tool)
        .dense(scan_tool_count, true,
               {counter_family::tool_frames_total, counter_family::tool_sources})
        .each_packet(),
    row(series_key::kind::signature, "signature", "signatures", value_form::rule)
        .by_country()
        .listed_in_buckets()
        .arrivals()
        .campaigns(campaign_scope::port_signature),
    row(series_key::kind::fingerprint, "fingerprint", "fingerprints", value_form::fingerprint)
        .campaigns(campaign_scope::port_fingerprint)
        .each_packet(),
    row(series_key::kind::actor, "actor", "actors", value_form::actor)
        .listed_in_buckets()
        .arrivals()
        .dense(actor_slots, true,
               {counter_family::actor_frames_total, counter_family::actor_sources,
                counter_family::port_actor_frames_total, counter_family::port_actor_sources})
        .each_packet()
        .the_sources_own(),
    row(series_key::kind::as, "as", "ases", value_form::as_number)
        .listed_in_buckets()
        .arrivals()
        .top_n()
        .campaigns(campaign_scope::port_as)
        .leads(lead_dimension::as)
        .each_packet()
        .the_sources_own(),
    row(series_key::kind::technique, "technique", "techniques", value_form::technique)
        .listed_in_buckets()
        .arrivals()
        .dense(
            scan_technique_count, true,
            {counter_family::technique_frames_total, counter_family::technique_sources,
             counter_family::port_technique_frames_total, counter_family::port_technique_sources})
        .each_packet(),
    row(series_key::kind::conversation, "conversation", "conversations",
        value_form::conversation_step)
        .listed_in_buckets()
        .arrivals(),
    // Tools named by what they send (signature rules with tool=), apart from `tool`: a source
    // nmap's SYNs name and its service probes name counts in both, each its own way.
    row(series_key::kind::payload_tool, "payload_tool", "payload_tools", value_form::tool)
        .listed_in_buckets()
        .arrivals()
        .campaigns(campaign_scope::port_payload_tool)
        .dense(scan_tool_count, true,
               {counter_family::payload_tool_hits_total, counter_family::payload_tool_sources,
                counter_family::port_payload_tool_hits_total,
                counter_family::port_payload_tool_sources, false, 1}),
};

/** The row of a kind (every kind has one). */
constexpr const series_dimension& dimension_of(series_key::kind k) {
  for (const series_dimension& d : series_dimensions) {
    if (d.kind == k) {
      return d;
    }
  }
  return series_dimensions[0];
}

/** The row named `name` ("cluster"), or null. */
constexpr const series_dimension* dimension_named(std::string_view name) {
  for (const series_dimension& d : series_dimensions) {
    if (name == d.name) {
      return &d;
    }
  }
  return nullptr;
}

/** The row whose campaigns have `scope`, or null (port and port_country have none). */
constexpr const series_dimension* dimension_of_scope(campaign_scope scope) {
  for (const series_dimension& d : series_dimensions) {
    if (d.has_scope && d.scope == scope && d.kind != series_key::kind::port) {
      return &d;
    }
  }
  return nullptr;
}

/** The row a port's lead changes in as `lead`, or null (country: the port's own entries). */
constexpr const series_dimension* dimension_of_lead(lead_dimension lead) {
  for (const series_dimension& d : series_dimensions) {
    if (d.has_lead && d.lead == lead) {
      return &d;
    }
  }
  return nullptr;
}

constexpr bool series_key::has_country(kind k) { return dimension_of(k).per_country; }

static_assert(sizeof(series_dimensions) / sizeof(series_dimensions[0]) ==
                  series_key::kind_limit - 1,
              "every kind has its row");

/**
 * How a source's arrival under a per-packet row is known (table/value_marks.hpp): one entry
 * per (source, port), made once, holds the rows whose value a source cannot change on a port
 * (the port's own entries, the source's own actor and AS); a bit of the entry holds each value
 * of a dense row (cluster, tool, technique); values without a bound (fingerprints) keep a key
 * of their own in the unique set.
 */
enum class source_mark : uint8_t {
  none,    /**< not counted per packet */
  pair,    /**< known from the (source, port) entry being new */
  bit,     /**< a bit of the entry */
  own_key, /**< a unique-set key per value */
};

constexpr source_mark mark_of(const series_dimension& d) {
  if (!d.per_packet) {
    return source_mark::none;
  }
  if (d.kind == series_key::kind::port || d.of_source) {
    return source_mark::pair;
  }
  return d.values != 0 ? source_mark::bit : source_mark::own_key;
}

/** mark_of() by kind code: what a series key's arrival is known from, one load. */
constexpr std::array<source_mark, series_key::kind_limit> make_marks_by_kind() {
  std::array<source_mark, series_key::kind_limit> marks{};
  for (const series_dimension& d : series_dimensions) {
    marks[static_cast<size_t>(d.kind)] = mark_of(d);
  }
  return marks;
}

inline constexpr std::array<source_mark, series_key::kind_limit> marks_by_kind =
    make_marks_by_kind();

constexpr source_mark mark_of(series_key::kind k) {
  return marks_by_kind[static_cast<size_t>(k)];
}

/** Where each bit-marked row's values start among an entry's value bits, rows in table order. */
struct marked_value_space {
  std::array<uint16_t, series_key::kind_limit> offset{}; /**< by kind code */
  size_t size = 0;
};

constexpr marked_value_space make_marked_value_space() {
  marked_value_space space;
  for (const series_dimension& d : series_dimensions) {
    if (mark_of(d) == source_mark::bit) {
      space.offset[static_cast<size_t>(d.kind)] = static_cast<uint16_t>(space.size);
      space.size += d.values;
    }
  }
  return space;
}

inline constexpr marked_value_space marked_values_space = make_marked_value_space();
static_assert(marked_values_space.size <= marked_values::value_bits, "the marks fit an entry");

/** The entry's bit for value `value` of bit-marked row `k`. */
constexpr unsigned marked_bit(series_key::kind k, uint32_t value) {
  return marked_values_space.offset[static_cast<size_t>(k)] + value;
}

/**
 * One RX lcore counts the dimensions with dense values in one space per watched port (and one
 * over all traffic): each such row's values at its offset, rows in table order. A count is
 * `[dense_slot(kind, value)]`; with the kind a constant the slot is a constant offset.
 */
struct dense_value_space {
  std::array<uint16_t, series_key::kind_limit> offset{}; /**< by kind code */
  size_t size = 0;                                       /**< every dense value of every row */
};

constexpr dense_value_space make_dense_value_space() {
  dense_value_space space;
  for (const series_dimension& d : series_dimensions) {
    space.offset[static_cast<size_t>(d.kind)] = static_cast<uint16_t>(space.size);
    space.size += d.values;
  }
  return space;
}

inline constexpr dense_value_space dense_values = make_dense_value_space();

/** Where value `value` of dimension `k` is counted in a dense value space. */
constexpr size_t dense_slot(series_key::kind k, size_t value) {
  return dense_values.offset[static_cast<size_t>(k)] + value;
}

}  // namespace scanscope

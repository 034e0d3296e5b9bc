#pragma once
/**
 * @file
 * Every metric family scanscope exports, declared once. /metrics writes each family's name, type
 * and HELP line from here (export/prometheus_family.hpp); the JSON report holds the same counts
 * at the family's `report` paths; `scanscope --counter-families` prints the list, which
 * docs/report.md's table is made from; the integration tests walk it against a live /metrics and
 * report, so the two exporters cannot drift apart. The responder's scalar counters
 * (converse/conversation_counters.hpp) and the fleet store's numbers (export/fleet_delivery.hpp)
 * are families too, declared by their own lists; export/counter_catalogue.hpp joins the three.
 *
 * A new family: one line here, its samples in the writer, its counts in the report.
 *
 *   X(id, kind, when, labels, report, help)
 *   id      the family's name after `scanscope_`
 *   kind    counter (a sum of events) or gauge (a count of distinct sources, a level)
 *   when    always; offline (a run over captures); bucket_closed (once the first time bucket
 *           has closed)
 *   labels  the label names of its samples, space-separated
 *   report  where the JSON report holds the same counts: paths separated by spaces, each a
 *           list of keys separated by '.', where `*` stands for every element of a list or map
 *   help    the HELP line
 */

#include <cstddef>
#include <cstdint>

#include "common/x_list.hpp"

namespace scanscope {

// clang-format off
#define SCANSCOPE_COUNTER_FAMILIES(X) \
  X(build_info, gauge, always, "version", "scanscope_version", \
    "Version of the running scanscope.") \
  X(frames_total, counter, always, "protocol", "protocols.*.packets", \
    "Frames received, by protocol.") \
  X(frame_bytes_total, counter, always, "protocol", "protocols.*.bytes", \
    "Bytes of the frames received, on the wire, by protocol.") \
  X(parse_results_total, counter, always, "result", "parse.*", \
    "Frames by how far parsing got (ok, fragments, or why it stopped).") \
  X(port_frames_total, counter, always, \
    "port protocol name", "ports.*.packets other_ports.packets", \
    "TCP/UDP frames by watched destination port (other: every other port).") \
  X(port_frame_bytes_total, counter, always, \
    "port protocol name", "ports.*.bytes other_ports.bytes", \
    "Bytes of TCP/UDP frames by watched destination port.") \
  X(cluster_frames_total, counter, always, \
    "port protocol name cluster", "ports.*.clusters.*.packets", \
    "TCP/UDP frames by destination port and cluster.") \
  X(cluster_sources, gauge, always, "port protocol name cluster", "ports.*.clusters.*.sources", \
    "Distinct sources by destination port and cluster since start.") \
  X(country_frames_total, counter, always, \
    "port protocol name country", "ports.*.countries.*.packets", \
    "TCP/UDP frames by destination port and source country (top K per port).") \
  X(country_sources, gauge, always, "port protocol name country", "ports.*.countries.*.sources", \
    "Distinct sources by destination port and source country since start.") \
  X(country_series_folded, gauge, always, "", "ports.*.countries", \
    "(port, country) series folded into country=\"other\" by the top-K cap.") \
  X(port_as_frames_total, counter, always, "port protocol name asn", "ports.*.ases.*.packets", \
    "TCP/UDP frames by destination port and source AS (top --top-ases per port, the rest " \
    "asn=\"other\"; asn=\"0\": no AS known).") \
  X(port_as_sources, gauge, always, "port protocol name asn", "ports.*.ases.*.sources", \
    "Distinct sources by destination port and source AS since start.") \
  X(port_as_series_folded, gauge, always, "", "ports.*.ases", \
    "(port, AS) series folded into asn=\"other\" by the --top-ases cap.") \
  X(signature_hits_total, counter, always, \
    "port protocol name signature category", "ports.*.signatures.*.hits", \
    "Payload signature hits (TCP connections or UDP datagrams) by port and rule.") \
  X(signature_country_hits_total, counter, always, \
    "port protocol name signature category country", "signature_countries.*.hits", \
    "Payload signature hits by port, rule and source country.") \
  X(tool_frames_total, counter, always, "tool", "tools.*.packets", \
    "IP frames by the scanning tool their headers name.") \
  X(tool_sources, gauge, always, "tool", "tools.*.sources", \
    "Distinct sources by the scanning tool their headers name since start.") \
  X(payload_tool_hits_total, counter, always, "tool", "payload_tools.*.hits", \
    "Signature hits (TCP connections or UDP datagrams) of rules that name a tool by payload " \
    "(tool= in the rule file), by that tool.") \
  X(payload_tool_sources, gauge, always, "tool", "payload_tools.*.sources", \
    "Distinct sources a payload named the tool of, by tool, since start.") \
  X(port_payload_tool_hits_total, counter, always, \
    "port protocol name tool", "ports.*.payload_tools.*.hits", \
    "Signature hits of rules that name a tool by payload, by destination port and tool.") \
  X(port_payload_tool_sources, gauge, always, \
    "port protocol name tool", "ports.*.payload_tools.*.sources", \
    "Distinct sources a payload named the tool of, by destination port and tool.") \
  X(technique_frames_total, counter, always, "technique", "techniques.*.packets", \
    "IP frames by scan technique (syn, fin, null, xmas, ack, maimon, udp, icmp_echo, ...).") \
  X(technique_sources, gauge, always, "technique", "techniques.*.sources", \
    "Distinct sources by scan technique since start.") \
  X(port_technique_frames_total, counter, always, \
    "port protocol name technique", "ports.*.techniques.*.packets", \
    "TCP/UDP frames by destination port and scan technique.") \
  X(port_technique_sources, gauge, always, \
    "port protocol name technique", "ports.*.techniques.*.sources", \
    "Distinct sources by destination port and scan technique since start.") \
  X(actor_frames_total, counter, always, "actor kind", "actors.*.packets", \
    "IP frames by known scanning organisation (config/actors.conf); actor=\"none\": every " \
    "other source.") \
  X(actor_sources, gauge, always, "actor kind", "actors.*.sources", \
    "Distinct sources by known scanning organisation since start.") \
  X(port_actor_frames_total, counter, always, \
    "port protocol name actor kind", "ports.*.actors.*.packets", \
    "TCP/UDP frames by destination port and known scanning organisation.") \
  X(port_actor_sources, gauge, always, \
    "port protocol name actor kind", "ports.*.actors.*.sources", \
    "Distinct sources by destination port and known scanning organisation.") \
  X(surges_total, counter, always, "scope", "surges.*.scope", \
    "Surge events started, by scope.") \
  X(surges_active, gauge, always, "", "surges.*.end", \
    "Surge events not ended yet.") \
  X(campaigns_started_total, counter, always, "scope", "campaigns.*.scope", \
    "Campaigns started, by scope (see docs/report.md, Campaigns).") \
  X(campaigns_active, gauge, always, "port protocol name scope", "campaigns.*.ongoing", \
    "Campaigns not ended yet, by port and scope.") \
  X(lead_changes_total, counter, always, \
    "port protocol name dimension", "lead_changes.*.dimension", \
    "Lead changes of a port's sources, by port and dimension.") \
  X(direction_frames_total, counter, always, "direction", "conversation.direction.*.packets", \
    "IP frames to (inbound), from (outbound) and past (transit) the monitored prefixes, and to " \
    "them answering connections they opened (reply); all 0 when none are set.") \
  X(direction_bytes_total, counter, always, "direction", "conversation.direction.*.bytes", \
    "Bytes of those frames on the wire.") \
  X(conversation_syns_total, counter, always, \
    "port protocol name tool", "conversation.ports.*.tools.*.syns.packets", \
    "SYN probes to monitored addresses, by port and the tool their headers name.") \
  X(conversation_syn_sources, gauge, always, \
    "port protocol name tool", "conversation.ports.*.tools.*.syns.sources", \
    "Distinct sources of those SYNs since start.") \
  X(conversation_handshake_sources, gauge, always, \
    "port protocol name tool", "conversation.ports.*.tools.*.handshakes.sources", \
    "Distinct sources that completed a handshake with the responder, by the tool of their SYN " \
    "(of the first phase, for two-phase scanners).") \
  X(conversation_payload_sources, gauge, always, \
    "port protocol name tool", "conversation.ports.*.tools.*.payloads.sources", \
    "Distinct sources that sent a payload after the handshake.") \
  X(conversation_payloads_total, counter, always, \
    "port protocol name tool", "conversation.ports.*.tools.*.payloads.packets", \
    "Data segments after the handshake.") \
  X(conversation_two_phase_sources, gauge, always, \
    "port protocol name tool", "conversation.ports.*.tools.*.two_phase.sources", \
    "Distinct sources whose tool SYN was followed by an ordinary stack's SYN to the same " \
    "address within 10 minutes, by the first phase's tool.") \
  X(conversation_synacks_sent_total, counter, always, \
    "port protocol name tool", "conversation.ports.*.tools.*.synacks_sent", \
    "SYN-ACKs the responder sent, by port and the SYN's tool.") \
  X(conversation_synacks_withheld_total, counter, always, \
    "port protocol name tool", "conversation.ports.*.tools.*.synacks_withheld", \
    "SYN-ACKs a rate cap withheld, by port and the SYN's tool.") \
  X(conversation_step_requests_total, counter, always, \
    "port protocol name step", "conversation.ports.*.steps.*.packets", \
    "Segments of emulated conversations (--emulate) whose requests reached a step of an " \
    "attack (eth_recon, eth_unlock, eth_send, ...), by port.") \
  X(conversation_step_sources, gauge, always, \
    "port protocol name step", "conversation.ports.*.steps.*.sources", \
    "Distinct sources that reached each step of an emulated protocol, by port.") \
  X(indicator_values, gauge, always, "kind", "conversation.indicators.*.kind", \
    "Distinct indicators emulated conversations gave away (recipient addresses, URLs, " \
    "file hashes, commands, ...), by kind; GET /api/v1/indicators lists them.") \
  X(exposed_hosts, gauge, always, "port protocol", "conversation.exposure.*.port", \
    "Monitored hosts that answered a scanner's SYN with a SYN-ACK, by TCP port.") \
  X(exposure_sources, gauge, always, "host port protocol", "conversation.exposure.*.sources", \
    "Distinct scanning sources a monitored host answered on a port (the 100 pairs with the " \
    "most).") \
  X(last_bucket_sources, gauge, bucket_closed, \
    "port protocol name country", "ports.*.series.*.countries", \
    "Distinct sources in the last closed time bucket, by port and country.") \
  X(last_bucket_cluster_sources, gauge, bucket_closed, \
    "port protocol name cluster", "ports.*.series.*.clusters", \
    "Distinct sources in the last closed time bucket, by port and cluster.") \
  X(last_bucket_start_seconds, gauge, bucket_closed, "", "ports.*.series.*.start", \
    "Start of the last closed time bucket, seconds since the Unix epoch.") \
  X(device_rx_frames_total, counter, always, "device", "devices.*.ipackets", \
    "Frames the DPDK port delivered (rte_eth_stats ipackets).") \
  X(device_rx_missed_total, counter, always, "device", "devices.*.imissed", \
    "Frames the DPDK port dropped because its RX queues were full (imissed).") \
  X(device_rx_kernel_dropped_total, counter, always, "device", "devices.*.kernel_dropped", \
    "Frames the kernel interface behind a socket-backed port (net_af_packet, net_pcap iface) " \
    "received but the port never delivered: while running, those received over a second " \
    "before; it never goes back.") \
  X(device_rx_errors_total, counter, always, "device", "devices.*.ierrors", \
    "Erroneous frames the DPDK port counted (ierrors).") \
  X(device_rx_nombuf_total, counter, always, "device", "devices.*.rx_nombuf", \
    "Receive failures for lack of mbufs (rx_nombuf).") \
  X(device_rx_faulted_bursts_total, counter, always, "device", "devices.*.faulted_bursts", \
    "Receive bursts ended by a fault when a memif peer left under them (the driver freed its " \
    "rings): their frames are lost.") \
  X(lcore_busy_ratio, gauge, always, "lcore", "lcores.*.busy_ratio", \
    "Share of an RX lcore's poll-loop cycles spent on bursts with frames.") \
  X(sources_live, gauge, always, "", "sources.live", \
    "Sources held in the source tables.") \
  X(sources_evicted_total, counter, always, "", "sources.evicted", \
    "Sources pushed out of a full source table.") \
  X(payload_scanned_bytes_total, counter, always, "", "payload_scan.bytes", \
    "Payload bytes scanned for signatures.") \
  X(bucket_late_frames_total, counter, always, "", "buckets.late", \
    "Frames too late for their time bucket.") \
  X(bucket_overflow_frames_total, counter, always, "", "buckets.overflow", \
    "Frames whose series key found no room in their time bucket.") \
  X(bucket_unique_overflow_total, counter, always, "", "buckets.unique_overflow", \
    "Distinct-source checks a time bucket's source set had no room for: that bucket's source " \
    "counts are lower bounds (raise --bucket-unique-slots).") \
  X(table_overflow_total, counter, always, \
    "table", "unique_overflow fingerprint_overflow signature_country_overflow port_as_overflow", \
    "Updates a full table could not place, by table.") \
  X(payload_scan_events_total, counter, always, \
    "event", "payload_scan.stream_gaps payload_scan.truncated " \
    "payload_scan.errors payload_scan.no_stream", \
    "Payload scanner events: TCP holes that restarted a stream, payloads cut to --scan-bytes, " \
    "failed scans, TCP payloads without a stream state.") \
  X(series_write_errors_total, counter, always, "", "series_files.write_errors", \
    "Closed buckets the series files could not take (the run exits 1).") \
  X(capture_clipped_records_total, counter, offline, "", "clipped_records", \
    "Capture records longer than an mbuf, cut to fit (raise --mbuf-size).") \
  X(capture_errors_total, counter, offline, "kind", "damaged_inputs unreadable_inputs", \
    "Captures damaged partway or not readable at all.")

// clang-format on

SCANSCOPE_ENUM_OF_LIST(counter_family, SCANSCOPE_COUNTER_FAMILIES);

/** One declared family, as the exporters and the docs read it. */
struct family_info {
  const char* metric;  /**< full metric name, `scanscope_` included */
  const char* kind;    /**< "counter" or "gauge" */
  const char* when;    /**< "always", "offline" or "bucket_closed" */
  const char* labels;  /**< label names, space-separated */
  const char* report;  /**< paths in the JSON report, space-separated */
  const char* help;    /**< HELP line */
};

/** The declaration of one family. */
const family_info& family(counter_family f);

}  // namespace scanscope

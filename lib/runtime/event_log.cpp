#include "runtime/event_log.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>
#include <cstring>
#include <ctime>

#include "common/json_fields.hpp"
#include "converse/emulation.hpp"
#include "export/campaign_text.hpp"
#include "export/json_campaigns.hpp"
#include "export/summary_table.hpp"
#include "fingerprint/scan_tool.hpp"
#include "packet/prefix_set.hpp"

namespace scanscope {

namespace {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

/** EVE's timestamp: 2018-01-08T06:12:33.123456+0000. */
std::string eve_time(uint64_t time_ns) {
  const std::time_t seconds = static_cast<std::time_t>(time_ns / 1000000000ULL);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[96];
  std::snprintf(out, sizeof out, "%s.%06u+0000", buf,
                static_cast<unsigned>((time_ns / 1000ULL) % 1000000ULL));
  return out;
}

/** Suricata's severities: 1 for what does harm, 2 for credentials, 3 for looking. */
unsigned severity_of(const std::string& category) {
  if (category == "recon" || category == "handshake") {
    return 3;
  }
  return category == "credential" ? 2 : 1;
}

/** The payload as text: printable ASCII kept, every other byte as '.' (EVE's
 *  payload_printable). */
std::string printable(const uint8_t* bytes, size_t n) {
  std::string out(n, '.');
  for (size_t i = 0; i < n; ++i) {
    if (bytes[i] >= 0x20 && bytes[i] < 0x7F) {
      out[i] = static_cast<char>(bytes[i]);
    } else if (bytes[i] == '\n' || bytes[i] == '\r' || bytes[i] == '\t') {
      out[i] = static_cast<char>(bytes[i]);
    }
  }
  return out;
}

uint64_t now_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

/** The fields every flow event opens with, in EVE's names: when, what, and between whom. */
void flow_head(writer& w, const char* type, const alert_record& a, const std::string& dest) {
  put_string(w, "timestamp", eve_time(a.time_ns).c_str());
  put_string(w, "event_type", type);
  put_string(w, "src_ip", format_address(a.source).c_str());
  put_uint(w, "src_port", a.src_port);
  put_string(w, "dest_ip", dest.c_str());
  put_uint(w, "dest_port", a.dst_port);
  put_string(w, "proto", a.tcp ? "TCP" : "UDP");
}

std::string line_of(const rapidjson::StringBuffer& b) {
  return std::string(b.GetString(), b.GetSize()) + "\n";
}

}  // namespace

std::unique_ptr<event_log> event_log::open(const std::string& path,
                                           std::unique_ptr<syslog_sink> syslog, uint32_t rate,
                                           std::vector<alert_ring*> rings, std::string& error) {
  std::unique_ptr<event_log> log(new event_log(path, rate, std::move(rings)));
  log->syslog_ = std::move(syslog);
  if (!path.empty()) {
    log->file_ = std::fopen(path.c_str(), "a");
    if (log->file_ == nullptr) {
      error = "events: cannot open " + path + ": " + std::strerror(errno);
      return nullptr;
    }
  }
  log->thread_ = std::thread([raw = log.get()] { raw->run(); });
  return log;
}

event_log::~event_log() {
  finish();
  if (file_ != nullptr) {
    std::fclose(file_);
  }
}

void event_log::set_rules(std::vector<alert_rule> rules) {
  std::lock_guard<std::mutex> hold(lock_);
  rules_ = std::move(rules);
}

void event_log::submit(std::string line) {
  {
    std::lock_guard<std::mutex> hold(lock_);
    queue_.push_back(std::move(line));
  }
  wake_.notify_one();
}

event_counts event_log::counts() const {
  std::lock_guard<std::mutex> hold(lock_);
  event_counts c = counts_;
  for (const alert_ring* r : rings_) {
    c.ring_dropped += r->dropped().read();
  }
  return c;
}

void event_log::finish() {
  {
    std::lock_guard<std::mutex> hold(lock_);
    if (!thread_.joinable()) {
      return;
    }
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

bool event_log::write(const std::string& line) {
  // A token bucket: `rate` lines a second, a burst of `rate`. The tokens, the file and the
  // socket are this thread's own; the lock guards the counts the stats loop reads.
  const uint64_t now = now_ns();
  if (last_refill_ns_ != 0) {
    tokens_ = std::min<double>(rate_, tokens_ + (now - last_refill_ns_) * 1e-9 * rate_);
  }
  last_refill_ns_ = now;
  if (tokens_ < 1) {
    std::lock_guard<std::mutex> hold(lock_);
    ++counts_.rate_dropped;
    return false;
  }
  tokens_ -= 1;
  const bool filed =
      file_ != nullptr && std::fwrite(line.data(), 1, line.size(), file_) == line.size();
  const bool sent = syslog_ != nullptr && syslog_->send(line);
  std::lock_guard<std::mutex> hold(lock_);
  if (file_ != nullptr) {
    ++(filed ? counts_.written : counts_.write_errors);
  }
  if (syslog_ != nullptr) {
    ++(sent ? counts_.syslog_sent : counts_.syslog_errors);
  }
  return filed || sent;
}

std::string event_log::alert_line(const alert_record& a) {
  alert_rule rule;
  {
    std::lock_guard<std::mutex> hold(lock_);
    if (a.rule < rules_.size()) {
      rule = rules_[a.rule];
    }
  }
  rapidjson::StringBuffer b;
  writer w(b);
  w.StartObject();
  flow_head(w, "alert", a, format_address(a.destination));
  w.Key("alert");
  w.StartObject();
  put_string(w, "action", "allowed");
  put_uint(w, "signature_id", rule.id);
  put_string(w, "signature", rule.name.c_str());
  put_string(w, "category", rule.category.c_str());
  put_uint(w, "severity", severity_of(rule.category));
  w.EndObject();
  put_string(w, "payload_printable", printable(a.excerpt, a.excerpt_length).c_str());
  w.EndObject();
  return line_of(b);
}

std::string event_log::exposure_line(const alert_record& a) {
  const std::string host = format_address(a.destination);
  // Lcores see different scanners: the same host and port can be new to several of them.
  if (exposed_.count({host, a.dst_port}) != 0) {
    return {};
  }
  rapidjson::StringBuffer b;
  writer w(b);
  w.StartObject();
  flow_head(w, "exposure", a, host);  // a.tcp is set: an exposure is a SYN-ACK
  w.Key("exposure");
  w.StartObject();
  put_string(w, "host", host.c_str());
  put_uint(w, "port", a.dst_port);
  put_string(w, "first_answered", format_address(a.source).c_str());
  put_string(w, "tool", scan_tool_name(static_cast<scan_tool>(a.tool)));
  w.EndObject();
  w.EndObject();
  return line_of(b);
}

std::string event_log::indicator_line(const alert_record& a) {
  rapidjson::StringBuffer b;
  writer w(b);
  w.StartObject();
  flow_head(w, "indicator", a, format_address(a.destination));
  w.Key("indicator");
  w.StartObject();
  put_string(w, "kind", name_in(indicator_kind_names, a.tool));
  // The client's own bytes: written as printable text, never interpreted.
  put_string(w, "value", printable(a.excerpt, a.excerpt_length).c_str());
  w.EndObject();
  w.EndObject();
  return line_of(b);
}

bool event_log::pass() {
  bool found = false;
  for (alert_ring* r : rings_) {
    while (const alert_record* a = r->peek()) {
      const bool exposure = a->rule == alert_record::exposure;
      const std::string line = exposure                             ? exposure_line(*a)
                               : a->rule == alert_record::indicator ? indicator_line(*a)
                                                                    : alert_line(*a);
      const std::string host = exposure ? format_address(a->destination) : std::string();
      const uint16_t port = a->dst_port;
      r->release();
      // An exposure counts as told once written: one the rate cap dropped comes again.
      if (!line.empty() && write(line) && exposure) {
        exposed_.emplace(host, port);
      }
      found = true;
    }
  }
  std::deque<std::string> lines;
  {
    std::lock_guard<std::mutex> hold(lock_);
    lines.swap(queue_);
  }
  for (const std::string& line : lines) {
    write(line);
    found = true;
  }
  if (found && file_ != nullptr) {
    std::fflush(file_);
  }
  return found;
}

void event_log::run() {
  for (;;) {
    if (reopen_.exchange(false, std::memory_order_acq_rel) && file_ != nullptr) {
      // logrotate has moved the file: the next lines go to a new one under the same name.
      std::FILE* fresh = std::fopen(path_.c_str(), "a");
      std::lock_guard<std::mutex> hold(lock_);
      if (fresh != nullptr) {
        std::fclose(file_);
        file_ = fresh;
        ++counts_.reopened;
      } else {
        ++counts_.write_errors;
      }
    }
    const bool found = pass();
    std::unique_lock<std::mutex> hold(lock_);
    if (stopping_) {
      hold.unlock();
      pass();  // what came while this pass ran
      return;
    }
    if (!found) {
      wake_.wait_for(hold, std::chrono::milliseconds(20));
    }
  }
}

std::vector<std::string> campaign_event_lines(const run_report& r, const watched_ports& ports,
                                              const closed_bucket& closed) {
  std::vector<std::string> out;
  const campaign_detector& detector = r.series->campaigns();
  const uint64_t bucket_ns = r.bucket_ns;
  // The report's writers indent; an event is one line, so it is written compact again.
  const auto event = [&](const char* type, int64_t bucket, auto&& body) {
    rapidjson::StringBuffer pretty;
    json_writer w(pretty);
    w.StartObject();
    put_string(w, "timestamp", eve_time(static_cast<uint64_t>(bucket) * bucket_ns).c_str());
    put_string(w, "event_type", type);
    body(w);
    w.EndObject();
    rapidjson::Document d;
    d.Parse(pretty.GetString(), pretty.GetSize());
    rapidjson::StringBuffer b;
    writer compact(b);
    d.Accept(compact);
    out.push_back(line_of(b));
  };
  for (size_t i : closed.campaigns.opened) {
    const campaign& c = detector.campaigns()[i];
    event("campaign", closed.bucket, [&](json_writer& w) {
      put_string(w, "action", "start");
      w.Key("campaign");
      write_campaign(w, r, ports, c);
    });
    if (is_new_tool(c)) {
      event("new_tool", closed.bucket, [&](json_writer& w) {
        w.Key("campaign");
        write_campaign(w, r, ports, c);
      });
    }
  }
  for (size_t i : closed.campaigns.ended) {
    event("campaign", closed.bucket, [&](json_writer& w) {
      put_string(w, "action", "end");
      w.Key("campaign");
      write_campaign(w, r, ports, detector.campaigns()[i]);
    });
  }
  for (size_t i : closed.campaigns.lead_changes) {
    event("lead_change", closed.bucket, [&](json_writer& w) {
      w.Key("lead_change");
      write_lead_change(w, r, ports, detector.lead_changes()[i]);
    });
  }
  return out;
}

}  // namespace scanscope

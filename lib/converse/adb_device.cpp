#include "converse/adb_device.hpp"

#include <nettle/sha2.h>

#include <cstdio>
#include <cstring>
#include <string_view>

#include "converse/shell_indicators.hpp"

namespace scanscope {

namespace {

// Message commands (adb's protocol.txt), little-endian words of their four letters.
constexpr uint32_t a_cnxn = 0x4e584e43;
constexpr uint32_t a_open = 0x4e45504f;
constexpr uint32_t a_okay = 0x59414b4f;
constexpr uint32_t a_clse = 0x45534c43;
constexpr uint32_t a_wrte = 0x45545257;
constexpr uint32_t adb_version = 0x01000001;

// Sync service requests and answers (adb's SYNC.TXT).
constexpr uint32_t id_of(const char (&s)[5]) {
  return uint32_t(uint8_t(s[0])) | uint32_t(uint8_t(s[1])) << 8 | uint32_t(uint8_t(s[2])) << 16 |
         uint32_t(uint8_t(s[3])) << 24;
}
constexpr uint32_t sync_stat = id_of("STAT");
constexpr uint32_t sync_list = id_of("LIST");
constexpr uint32_t sync_send = id_of("SEND");
constexpr uint32_t sync_recv = id_of("RECV");
constexpr uint32_t sync_data = id_of("DATA");
constexpr uint32_t sync_done = id_of("DONE");
constexpr uint32_t sync_quit = id_of("QUIT");

// A cheap Android TV box, the kind ADB.Miner spread over.
constexpr std::string_view banner =
    "device::ro.product.name=p212;ro.product.model=MXQ Pro 4K;ro.product.device=p212;"
    "features=cmd";

/** Sync answers of one write, in fixed room (a write holds a few requests at most; answers
 *  beyond the room are dropped and the stream goes quiet, which adb reports as a failure). */
struct sync_reply {
  char bytes[256];
  size_t length = 0;

  sync_reply& append(const void* data, size_t n) {
    if (length + n <= sizeof bytes) {
      std::memcpy(bytes + length, data, n);
      length += n;
    }
    return *this;
  }
  sync_reply& append(std::string_view text) { return append(text.data(), text.size()); }
  bool empty() const { return length == 0; }
};

/** What a conversation's state block holds. */
struct adb_state {
  uint32_t next_id;    /**< our next stream id (0: none given yet, the first is 1) */
  uint32_t sync_local; /**< the sync stream, ours and the client's id; 0: none open */
  uint32_t sync_remote;
  uint8_t header[8]; /**< a sync request's header as read so far */
  uint8_t header_have;
  bool in_body;     /**< reading the body of `request` */
  bool hashing;     /**< a SEND is under way */
  uint32_t request; /**< the sync request being read */
  uint32_t left;    /**< bytes of its body still to come */
  uint16_t path_length;
  char path[160]; /**< STAT's path, or SEND's "path,mode", as far as kept */
  uint64_t size;  /**< bytes of the file pushed so far */
  sha256_ctx sha;
};
static_assert(sizeof(adb_state) <= max_state_bytes, "ADB's state fits its block");

uint32_t get32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

void put32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
  p[2] = static_cast<uint8_t>(v >> 16);
  p[3] = static_cast<uint8_t>(v >> 24);
}

/** One message appended to the turn's answer. */
void put_message(uint8_t* answer, emulation_turn& turn, uint32_t command, uint32_t arg0,
                 uint32_t arg1, const void* data = nullptr, size_t length = 0) {
  if (turn.answer_length + 24 + length > max_answer_data) {
    turn.fail(conversation_counter::emulation_too_large);
    turn.close = true;
    return;
  }
  uint8_t* m = answer + turn.answer_length;
  uint32_t check = 0;  // protocol version 1's check: the bytes' sum (later ones ignore it)
  for (size_t i = 0; i < length; ++i) {
    check += static_cast<const uint8_t*>(data)[i];
  }
  put32(m, command);
  put32(m + 4, arg0);
  put32(m + 8, arg1);
  put32(m + 12, static_cast<uint32_t>(length));
  put32(m + 16, check);
  put32(m + 20, command ^ 0xFFFFFFFFu);
  if (length != 0) {
    std::memcpy(m + 24, data, length);
  }
  turn.answer_length += 24 + length;
}

bool is_directory(std::string_view path) {
  return !path.empty() && (path.back() == '/' || path == "/data/local/tmp" || path == "/sdcard" ||
                           path == "/tmp" || path == "/data/local" || path == "/");
}

/** The answer to a whole sync request (body read), appended to `reply`. */
void answer_sync_request(adb_state& s, uint64_t time_ns, sync_reply& reply, emulation_turn& turn) {
  const std::string_view path(s.path, s.path_length);
  uint8_t word[16];
  if (s.request == sync_stat) {
    const bool dir = is_directory(path);
    put32(word, sync_stat);
    put32(word + 4, dir ? 040771 : 0);
    put32(word + 8, dir ? 4096 : 0);
    put32(word + 12, dir ? static_cast<uint32_t>(time_ns / 1000000000ULL) : 0);
    reply.append(word, 16);
  } else if (s.request == sync_list) {
    uint8_t end[20] = {};
    put32(end, sync_done);
    reply.append(end, 20);
  } else if (s.request == sync_recv) {
    static constexpr std::string_view no_file = "No such file or directory";
    put32(word, id_of("FAIL"));
    put32(word + 4, static_cast<uint32_t>(no_file.size()));
    reply.append(word, 8).append(no_file);
  } else if (s.request == sync_send) {
    s.hashing = true;
    s.size = 0;
    sha256_init(&s.sha);
  } else {
    (void)turn;
  }
}

/** A SEND's DONE: the file's hash and name as indicators, and OKAY. */
void finish_push(adb_state& s, sync_reply& reply, emulation_turn& turn) {
  uint8_t digest[SHA256_DIGEST_SIZE];
  sha256_digest(&s.sha, sizeof digest, digest);
  std::string_view path(s.path, s.path_length);
  path = path.substr(0, path.rfind(','));  // "path,mode"
  note_file(digest, path, s.size, turn);
  turn.add_step(emulated_step::adb_push);
  s.hashing = false;
  uint8_t okay[8];
  put32(okay, a_okay);
  put32(okay + 4, 0);
  reply.append(okay, 8);
}

/** The bytes a WRTE carried on the sync stream, as requests; their answers into `reply`. */
void read_sync(adb_state& s, const uint8_t* p, size_t n, uint64_t time_ns, sync_reply& reply,
               emulation_turn& turn) {
  size_t at = 0;
  while (at < n) {
    if (!s.in_body) {
      while (s.header_have < 8 && at < n) {
        s.header[s.header_have++] = p[at++];
      }
      if (s.header_have < 8) {
        return;
      }
      s.header_have = 0;
      s.request = get32(s.header);
      const uint32_t length = get32(s.header + 4);
      if (s.request == sync_done) {  // its "length" is the file's time; no body
        if (s.hashing) {
          finish_push(s, reply, turn);
        }
        continue;
      }
      if (s.request == sync_quit) {
        continue;
      }
      s.left = length;
      s.in_body = true;
      if (s.request != sync_data) {
        s.path_length = 0;
      }
    }
    const size_t take = std::min<size_t>(s.left, n - at);
    if (s.request == sync_data) {
      if (s.hashing) {
        sha256_update(&s.sha, take, p + at);
        s.size += take;
      }
    } else {
      const size_t keep = std::min(take, sizeof s.path - s.path_length);
      std::memcpy(s.path + s.path_length, p + at, keep);
      s.path_length = static_cast<uint16_t>(s.path_length + keep);
    }
    at += take;
    s.left -= static_cast<uint32_t>(take);
    if (s.left == 0) {
      s.in_body = false;
      if (s.request != sync_data) {
        answer_sync_request(s, time_ns, reply, turn);
      }
    }
  }
}

void open_stream(adb_state& s, uint32_t remote, std::string_view service, uint8_t* answer,
                 emulation_turn& turn) {
  const uint32_t local = ++s.next_id;
  if (service.substr(0, 6) == "shell:" || service.substr(0, 5) == "exec:") {
    const std::string_view command = service.substr(service.find(':') + 1);
    if (!command.empty()) {
      turn.add_step(emulated_step::adb_shell);
      note_shell_command(command, turn);
    }
    // The command "ran" and printed nothing; an interactive shell is closed at once.
    put_message(answer, turn, a_okay, local, remote);
    put_message(answer, turn, a_clse, local, remote);
    return;
  }
  if (service.substr(0, 5) == "sync:") {
    s.sync_local = local;
    s.sync_remote = remote;
    s.in_body = false;
    s.header_have = 0;
    s.hashing = false;
    put_message(answer, turn, a_okay, local, remote);
    return;
  }
  put_message(answer, turn, a_clse, 0, remote);  // a service this device does not offer
}

}  // namespace

emulation_turn answer_adb(const emulation_context& context, const uint8_t* data, size_t length,
                          uint8_t* answer) {
  emulation_turn turn;
  if (length < 24) {
    return turn;
  }
  const uint32_t command = get32(data);
  const uint32_t arg0 = get32(data + 4);
  const uint32_t arg1 = get32(data + 8);
  const uint32_t data_length = get32(data + 12);
  if (get32(data + 20) != (command ^ 0xFFFFFFFFu)) {
    turn.fail(conversation_counter::emulation_malformed_adb);
    turn.consumed = length;
    turn.close = true;
    return turn;
  }
  if (data_length > max_request_bytes - 24) {
    turn.fail(conversation_counter::emulation_too_large);
    turn.consumed = length;
    turn.close = true;
    return turn;
  }
  if (length < 24 + data_length) {
    return turn;
  }
  turn.consumed = 24 + data_length;
  auto& s = *reinterpret_cast<adb_state*>(context.state);
  const uint8_t* body = data + 24;
  switch (command) {
    case a_cnxn:
      turn.add_step(emulated_step::adb_connect);
      put_message(answer, turn, a_cnxn, std::min(arg0, adb_version), adb_max_data, banner.data(),
                  banner.size());
      break;
    case a_open: {
      std::string_view service(reinterpret_cast<const char*>(body), data_length);
      if (!service.empty() && service.back() == '\0') {
        service.remove_suffix(1);
      }
      open_stream(s, arg0, service, answer, turn);
      break;
    }
    case a_wrte: {
      // Every write is acknowledged; on the sync stream its requests are answered.
      put_message(answer, turn, a_okay, arg1, arg0);
      if (s.sync_local != 0 && arg1 == s.sync_local) {
        sync_reply reply;
        read_sync(s, body, data_length, context.time_ns, reply, turn);
        if (!reply.empty()) {
          put_message(answer, turn, a_wrte, s.sync_local, s.sync_remote, reply.bytes, reply.length);
        }
      }
      break;
    }
    case a_clse:
      if (s.sync_local != 0 && arg1 == s.sync_local) {
        put_message(answer, turn, a_clse, s.sync_local, s.sync_remote);
        s.sync_local = 0;
        s.sync_remote = 0;
      }
      break;
    default:
      break;  // OKAY, AUTH and the rest need no answer
  }
  return turn;
}

}  // namespace scanscope

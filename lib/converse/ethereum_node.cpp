#include "converse/ethereum_node.hpp"

#include <rapidjson/document.h>
#include <rapidjson/writer.h>

#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "converse/raw_transaction.hpp"
#include "converse/syn_cookie.hpp"

namespace scanscope {

namespace {

using json_writer = rapidjson::Writer<fixed_json_output>;

// Geth's version string as a node of early 2024 gives it; scanners read it to pick exploits.
constexpr const char* client_version = "Geth/v1.13.14-stable-2bd6bd01/linux-amd64/go1.21.7";
// The merge block and its time: the block number then grows by one every 12 seconds.
constexpr uint64_t merge_block = 15537394;
constexpr uint64_t merge_time_s = 1663224162;
constexpr unsigned account_count = 2;
// A string `id` longer than this is answered with a null id (it goes back to the client, so it
// is bounded; Geth takes any JSON value).
constexpr size_t max_id_length = 64;

enum class rpc_answer {
  accounts,
  coinbase,
  block_number,
  chain_id,
  net_version,
  client_version,
  balance,
  transaction_count,
  gas_price,
  zero,
  estimate_gas,
  peer_count,
  yes,
  no,
  null,
  new_account,
  transaction_hash,
};

struct rpc_method {
  const char* name;
  rpc_answer answer;
  emulated_step step;
};

constexpr rpc_method methods[] = {
    {"eth_accounts", rpc_answer::accounts, emulated_step::eth_recon},
    {"personal_listAccounts", rpc_answer::accounts, emulated_step::eth_recon},
    {"eth_coinbase", rpc_answer::coinbase, emulated_step::eth_recon},
    {"eth_blockNumber", rpc_answer::block_number, emulated_step::eth_recon},
    {"eth_chainId", rpc_answer::chain_id, emulated_step::eth_recon},
    {"net_version", rpc_answer::net_version, emulated_step::eth_recon},
    {"web3_clientVersion", rpc_answer::client_version, emulated_step::eth_recon},
    {"eth_getBalance", rpc_answer::balance, emulated_step::eth_recon},
    {"eth_getTransactionCount", rpc_answer::transaction_count, emulated_step::eth_recon},
    {"eth_gasPrice", rpc_answer::gas_price, emulated_step::eth_recon},
    {"eth_estimateGas", rpc_answer::estimate_gas, emulated_step::eth_recon},
    {"net_peerCount", rpc_answer::peer_count, emulated_step::eth_recon},
    {"net_listening", rpc_answer::yes, emulated_step::eth_recon},
    {"eth_mining", rpc_answer::no, emulated_step::eth_recon},
    {"eth_syncing", rpc_answer::no, emulated_step::eth_recon},
    {"eth_hashrate", rpc_answer::zero, emulated_step::eth_recon},
    {"personal_unlockAccount", rpc_answer::yes, emulated_step::eth_unlock},
    {"eth_sendTransaction", rpc_answer::transaction_hash, emulated_step::eth_send},
    {"personal_sendTransaction", rpc_answer::transaction_hash, emulated_step::eth_send},
    {"eth_sendRawTransaction", rpc_answer::transaction_hash, emulated_step::eth_send},
    {"personal_newAccount", rpc_answer::new_account, emulated_step::eth_miner},
    {"miner_setEtherbase", rpc_answer::yes, emulated_step::eth_miner},
    {"miner_start", rpc_answer::null, emulated_step::eth_miner},
    {"miner_stop", rpc_answer::null, emulated_step::eth_miner},
};

const rpc_method* method_named(std::string_view name) {
  for (const rpc_method& m : methods) {
    if (name == m.name) {
      return &m;
    }
  }
  return nullptr;
}

uint64_t keyed(const emulation_plan& plan, uint64_t a, uint64_t b) {
  const uint64_t words[2] = {a, b};
  return siphash24(plan.secret, words, sizeof words);
}

void put_hex(char* out, const uint8_t* bytes, size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = digits[bytes[i] >> 4];
    out[2 * i + 1] = digits[bytes[i] & 15];
  }
}

/** 0x and 2n hex digits of n bytes drawn from (what, a, b). */
template <size_t N>
void drawn_hex(const emulation_plan& plan, uint64_t what, uint64_t a, size_t n, char (&out)[N]) {
  uint8_t bytes[32];
  for (size_t i = 0; i < n; i += 8) {
    const uint64_t word = keyed(plan, what ^ (i << 56), a);
    std::memcpy(bytes + i, &word, std::min<size_t>(8, n - i));
  }
  out[0] = '0';
  out[1] = 'x';
  put_hex(out + 2, bytes, n);
  out[2 + 2 * n] = '\0';
}

void quantity(json_writer& w, uint64_t v) {
  char text[24];
  const int n = std::snprintf(text, sizeof text, "0x%" PRIx64, v);
  w.String(text, static_cast<rapidjson::SizeType>(n));
}

/** An address as clients write it, lowercased (ethereum_address()). */
bool address_text(const rapidjson::Value& v, char (&out)[43]) {
  return v.IsString() && ethereum_address({v.GetString(), v.GetStringLength()}, out);
}

const rapidjson::Value* param(const rapidjson::Value& call, unsigned i) {
  const auto p = call.FindMember("params");
  if (p == call.MemberEnd() || !p->value.IsArray() || p->value.Size() <= i) {
    return nullptr;
  }
  return &p->value[i];
}

void note_address(const rapidjson::Value* v, indicator_kind kind, emulation_turn& turn) {
  char address[43];
  if (v != nullptr && address_text(*v, address)) {
    turn.add_indicator(kind, address);
  }
}

/** What a call gives away, before it is answered. */
void note_indicators(const rpc_method& m, const rapidjson::Value& call,
                     const emulation_context& context, emulation_turn& turn) {
  if (m.step == emulated_step::eth_send) {
    const rapidjson::Value* tx = param(call, 0);
    if (tx != nullptr && tx->IsString()) {  // eth_sendRawTransaction: signed bytes in hex
      if (const auto to = raw_transaction_recipient({tx->GetString(), tx->GetStringLength()})) {
        turn.add_indicator(indicator_kind::eth_recipient, *to);
      }
    } else if (tx != nullptr && tx->IsObject()) {
      const auto to = tx->FindMember("to");
      note_address(to == tx->MemberEnd() ? nullptr : &to->value, indicator_kind::eth_recipient,
                   turn);
      const auto from = tx->FindMember("from");
      note_address(from == tx->MemberEnd() ? nullptr : &from->value, indicator_kind::eth_sender,
                   turn);
    }
  } else if (std::strcmp(m.name, "miner_setEtherbase") == 0) {
    note_address(param(call, 0), indicator_kind::eth_etherbase, turn);
  } else if (m.step == emulated_step::eth_unlock) {
    const rapidjson::Value* passphrase = param(call, 1);
    if (passphrase != nullptr && passphrase->IsString()) {
      turn.add_indicator(
          indicator_kind::eth_passphrase,
          context.plan->keep_secrets
              ? std::string_view(passphrase->GetString(), passphrase->GetStringLength())
              : std::string_view());
    }
  }
}

void write_result(const rpc_method& m, const rapidjson::Value& call,
                  const emulation_context& context, unsigned index, json_writer& w) {
  const emulation_plan& plan = *context.plan;
  char account[43];
  switch (m.answer) {
    case rpc_answer::accounts:
      w.StartArray();
      for (unsigned i = 0; i < account_count; ++i) {
        emulated_account(plan, i, account);
        w.String(account);
      }
      w.EndArray();
      return;
    case rpc_answer::coinbase:
      emulated_account(plan, 0, account);
      w.String(account);
      return;
    case rpc_answer::block_number: {
      const uint64_t now_s = context.time_ns / 1000000000ULL;
      quantity(w, merge_block + (now_s > merge_time_s ? (now_s - merge_time_s) / 12 : 0));
      return;
    }
    case rpc_answer::chain_id:
      w.String("0x1");
      return;
    case rpc_answer::net_version:
      w.String("1");
      return;
    case rpc_answer::client_version:
      w.String(client_version);
      return;
    case rpc_answer::balance: {
      // Between 1 and 60 ether, the same for one address on every call.
      const rapidjson::Value* who = param(call, 0);
      uint64_t seed = 0;
      if (who != nullptr && who->IsString()) {
        seed = siphash24(plan.secret, who->GetString(), who->GetStringLength());
      }
      quantity(w, (1 + seed % 60) * 1000000000000000000ULL + (seed >> 20) % 1000000000000000ULL);
      return;
    }
    case rpc_answer::transaction_count:
      quantity(w, 3 + keyed(plan, 0x7C, 0) % 40);
      return;
    case rpc_answer::gas_price:
      quantity(w, 20000000000ULL);
      return;
    case rpc_answer::zero:
      quantity(w, 0);
      return;
    case rpc_answer::estimate_gas:
      quantity(w, 21000);
      return;
    case rpc_answer::peer_count:
      quantity(w, 25);
      return;
    case rpc_answer::yes:
      w.Bool(true);
      return;
    case rpc_answer::no:
      w.Bool(false);
      return;
    case rpc_answer::null:
      w.Null();
      return;
    case rpc_answer::new_account:
      emulated_account(plan, account_count + context.request, account);
      w.String(account);
      return;
    case rpc_answer::transaction_hash: {
      char hash[67];
      drawn_hex(plan, context.conversation ^ (uint64_t{index} << 40),
                context.time_ns ^ context.request, 32, hash);
      w.String(hash);
      return;
    }
  }
}

void write_id(const rapidjson::Value& call, json_writer& w) {
  w.Key("id");
  const auto id = call.FindMember("id");
  if (id == call.MemberEnd()) {
    w.Null();
  } else if (id->value.IsUint64()) {
    w.Uint64(id->value.GetUint64());
  } else if (id->value.IsInt64()) {
    w.Int64(id->value.GetInt64());
  } else if (id->value.IsString() && id->value.GetStringLength() <= max_id_length) {
    w.String(id->value.GetString(), id->value.GetStringLength());
  } else {
    w.Null();
  }
}

void write_error(json_writer& w, int code, const char* message) {
  w.Key("error");
  w.StartObject();
  w.Key("code");
  w.Int(code);
  w.Key("message");
  w.String(message);
  w.EndObject();
}

/** The method a call names, or null (not an object, no method, one the node does not know). */
const rpc_method* method_of(const rapidjson::Value& call) {
  if (!call.IsObject()) {
    return nullptr;
  }
  const auto name = call.FindMember("method");
  if (name == call.MemberEnd() || !name->value.IsString()) {
    return nullptr;
  }
  return method_named({name->value.GetString(), name->value.GetStringLength()});
}

void answer_call(const rapidjson::Value& call, const emulation_context& context, unsigned index,
                 emulation_turn& turn, json_writer& w) {
  if (context.read_only) {
    if (const rpc_method* m = method_of(call)) {
      turn.add_step(m->step);
      note_indicators(*m, call, context, turn);
    }
    return;
  }
  w.StartObject();
  w.Key("jsonrpc");
  w.String("2.0");
  if (!call.IsObject()) {
    w.Key("id");
    w.Null();
    write_error(w, -32600, "invalid request");
    w.EndObject();
    return;
  }
  write_id(call, w);
  const rpc_method* m = method_of(call);
  if (m == nullptr) {
    // Geth names the method; the name is the client's, so it is not said back.
    write_error(w, -32601, "the method does not exist/is not available");
    w.EndObject();
    return;
  }
  turn.add_step(m->step);
  note_indicators(*m, call, context, turn);
  w.Key("result");
  write_result(*m, call, context, index, w);
  w.EndObject();
}

}  // namespace

void emulated_account(const emulation_plan& plan, unsigned index, char (&out)[43]) {
  drawn_hex(plan, 0xACC0, index, 20, out);
}

void answer_ethereum_rpc(std::string_view body, const emulation_context& context,
                         emulation_turn& turn, fixed_json_output& out) {
  // The parse's values come from a pool on the stack: a request is at most
  // max_request_bytes, and its values need a few times that.
  char pool[6 * max_request_bytes];
  rapidjson::MemoryPoolAllocator<> allocator(pool, sizeof pool);
  rapidjson::Document d(&allocator);
  // Iterative: a body of nested brackets must not recurse on the lcore's stack.
  d.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
  json_writer w(out);
  if (d.HasParseError()) {
    turn.fail(conversation_counter::emulation_malformed_json);
    w.StartObject();
    w.Key("jsonrpc");
    w.String("2.0");
    w.Key("id");
    w.Null();
    write_error(w, -32700, "parse error");
    w.EndObject();
    return;
  }
  if (!d.IsArray()) {
    answer_call(d, context, 0, turn, w);
    return;
  }
  if (d.Empty() || d.Size() > max_rpc_batch) {
    w.StartObject();
    w.Key("jsonrpc");
    w.String("2.0");
    w.Key("id");
    w.Null();
    write_error(w, -32600, d.Empty() ? "empty batch" : "batch too large");
    w.EndObject();
    return;
  }
  w.StartArray();
  unsigned index = 0;
  for (const rapidjson::Value& call : d.GetArray()) {
    answer_call(call, context, index++, turn, w);
  }
  w.EndArray();
}

bool ethereum_address(std::string_view text, char (&out)[43]) {
  if (text.size() != 42 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X')) {
    return false;
  }
  out[0] = '0';
  out[1] = 'x';
  for (size_t i = 2; i < 42; ++i) {
    const char c = text[i];
    if (c >= 'A' && c <= 'F') {
      out[i] = static_cast<char>(c + 32);
    } else if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) {
      out[i] = c;
    } else {
      return false;
    }
  }
  out[42] = '\0';
  return true;
}

}  // namespace scanscope

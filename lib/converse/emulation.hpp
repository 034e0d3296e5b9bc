#pragma once
/**
 * @file
 * What the responder says after the handshake (--emulate): the protocols it speaks, the ports
 * each answers on, the steps of an attack a request shows, and the indicators it gives away.
 * docs/responder.md, "Conversations that go on", says what each protocol answers and why.
 */

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/x_list.hpp"

namespace scanscope {

/** A request and its answer must each fit in these (bigger requests are refused, counted). */
inline constexpr size_t max_request_bytes = 8192;
inline constexpr size_t max_answer_data = 6144;
/** A protocol's own state per conversation (ADB's streams and file hash, telnet's phase). */
inline constexpr size_t max_state_bytes = 512;

/** X(name, help): the protocols --emulate names. */
#define SCANSCOPE_EMULATED_PROTOCOLS(X)                                                \
  X(ethereum, "Ethereum JSON-RPC over HTTP, answered as a Geth node would (8545)")     \
  X(claymore, "the Claymore miner's remote management API, JSON over TCP (3333)")      \
  X(http,                                                                              \
    "a plain web server: 200 OK to any request, so an exploit's body arrives whole "   \
    "(80, 8080, 37215, 52869)")                                                        \
  X(adb,                                                                               \
    "an Android device's debug bridge without authentication: shell commands, pushed " \
    "files (5555)")                                                                    \
  X(telnet,                                                                            \
    "a BusyBox device's telnet: login and password prompts, a shell prompt (23, "      \
    "2323)")

SCANSCOPE_ENUM_OF_LIST(emulated_protocol, SCANSCOPE_EMULATED_PROTOCOLS);

inline constexpr const char* emulated_protocol_names[] = {
    SCANSCOPE_EMULATED_PROTOCOLS(SCANSCOPE_X_NAME)};

/** X(step, meaning): how far a source went in an emulated protocol. They follow `handshake`
 *  and `payload` among the conversation stages (series_dimensions.hpp). */
#define SCANSCOPE_EMULATED_STEPS(X)                                                           \
  X(eth_recon,                                                                                \
    "asked the Ethereum node about itself or its accounts (eth_accounts, "                    \
    "eth_getBalance, net_version, ...)")                                                      \
  X(eth_unlock, "tried a passphrase on an account (personal_unlockAccount)")                  \
  X(eth_send,                                                                                 \
    "sent a transaction (eth_sendTransaction, personal_sendTransaction, "                     \
    "eth_sendRawTransaction)")                                                                \
  X(eth_miner, "redirected the node's mining (miner_setEtherbase, miner_start)")              \
  X(miner_status, "asked the Claymore miner for its status (miner_getstat1, miner_getstat2)") \
  X(miner_control,                                                                            \
    "sent the Claymore miner a control command (miner_restart, miner_reboot, "                \
    "miner_file, control_gpu)")                                                               \
  X(http_request, "sent a whole HTTP request to the plain web server")                        \
  X(adb_connect, "connected to the Android debug bridge (CNXN)")                              \
  X(adb_shell, "ran a shell command over it (OPEN shell:)")                                   \
  X(adb_push, "pushed a file to the device (sync SEND)")                                      \
  X(telnet_login, "sent a user name and a password at the telnet prompts")                    \
  X(telnet_shell, "ran a command at the shell prompt after logging in")                       \
  X(telnet_download, "ran a download at the shell prompt (wget, curl, tftp, ftpget)")

SCANSCOPE_ENUM_OF_LIST(emulated_step, SCANSCOPE_EMULATED_STEPS);

inline constexpr const char* emulated_step_names[] = {SCANSCOPE_EMULATED_STEPS(SCANSCOPE_X_NAME)};

constexpr uint32_t step_bit(emulated_step s) {
  return 1u << static_cast<unsigned>(s);
}

/** X(kind, meaning): what an emulated conversation gives away. */
#define SCANSCOPE_INDICATOR_KINDS(X)                                                            \
  X(eth_recipient, "the address an Ethereum transaction was sent to (its `to`)")                \
  X(eth_sender, "the account a transaction was sent from (its `from`)")                         \
  X(eth_etherbase,                                                                              \
    "the address mining rewards were redirected to (miner_setEtherbase, a Claymore config's "   \
    "-ewal)")                                                                                   \
  X(eth_passphrase, "a passphrase tried on an account (kept only with --emulate-keep-secrets)") \
  X(miner_command, "a control command sent to the Claymore miner (miner_file: with the file)")  \
  X(url, "a URL a request carried (an exploit's download, a script's source)")                  \
  X(shell_command,                                                                              \
    "a shell command, its white space collapsed (ADB shell, telnet, a written script's lines)") \
  X(credential, "a user name and password tried at the telnet prompts, as user:password")       \
  X(file_sha256,                                                                                \
    "the SHA-256 of a file pushed over ADB or written with Claymore's miner_file (the file is " \
    "never kept)")                                                                              \
  X(file_name, "where a pushed or written file was to go, and its size")

SCANSCOPE_ENUM_OF_LIST(indicator_kind, SCANSCOPE_INDICATOR_KINDS);

inline constexpr const char* indicator_kind_names[] = {SCANSCOPE_INDICATOR_KINDS(SCANSCOPE_X_NAME)};

/** One indicator as a request gave it: its kind and its text (never longer than max_text). */
struct emulated_indicator {
  static constexpr size_t max_text = 94;
  indicator_kind kind = indicator_kind::eth_recipient;
  uint8_t length = 0;
  char text[max_text];

  std::string_view value() const { return {text, length}; }
};

/** Which protocol answers each TCP port, and the secret the answers are derived from. */
struct emulation_plan {
  /** 0: the port's connections close after the first payload; else 1 + emulated_protocol. */
  std::array<uint8_t, 65536> by_port{};
  /** Keys of the answers' made-up values (accounts, balances, transaction hashes): the same
   *  on every run of one sensor (derived from /etc/machine-id where it can be read). */
  uint64_t secret[2] = {0, 0};
  /** Passphrases tried are indicators with their text (else counted, the text withheld). */
  bool keep_secrets = false;

  bool any() const;
  /** The protocol answering `port`, or false. */
  bool protocol_of(uint16_t port, emulated_protocol& out) const {
    if (by_port[port] == 0) {
      return false;
    }
    out = static_cast<emulated_protocol>(by_port[port] - 1);
    return true;
  }
};

/** The ports a protocol answers on unless --emulate-port says otherwise. */
std::vector<uint16_t> default_emulated_ports(emulated_protocol p);

/**
 * Fill `plan` from --emulate ("ethereum,http", "all", "none") and --emulate-port entries
 * ("ethereum=8546,8547"; "http=8000-8100"), which add ports to a protocol named in the list.
 * @return empty, or what is wrong
 */
std::string plan_emulation(std::string_view protocols, const std::vector<std::string>& ports,
                           emulation_plan& plan);

/** The sensor's stable secret: SipHash of /etc/machine-id, else of the kernel's randomness. */
void draw_emulation_secret(uint64_t secret[2]);

}  // namespace scanscope

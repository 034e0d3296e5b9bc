#!/usr/bin/env bash
# Capture the probes of today's scanner releases, which Debian 12 does not ship: ZMap 4.x (every
# release since 4.1.0, May 2024) and masscan's master branch (window 1025 and another banner
# User-Agent since November 2023).
# Build them from their public sources first, never vendor them:
#   git clone --branch v4.3.4 https://github.com/zmap/zmap && cmake -S zmap -B zmap/build &&
#     make -C zmap/build          (Debian: cmake libgmp3-dev gengetopt flex byacc libjson-c-dev
#                                  libunistring-dev libjudy-dev libpcap-dev)
#   git clone https://github.com/robertdavidgraham/masscan && make -C masscan
# (ZMap's cmake step writes /etc/zmap/zmap.conf for 4.x, which Debian's ZMap 2.1.1 cannot read:
# configure it in a scratch root, or put Debian's file back afterwards with
# `apt-get install --reinstall -o Dpkg::Options::=--force-confmiss zmap` after removing it.)
# then, as root:
#   test/data/make-current-scanner-captures.sh ZMAP_BINARY MASSCAN_BINARY [OUT_DIR]
# (ONLY="NAME ..." remakes only those captures: capture-lib.sh)
# Same namespaces and capture as make-tool-captures.sh (capture-lib.sh).
set -euo pipefail
zmap_bin=$1
masscan_bin=$2
out=${3:-$(dirname "$0")}
. "$(dirname "$0")/capture-lib.sh"
netns_setup_with_blocklist

# ZMap's defaults: Windows-style TCP options, 16 probes to the one address.
capture zmap4-syn "$zmap_bin" -p 8545 -i ssc_s -G "$target_mac" -b "$blocklist" -P 16 -c 1 \
  --disable-syslog "$target_ip/32"
# ZMap 4's ICMP echo module: 20 zero data bytes, TTL 64, DF clear (an empty file as its config:
# the system's may be Debian's 2.1.1 one).
capture zmap4-icmp "$zmap_bin" -C "$blocklist" -M icmp_echoscan -i ssc_s -G "$target_mac" \
  -b "$blocklist" -P 8 -c 1 --disable-syslog "$target_ip/32"
# ZMap 4's UDP module with the DNS probe of its examples (the file Debian's 2.1.1 ships too):
# no mark in its headers (TTL 64, an IP ID and source port from the validation bits), the
# probe file's bytes in its payload.
capture zmap4-udp "$zmap_bin" -C "$blocklist" -M udp -p 53 -i ssc_s -G "$target_mac" \
  -b "$blocklist" -P 8 -c 1 --disable-syslog \
  --probe-args=file:/usr/share/doc/zmap/examples/udp-probes/dns_53.pkt "$target_ip/32"
capture masscan-master-syn "$masscan_bin" "$target_ip" \
  -p22,23,80,443,2323,3333,5555,8545,37215,52869 --rate 100 --wait 1 --adapter ssc_s \
  --router-mac "$target_mac"
# masscan master's banner grab against a web server (its User-Agent changed after 1.3.2), from
# an address of its own as in make-payload-tool-captures.sh.
trap 'stop_services; netns_cleanup; rm -f "$blocklist"' EXIT
start_services
banner_ip=10.99.0.3
scanner_mac=$(ip -n "$scanner" -br link show ssc_s | awk '{print $3}')
ip -n "$target" neigh replace "$banner_ip" lladdr "$scanner_mac" dev ssc_t
capture masscan-master-banners timeout 30 "$masscan_bin" "$target_ip" -p80 --banners \
  --source-ip "$banner_ip" --rate 100 --wait 12 --adapter ssc_s --router-mac "$target_mac"

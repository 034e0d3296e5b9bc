# Shared by the capture scripts: two network namespaces joined by a veth pair (scanner
# 10.99.0.1, target 10.99.0.2), and capture() to record what arrives at the target.
# Source it; needs root, iproute2 and tcpdump.
scanner=ssc_scanner
target=ssc_target
scanner_ip=10.99.0.1
target_ip=10.99.0.2

netns_cleanup() {
  ip netns del "$scanner" 2>/dev/null || true
  ip netns del "$target" 2>/dev/null || true
}

netns_setup() {
  netns_cleanup
  ip netns add "$scanner"
  ip netns add "$target"
  ip link add ssc_s type veth peer name ssc_t
  ip link set ssc_s netns "$scanner"
  ip link set ssc_t netns "$target"
  ip -n "$scanner" addr add "$scanner_ip/24" dev ssc_s
  ip -n "$target" addr add "$target_ip/24" dev ssc_t
  for ns in "$scanner" "$target"; do ip -n "$ns" link set lo up; done
  ip -n "$scanner" link set ssc_s up
  ip -n "$target" link set ssc_t up
  # Checksum and segmentation offloads would leave bad checksums and giant frames in captures.
  for pair in "$scanner ssc_s" "$target ssc_t"; do
    set -- $pair
    ip netns exec "$1" ethtool -K "$2" tx off tso off gso off gro off >/dev/null 2>&1 || true
  done
  target_mac=$(ip -n "$target" -br link show ssc_t | awk '{print $3}')
}

# netns_setup for the scanner tools' scripts, and $blocklist: an empty file for ZMap's -b (its
# default blocklist refuses 10.0.0.0/8). Both go when the script exits.
netns_setup_with_blocklist() {
  blocklist=$(mktemp)
  trap 'netns_cleanup; rm -f "$blocklist"' EXIT
  netns_setup
}

# capture NAME COMMAND...: run COMMAND in the scanner namespace while tcpdump records the
# frames arriving at the target (`-Q in`: a darknet sensor's view) into $out/NAME.pcap.
# With ONLY set (names separated by spaces), the other captures are skipped: remaking one
# capture leaves the others, and the counts recorded from them, as they are.
capture() {
  local name=$1
  shift
  if [[ -n "${ONLY:-}" && " $ONLY " != *" $name "* ]]; then
    return 0
  fi
  ip netns exec "$target" tcpdump -i ssc_t -Q in -U -s 0 -w "$out/$name.pcap" 2>/dev/null &
  local dump=$!
  sleep 1
  ip netns exec "$scanner" "$@" >/dev/null 2>&1 || true
  sleep 1
  kill -INT "$dump"
  wait "$dump" || true
  echo "$name.pcap: $(tcpdump -r "$out/$name.pcap" 2>/dev/null | wc -l) frames"
}

# start_services: fake_services.py answering in the target namespace, so a client goes as far
# as a service lets it ($services: its PID); stop_services ends it.
start_services() {
  ip netns exec "$target" python3 "$(dirname "${BASH_SOURCE[0]}")/fake_services.py" \
    "$target_ip" >/dev/null &
  services=$!
  sleep 2
}
stop_services() {
  [[ -n "${services:-}" ]] && kill "$services" 2>/dev/null || true
}

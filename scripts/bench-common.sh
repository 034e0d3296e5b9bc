# Sourced by scripts/bench and scripts/bench-scaling: the release build, the benchmark captures
# and the readers of the rates testpmd and scanscope print. The caller sets `seconds` (length of
# a run) and the array `eal` (EAL options of the runs) and is in the repository root.

scripts/install-deps.sh --tools >/dev/null
build=build-release
# Without link-time optimisation: it took 8% of the instructions and 6% of the cycles off a SYN
# in stage_bench, but made the offline run of the dense hour 20-40% slower (BENCHMARKS.md).
if [[ ! -f "$build/build.ninja" ]]; then
  meson setup "$build" --buildtype=release >/dev/null
fi
ninja -C "$build" >/dev/null
bin=$build/app/scanscope/scanscope
replay=$build/app/scanscope-replay/scanscope-replay
bench=$build/test/stage_bench
out=out/bench
mkdir -p "$out"

# The replay capture: 20,000 sources, one frame each (net_pcap keeps it all in mbufs); a tenth
# are one-shot requests with payloads. The SYN budget's input: the same sources, SYNs only.
"$bench" --sources 20000 --payload-every 10 --write-pcap "$out/replay.pcap" >/dev/null
"$bench" --sources 20000 --write-pcap "$out/syn.pcap" >/dev/null

# Median of the per-interval rates, leaving out the first interval (warm-up).
median() { sort -n | awk '{v[NR]=$1} END {if (NR == 0) print 0; else print v[int((NR + 1) / 2)]}'; }

# testpmd_mpps VDEV [TESTPMD_OPTION...]: testpmd rxonly's median Rx-pps of the port, in Mpps.
testpmd_mpps() {
  local port=$1
  shift
  # testpmd runs until interrupted; timeout's exit status is expected.
  { timeout --signal=INT "$seconds" dpdk-testpmd "${eal[@]}" --file-prefix bench-tp \
      --vdev "$port" -- --forward-mode=rxonly --stats-period 1 "$@" 2>/dev/null || true; } |
    awk '/Rx-pps:/ {print $2 / 1e6}' | tail -n +2 | median
}

# scanscope_mpps VDEV [OPTION...]: scanscope's median packet rate over its status lines, in Mpps.
scanscope_mpps() {
  local port=$1
  shift
  "$bin" "${eal[@]}" --file-prefix bench-ss --vdev "$port" -- --config config/scanscope.conf \
    --duration "$seconds" --mbufs "${mbufs:-40000}" --geo-db none "$@" 2>&1 >/dev/null |
    awk '/ pps / {v = $1; if (v ~ /M$/) {sub("M", "", v); print v} else if (v ~ /k$/) {sub("k", "", v); print v / 1000}}' |
    tail -n +2 | median
}

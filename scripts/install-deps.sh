#!/usr/bin/env bash
# Install what scanscope needs from Debian 12's packages (and, for the tests, ethers from npm).
# Idempotent: when everything is already there it changes nothing and needs no network.
#
#   scripts/install-deps.sh            build, run and test
#   scripts/install-deps.sh --build    only what building needs (the container's build stage)
#   scripts/install-deps.sh --runtime  only what a built scanscope needs to run (the container's
#                                      runtime stage, a sensor given the binary): DPDK libraries,
#                                      vdev and common NIC drivers, Hyperscan, libloc and its
#                                      database, libmaxminddb, libpcap, Boost.Program_options,
#                                      and DPDK's set-up tools for scripts/sensor-setup
#   scripts/install-deps.sh --tools    also the tools used to make test captures and run
#                                      benchmarks (testpmd, scapy, nDPI, perf, valgrind); the
#                                      scanners and clients are test dependencies already
set -euo pipefail

build_packages=(
  build-essential pkg-config meson ninja-build
  libdpdk-dev libhyperscan-dev libboost-program-options-dev rapidjson-dev libpcap-dev
  libloc-dev libmaxminddb-dev libcurl4-openssl-dev libsqlite3-dev nettle-dev
)
packages=(
  "${build_packages[@]}"
  # run: the embedded default location database, the demo's figures, the console's charts
  libloc-database python3-matplotlib libjs-chart.js
  # tests
  catch2 tcpdump python3 python3-location
  # systemd-analyze checks the unit file; a headless browser loads the console
  systemd chromium
  # the live reload test: a veth pair into a network namespace
  iproute2
  # the responder test: real clients and scanners in network namespaces; the emulated
  # Ethereum node's test runs ethers (npm) under Node.js
  curl netcat-openbsd adb nmap masscan zmap hping3 telnet
  # a MaxMind-format database built for the tests, and mmdblookup as their oracle
  libmaxmind-db-writer-perl mmdb-bin
  # promtool checks the /metrics page
  prometheus
  # the fleet store's tests and demo start their own ClickHouse servers
  clickhouse-server clickhouse-client
  # the event log's syslog output is read by an rsyslogd the test starts
  rsyslog
  # bounded fuzzing in the test command (libFuzzer comes with clang's runtime)
  clang libclang-rt-14-dev
)
runtime_packages=(
  librte-eal23 librte-ethdev23 librte-mbuf23 librte-mempool23 librte-ring23 librte-hash23
  librte-telemetry23 librte-kvargs23 librte-net23 librte-rcu23 librte-meter23
  librte-bus-pci23 librte-bus-vdev23 librte-mempool-ring23
  librte-net-pcap23 librte-net-memif23 librte-net-af-packet23 librte-net-null23
  librte-net-ixgbe23 librte-net-i40e23 librte-net-ice23 librte-net-mlx5-23
  libhyperscan5 libloc1 libloc-database libmaxminddb0 libpcap0.8
  libboost-program-options1.74.0 libcurl4 libsqlite3-0 libnettle8 dpdk libjs-chart.js
)
# Node.js and npm: Debian's, unless a Node.js with its own npm is installed already (a
# packaged build from elsewhere conflicts with Debian's npm).
if ! command -v node > /dev/null || ! command -v npm > /dev/null; then
  packages+=(nodejs npm)
fi
if [[ "${1:-}" == "--build" ]]; then
  packages=("${build_packages[@]}")
elif [[ "${1:-}" == "--runtime" ]]; then
  packages=("${runtime_packages[@]}")
elif [[ "${1:-}" == "--tools" ]]; then
  packages+=(dpdk dpdk-dev python3-scapy ethtool libndpi-bin linux-perf valgrind)
fi

# ethers, the Ethereum client library the emulation test drives, comes from npm into a folder
# of its own (SCANSCOPE_NODE_DIR, default /opt/ssnode): Debian does not package it.
node_dir=${SCANSCOPE_NODE_DIR:-/opt/ssnode}
install_ethers() {
  if [[ -f $node_dir/node_modules/ethers/package.json ]]; then
    return
  fi
  echo "installing ethers 6 from npm into $node_dir"
  $sudo mkdir -p "$node_dir"
  $sudo npm install --prefix "$node_dir" --no-audit --no-fund --loglevel=error ethers@6
}

sudo=""
if [[ $(id -u) -ne 0 ]]; then
  sudo="sudo"
fi
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} != 0)); then
  echo "installing: ${missing[*]}"
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
fi
if [[ -z "${1:-}" || "${1:-}" == "--tools" ]]; then
  install_ethers
fi

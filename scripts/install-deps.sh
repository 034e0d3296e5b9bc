#!/usr/bin/env bash
# Install what scanscope needs from Debian 12's packages. Idempotent: when every package is
# already there it changes nothing and needs no network.
#
#   scripts/install-deps.sh            build, run and test
#   scripts/install-deps.sh --build    only what building needs (the container's build stage)
#   scripts/install-deps.sh --tools    also the scanners and tools used to make test captures
#                                      and run benchmarks (nmap, masscan, zmap, hping3, adb,
#                                      curl, nc, testpmd, perf, valgrind)
set -euo pipefail

build_packages=(
  build-essential pkg-config meson ninja-build
  libdpdk-dev libhyperscan-dev libboost-program-options-dev rapidjson-dev libpcap-dev
  libloc-dev libmaxminddb-dev
)
packages=(
  "${build_packages[@]}"
  # run: the embedded default location database, and the demo's figures
  libloc-database python3-matplotlib
  # tests
  catch2 tcpdump python3 python3-location
  # the live reload test: a veth pair into a network namespace
  iproute2
  # a MaxMind-format database built for the tests, and mmdblookup as their oracle
  libmaxmind-db-writer-perl mmdb-bin
  # promtool checks the /metrics page
  prometheus
  # bounded fuzzing in the test command (libFuzzer comes with clang's runtime)
  clang libclang-rt-14-dev
)
if [[ "${1:-}" == "--build" ]]; then
  packages=("${build_packages[@]}")
elif [[ "${1:-}" == "--tools" ]]; then
  packages+=(dpdk dpdk-dev nmap masscan zmap hping3 python3-scapy iproute2 ethtool libndpi-bin
             adb curl netcat-openbsd linux-perf valgrind)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then
  sudo="sudo"
fi
echo "installing: ${missing[*]}"
$sudo apt-get update
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"

#!/usr/bin/env bash
# Install only what a built scanscope needs to run (the container image's runtime stage, or a
# sensor that received the binary from a build host): DPDK's libraries and the drivers for the
# vdevs and the common NICs, Hyperscan, libloc with Debian's location database, libmaxminddb,
# libpcap, Boost.Program_options, and DPDK's setup tools for scripts/sensor-setup.
# Idempotent; Debian 12 package names.
set -euo pipefail
packages=(
  librte-eal23 librte-ethdev23 librte-mbuf23 librte-mempool23 librte-ring23 librte-hash23
  librte-telemetry23 librte-kvargs23 librte-net23 librte-rcu23 librte-meter23
  librte-bus-pci23 librte-bus-vdev23 librte-mempool-ring23
  librte-net-pcap23 librte-net-memif23 librte-net-af-packet23 librte-net-null23
  librte-net-ixgbe23 librte-net-i40e23 librte-net-ice23 librte-net-mlx5-23
  libhyperscan5 libloc1 libloc-database libmaxminddb0 libpcap0.8
  libboost-program-options1.74.0 dpdk
)
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

#!/usr/bin/env bash
# Check dockerfiles/Dockerfile's two stages without a container engine: make two clean
# Debian 12 roots with debootstrap (minbase, as debian:12 and debian:12-slim are), run the
# build stage's script in the first, the runtime stage's script in the second, copy the
# installed tree across as the Dockerfile does, and run scanscope there on a capture. Every
# shared library must resolve and the report must count the capture's frames.
#
#   dockerfiles/check-image.sh [WORK_DIR]     (default /var/tmp/scanscope-image-check; as root)
#
# The package mirror is the one this machine's apt uses. The first run takes about four
# minutes on two cores with a nearby mirror (two debootstraps, the build dependencies, a release
# build); later runs reuse the roots.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/var/tmp/scanscope-image-check}
mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
if [[ -z "$mirror" ]]; then
  mirror=$(awk '/^deb / {print $2; exit}' /etc/apt/sources.list)
fi
command -v debootstrap >/dev/null || {
  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y debootstrap
}

mounted=()
cleanup() {
  for ((i = ${#mounted[@]} - 1; i >= 0; --i)); do
    umount -l "${mounted[i]}" 2>/dev/null || true
  done
}
trap cleanup EXIT

# A Debian 12 root with /proc, /sys, /dev and the host's resolver and apt proxy settings.
make_root() {
  local root=$1
  if [[ ! -x "$root/usr/bin/apt-get" ]]; then
    echo "== debootstrap $root"
    debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.log" 2>&1 ||
      { tail -20 "$root.log"; exit 1; }
  fi
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  cp /etc/apt/apt.conf.d/*proxy* "$root/etc/apt/apt.conf.d/" 2>/dev/null || true
  for fs in proc sys dev; do
    mount --bind "/$fs" "$root/$fs"
    mounted+=("$root/$fs")
  done
}

build_root=$work/build
runtime_root=$work/runtime
mkdir -p "$work"
make_root "$build_root"
make_root "$runtime_root"

echo "== build stage: scripts/container-build.sh /install"
rm -rf "$build_root/src" "$build_root/install"
mkdir -p "$build_root/src"
git archive HEAD | tar -x -C "$build_root/src"
chroot "$build_root" /bin/bash -c "cd /src && scripts/container-build.sh /install" \
  >"$work/build-stage.log" 2>&1 || { tail -30 "$work/build-stage.log"; exit 1; }

echo "== runtime stage: scripts/install-deps.sh --runtime"
cp scripts/install-deps.sh "$runtime_root/usr/local/sbin/scanscope-install-deps"
chroot "$runtime_root" /usr/local/sbin/scanscope-install-deps --runtime >"$work/runtime-stage.log" 2>&1 ||
  { tail -30 "$work/runtime-stage.log"; exit 1; }
cp -a "$build_root/install/." "$runtime_root/"

echo "== run in the runtime root"
for binary in /usr/local/bin/scanscope /usr/local/bin/scanscope-gen; do
  if chroot "$runtime_root" ldd "$binary" | grep "not found"; then
    echo "check-image: $binary misses libraries in the runtime stage" >&2
    exit 1
  fi
done
chroot "$runtime_root" /usr/local/bin/scanscope --help >/dev/null
mkdir -p "$runtime_root/data"
cp test/data/nmap-syn.pcap "$runtime_root/data/"
chroot "$runtime_root" /usr/local/bin/scanscope --pcap /data/nmap-syn.pcap \
  --json-out /data/report.json --quiet >/dev/null
want=$(tcpdump --count -r test/data/nmap-syn.pcap 2>/dev/null | awk '{print $1}')
got=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["totals"]["packets"])' \
  "$runtime_root/data/report.json")
if [[ "$got" != "$want" ]]; then
  echo "check-image: the runtime root counted $got frames of nmap-syn.pcap, tcpdump $want" >&2
  exit 1
fi
# The installed default config finds its rules, and the location database is there.
chroot "$runtime_root" /usr/local/bin/scanscope-gen /usr/local/share/scanscope/scenarios/adb-mirai-2018-02.scn \
  -q -o /data/adb.pcap
chroot "$runtime_root" /usr/local/bin/scanscope --pcap /data/adb.pcap --json-out /data/adb.json \
  --quiet >/dev/null
python3 - "$runtime_root/data/adb.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
port = next(p for p in r["ports"] if p["port"] == 5555)
hits = {s["name"]: s["hits"] for s in port["signatures"]}
assert hits.get("adb-cnxn-legacy", 0) > 0, f"no ADB signature hits in the image: {hits}"
assert r["geo"]["networks_v4"] > 100000, f"no location database in the image: {r['geo']}"
PY
size=$(du -sh --exclude=proc --exclude=sys --exclude=dev "$runtime_root" | cut -f1)
echo "check-image: both stages built and ran; runtime root $size; scanscope counted $got frames"

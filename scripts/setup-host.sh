#!/usr/bin/env bash
# Prepares a fresh Debian 12 machine (as root) to build devbinder and run its integration tests:
# Debian packages, a containers.conf Podman can work with, pnpm, a running udevd, the build.
# Safe to re-run: every step checks first, so a prepared machine takes seconds.
set -euo pipefail

if [[ $(id -u) -ne 0 ]]; then
  echo "setup-host.sh: must run as root (it installs packages, writes /etc/containers and starts udevd)" >&2
  exit 1
fi
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive TURBO_TELEMETRY_DISABLED=1

step() { printf '\n== %s\n' "$*"; }

step "Debian packages"
packages=(podman runc uidmap fuse-overlayfs udev busybox-static debootstrap skopeo docker-registry jq)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'ok installed' || missing+=("$package")
done
if ((${#missing[@]} > 0)); then
  apt-get update
  apt-get install -y "${packages[@]}"
else
  echo "all installed"
fi

step "Podman configuration"
# Podman 4.3 here needs runc (crun rejects the hybrid cgroup layout), cgroupfs (no systemd as
# PID 1) and ulimits below the host's hard limits (root lacks CAP_SYS_RESOURCE).
conf=/etc/containers/containers.conf
marker='# Written by devbinder scripts/setup-host.sh'
wanted="$marker
[containers]
default_ulimits = [\"nofile=16384:16384\", \"nproc=4096:4096\"]

[engine]
runtime = \"runc\"
cgroup_manager = \"cgroupfs\""
if [[ ! -e $conf ]] || grep -qxF "$marker" "$conf"; then
  mkdir -p "$(dirname "$conf")"
  printf '%s\n' "$wanted" >"$conf"
  echo "wrote $conf"
elif grep -q '^runtime *= *"runc"' "$conf" && grep -q '^cgroup_manager *= *"cgroupfs"' "$conf" &&
  grep -q '^default_ulimits' "$conf"; then
  echo "$conf is not ours but has the settings Podman needs here"
else
  echo "WARNING: $conf exists and is not ours; leaving it alone. Podman needs these settings:" >&2
  printf '%s\n' "$wanted" | sed 's/^/    /' >&2
fi

step "pnpm"
if [[ $(pnpm --version 2>/dev/null || true) != 12.21.0 ]]; then
  npm i -g pnpm@12.21.0 # pnpm 11 refuses Node 20; 12 is a native executable
fi
pnpm --version

step "udevd"
if ! udevadm control --ping 2>/dev/null; then
  # No systemd as PID 1: start the daemon ourselves, then replay every device so that
  # /run/udev/data holds the database devbinder reads.
  /lib/systemd/systemd-udevd --daemon
  udevadm trigger --action=add
  udevadm settle
fi
udevadm control --ping && echo "udevd is running"

step "pnpm install"
pnpm install --frozen-lockfile

step "build"
pnpm build

step "npm cache for the plugin guide"
# Its test installs a plugin project offline; this fetches what that needs, once.
scripts/plugin-npm-cache.sh

#!/usr/bin/env bash
# Builds the Debian lab base image without any container registry: debootstrap from Debian's
# mirror, Podman + runc/crun + udev from Debian's packages, Node.js from the npm registry, then
# `podman import`. devbinder itself is added on top by ../devbinder.Containerfile.
#
# Usage (as root): build-base.sh IMAGE [DOWNLOAD_CACHE]
#   IMAGE           the tag to import the root filesystem as
#   DOWNLOAD_CACHE  where the Node.js and npm tarballs are kept between builds (default: a temp dir)
# Environment: LAB_DEBIAN_MIRROR (default http://deb.debian.org/debian)
set -euo pipefail

# Node.js: Debian 12's nodejs is 18, too old for devbinder (>= 20.19), and NodeSource is not
# reachable from every build machine. The npm registry is (pnpm needs it anyway), and it carries
# the official Linux builds as `node-linux-<arch>` and npm itself as `npm`: pinned here, so the
# image does not depend on how the build machine got its own Node.js.
NODE_VERSION=20.20.2
NPM_VERSION=10.8.2 # the npm that Node.js 20.20.2 ships with
SUITE=bookworm
PACKAGES=(podman runc crun conmon netavark iptables uidmap fuse-overlayfs ca-certificates
  udev busybox-static)

image=${1:?usage: build-base.sh IMAGE [DOWNLOAD_CACHE]}
mirror=${LAB_DEBIAN_MIRROR:-http://deb.debian.org/debian}
here=$(cd "$(dirname "$0")" && pwd)

if [[ $(id -u) -ne 0 ]]; then
  echo "build-base.sh: must run as root (debootstrap, chroot)" >&2
  exit 1
fi
for tool in debootstrap podman npm; do
  command -v "$tool" >/dev/null || { echo "build-base.sh: $tool is missing" >&2; exit 1; }
done
case $(uname -m) in
  x86_64) node_arch=x64 ;;
  aarch64) node_arch=arm64 ;;
  *) echo "build-base.sh: no Node.js build for $(uname -m)" >&2; exit 1 ;;
esac

work=$(mktemp -d /var/tmp/devbinder-lab-debian.XXXXXX)
root=$work/rootfs
downloads=${2:-$work/downloads}
cleanup() {
  umount "$root/proc" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$downloads"

step() { printf '== %s\n' "$*"; }

step "debootstrap $SUITE from $mirror"
debootstrap --variant=minbase "$SUITE" "$root" "$mirror"

step "Debian packages: ${PACKAGES[*]}"
# No daemons may start inside the chroot while packages install.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod +x "$root/usr/sbin/policy-rc.d"
mount -t proc proc "$root/proc"
chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
  "${PACKAGES[@]}"
chroot "$root" apt-get clean
umount "$root/proc"
rm -rf "$root/usr/sbin/policy-rc.d" "$root"/var/lib/apt/lists/*

step "Node.js $NODE_VERSION and npm $NPM_VERSION from the npm registry"
for package in "node-linux-$node_arch@$NODE_VERSION" "npm@$NPM_VERSION"; do
  tarball=$downloads/${package/@/-}.tgz
  if [[ ! -s $tarball ]]; then
    # npm checks the registry's integrity hash while it downloads.
    (cd "$downloads" && npm pack --silent "$package" >/dev/null)
  fi
  [[ -s $tarball ]] || { echo "build-base.sh: npm pack $package left no $tarball" >&2; exit 1; }
done
tar -xzf "$downloads/node-linux-$node_arch-$NODE_VERSION.tgz" -C "$root/usr/local" \
  --strip-components=1 package/bin/node package/share
mkdir -p "$root/usr/local/lib/node_modules/npm"
tar -xzf "$downloads/npm-$NPM_VERSION.tgz" -C "$root/usr/local/lib/node_modules/npm" \
  --strip-components=1
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
chroot "$root" /usr/local/bin/node --version
chroot "$root" /usr/local/bin/npm --version

step "Podman configuration"
install -D -m 0644 "$here/containers.conf" "$root/etc/containers/containers.conf"

step "podman import $image"
tar -C "$root" -cf "$work/rootfs.tar" .
podman import --quiet --change 'CMD ["/bin/bash"]' "$work/rootfs.tar" "$image" >/dev/null
echo "built $image"

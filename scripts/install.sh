#!/usr/bin/env bash
# Installs devbinder on this Podman host the way a package would, from the workspace build:
#   - the `devbinder` command with its bundled plugins (npm, from the packed CLI),
#   - the precreate hook in Podman's hooks directory,
#   - the plugin directories an administrator adds plugins to.
# Usage (as root, after `pnpm install && pnpm build`):
#   scripts/install.sh [--prefix /usr/local] [--hooks-dir /usr/share/containers/oci/hooks.d]
#                      [--tarball devbinder-X.Y.Z.tgz]   (a packed CLI instead of this checkout's)
set -euo pipefail

prefix=/usr/local
hooks_dir=/usr/share/containers/oci/hooks.d
tarball=
while [[ $# -gt 0 ]]; do
  case $1 in
    --prefix) prefix=$2; shift 2 ;;
    --hooks-dir) hooks_dir=$2; shift 2 ;;
    --tarball) tarball=$(realpath "$2"); shift 2 ;;
    -h | --help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [[ $(id -u) -ne 0 ]]; then
  echo "install.sh: must run as root (it writes $prefix and $hooks_dir)" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [[ -z $tarball ]]; then
  cd "$(dirname "$0")/.."
  [[ -f packages/cli/dist/devbinder.js ]] || { echo "install.sh: run pnpm install && pnpm build first" >&2; exit 1; }
  (cd packages/cli && pnpm pack --pack-destination "$work" >/dev/null)
  tarball=$(echo "$work"/devbinder-*.tgz)
elif [[ ! -f $tarball ]]; then
  echo "install.sh: --tarball $tarball: no such file" >&2
  exit 2
fi
npm install --global --prefix "$prefix" "$tarball"
mkdir -p /usr/lib/devbinder/plugins /etc/devbinder/plugins

devbinder=$prefix/bin/devbinder
"$devbinder" hook --print-config --hooks-dir "$hooks_dir"
# Transpile the bundled plugins now, so the first container start does not wait for it.
for annotation in io.dev-binder.udev.seat=seat0 io.dev-binder.udev.subsystem=sound io.dev-binder.udev.usb=0000:0000 io.dev-binder.udev.match=KERNEL==none; do
  "$devbinder" explain --annotation "$annotation" >/dev/null
done
echo "installed $("$devbinder" --version) at $devbinder; hook in $hooks_dir/devbinder.json"

#!/usr/bin/env bash
# Builds localhost/devbinder-test:latest, a 2 MB busybox image, with `podman import`: no registry
# is reachable here. Does nothing when the image exists (pass --force to rebuild).
# Used by scripts/demo.sh and by the integration tests' globalSetup.
set -euo pipefail

image=localhost/devbinder-test:latest
if [[ ${1:-} != --force ]] && podman image exists "$image"; then
  exit 0
fi

busybox=/bin/busybox # from busybox-static: statically linked, so the image needs no libc
if [[ ! -x $busybox ]]; then
  echo "build-test-image.sh: $busybox is missing; apt-get install busybox-static" >&2
  exit 1
fi

rootfs=$(mktemp -d)
trap 'rm -rf "$rootfs"' EXIT
mkdir -p "$rootfs"/{bin,etc,proc,sys,dev,tmp,root}
chmod 1777 "$rootfs/tmp"
cp "$busybox" "$rootfs/bin/busybox"
for applet in $("$rootfs/bin/busybox" --list); do
  [[ -e $rootfs/bin/$applet ]] || ln -s busybox "$rootfs/bin/$applet"
done
echo 'root:x:0:0:root:/root:/bin/sh' >"$rootfs/etc/passwd"
echo 'root:x:0:' >"$rootfs/etc/group"
tar -C "$rootfs" -cf "$rootfs.tar" .
podman import --quiet --change 'CMD ["/bin/sh"]' "$rootfs.tar" "$image" >/dev/null
rm -f "$rootfs.tar"
echo "built $image"

#!/usr/bin/env bash
# The first thing to run after scripts/setup-host.sh: installs the hook into a throwaway hooks
# directory, starts one container that asks for /dev/loop0 by annotation, and shows what it got.
# Then `devbinder explain` tells the same decision without a container.
set -euo pipefail
cd "$(dirname "$0")/.."

devbinder() { node packages/cli/dist/devbinder.js "$@"; }
annotation=io.dev-binder.udev.subsystem=block:loop0
image=localhost/devbinder-test:latest

hooks=$(mktemp -d)
trap 'rm -rf "$hooks"' EXIT
devbinder hook --print-config --hooks-dir "$hooks"
scripts/build-test-image.sh

echo
echo "\$ podman --hooks-dir $hooks run --rm --network none --annotation $annotation $image ..."
podman --hooks-dir "$hooks" run --rm --network none --annotation "$annotation" \
  --label io.dev-binder.test=demo "$image" \
  sh -c 'ls -l /dev/loop*
    # cgroup v1 shows the allow rule the hook added; v2 keeps rules in an eBPF program instead.
    if [ -r /sys/fs/cgroup/devices/devices.list ]; then
      echo "cgroup allows:"; grep " 7:" /sys/fs/cgroup/devices/devices.list
    fi'

echo
echo "\$ devbinder explain -a $annotation"
devbinder explain -a "$annotation"

#!/bin/sh
# What boot does on a real Podman host, inside a lab host. Run by lab-init.sh.
set -eu

# cgroup v2 (GitHub's runners): a cgroup with processes in it cannot hand controllers down, so
# move every process into a leaf first, or the nested Podman cannot create its containers' cgroups.
# cgroup v1 (this CI machine) needs nothing.
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  mkdir -p /sys/fs/cgroup/lab-init
  while read -r pid; do
    echo "$pid" >/sys/fs/cgroup/lab-init/cgroup.procs 2>/dev/null || true
  done </sys/fs/cgroup/cgroup.procs
  sed -e 's/ / +/g' -e 's/^/+/' /sys/fs/cgroup/cgroup.controllers >/sys/fs/cgroup/cgroup.subtree_control
fi

# udevd and a coldplug: afterwards /run/udev/data is this host's udev database.
/lib/systemd/systemd-udevd --daemon
udevadm trigger --type=devices --action=add
udevadm settle

# The image nested containers run: busybox, imported (there is no registry in the lab either).
/opt/devbinder-lab/build-test-image.sh

#!/bin/sh
# PID 1 of a lab host: boots it (lab-boot.sh), says how that went, then waits. The lab's tests start
# this container privileged in its own, empty network namespace; kernel uevents still reach it.

# cgroup v1: Podman 4.3 gives a container the machine's cgroup namespace (and its API ignores
# CgroupnsMode), so /proc/<pid>/cgroup paths start at the machine's root while this container's
# /sys/fs/cgroup/<controller> mounts start at its own cgroup. On a real host both start at the
# same root, and the daemon relies on that: enter a cgroup namespace of our own first, as
# --cgroupns=private would. (cgroup v2 has no devices line; Podman makes it private there.)
if [ "$(grep -m1 ':devices:' /proc/self/cgroup | cut -d: -f3)" ] &&
  [ "$(grep -m1 ':devices:' /proc/self/cgroup | cut -d: -f3)" != / ]; then
  exec unshare --cgroup "$0" "$@"
fi

mkdir -p /run/devbinder-lab
if /opt/devbinder-lab/lab-boot.sh >/run/devbinder-lab/boot.log 2>&1; then
  state=ready
else
  state="boot failed (exit $?)"
fi
cat /run/devbinder-lab/boot.log
echo "$state" >/run/devbinder-lab/state
echo "devbinder-lab: $state"
trap 'exit 0' TERM INT
sleep infinity &
wait

#!/bin/sh
# PID 1 of a lab host: boots it (lab-boot.sh), says how that went, then waits. The lab's tests start
# this container privileged in its own, empty network namespace; kernel uevents still reach it.
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

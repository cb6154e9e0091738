// The guest's /init. The marker line is what the harness waits for on the console before its first SSH
// attempt: SYNs sent before the NIC is up are lost and each blind attempt costs a connect timeout.
export const READY_MARKER = 'DAXH_SSHD_READY';

export const GUEST_IP = '10.0.2.15'; // slirp's guest address; set statically: no DHCP, no DNS, no route out

export function initScript(): string {
  return `#!/bin/sh
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
# gcov data (--coverage) and failslab's knobs (allocation-failures) live here; a kernel without debugfs has neither.
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
hostname daxh
# 6.1 builds virtio_pci as a module; 6.12 has it built in. virtio-rng feeds the crng: dropbear blocks on getrandom.
modprobe -q virtio_pci
modprobe -q virtio_net
modprobe -q virtio_rng
ip link set lo up
nic=$(ls /sys/class/net | grep -v '^lo$' | head -n 1)
ip addr add ${GUEST_IP}/24 dev "$nic"
ip link set "$nic" up
dropbear -s -p 22 -r /etc/dropbear/dropbear_ed25519_host_key
echo "${READY_MARKER} uptime=$(cut -d' ' -f1 /proc/uptime)" > /dev/console
exec setsid sh -c 'exec sh </dev/console >/dev/console 2>&1'
`;
}

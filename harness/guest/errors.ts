// How a guest can fail the harness, as distinct types: the runner names each in the results (a hang is not
// a crash, a dropped connection is not a divergence) instead of passing a JavaScript error through.

/** The guest did not answer within a deadline (SSH exec, QMP, boot). */
export class GuestHangError extends Error {
  constructor(message: string, readonly waitedMs: number) {
    super(message);
  }
}

/** The SSH connection went away under a command (sshd died, the network stopped, QEMU closed the forward). */
export class SshDroppedError extends Error {}

/** QEMU itself is gone: `status` is its exit code or signal, `consoleTail` the last console lines. */
export class QemuExitedError extends Error {
  constructor(message: string, readonly status: string, readonly consoleTail: string) {
    super(message);
  }
}

/** Booting or provisioning the group's guest failed; every later case of the group fails with it. */
export class GuestSetupError extends Error {}

/** A guest that did not come up, with the end of its console. */
export class BootError extends GuestSetupError {
  constructor(message: string, readonly consoleTail: string) {
    super(`${message}\n--- console (last lines) ---\n${consoleTail}`);
  }
}

/** The guest never said it was ready, and QEMU still ran: a stall, not a refusal. */
export class BootStalledError extends BootError {}

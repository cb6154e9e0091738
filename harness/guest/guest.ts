// A running QEMU guest: started with execa, watched on its console, reached over one SSH connection, and
// always ended (poweroff, then QMP quit, then SIGKILL by PID) whatever path the caller takes.
import { deadlines } from './deadlines.ts';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, rmSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { execa, type ResultPromise } from 'execa';
import type { GuestImage } from '../../images/image.ts';
import { S_IFDIR, S_IFREG, newcArchive } from '../../images/cpio.ts';
import { READY_MARKER } from '../../images/init-script.ts';
import type { Kernel } from '../../images/kernel.ts';
import { qemuArgs, type Accel, type MachineSpec } from '../../qemu/base-args.ts';
import { ConsoleLog } from './console-log.ts';
import { BootError, BootStalledError, GuestSetupError, QemuExitedError, SshDroppedError } from './errors.ts';
import type { ExecOptions, GuestMachine } from './machine.ts';
import { freeLoopbackPort } from './port.ts';
import { QmpClient } from './qmp.ts';
import { interruption, track, untrack, type Stoppable } from './registry.ts';
import { SshSession, ephemeralKey, type ExecResult, type RequestChannel, type SessionKey } from './ssh.ts';
import { sleep } from '../util/sleep.ts';

export interface GuestSetup extends MachineSpec {
  backingFiles: readonly { path: string; size: bigint }[];
  /** False: the machine holds memory savevm does not save, so it is booted without snapshots. */
  snapshotSafe?: boolean;
}

export interface BootOptions {
  name: string;
  kernel: Kernel;
  image: GuestImage;
  accel: Accel;
  /** The topology's machine, given the guest's private work dir (backing files live there). */
  setup: (workDir: string) => GuestSetup;
  bootTimeoutMs?: number;
  /** Where the console log is copied when the guest ends (the run's output dir); omitted: dropped with the work dir. */
  keepConsoleIn?: string;
  /** Give the guest a vmstate drive so saveSnapshot/loadSnapshot work. */
  snapshots?: boolean;
  /** The QEMU binary (default qemu-system-x86_64 from PATH). */
  qemu?: string;
  /** Words added to the guest kernel's command line after everything the harness puts there. */
  append?: readonly string[];
  /**
   * Start from a saved machine instead of booting: QEMU loads `snapshot` from a copy of `vmstate` as it
   * starts. `key` is the session key that machine was booted with: its initrd, and so its authorized_keys,
   * is in the saved RAM. `console` is the saved machine's console up to the save, so the log reads as one.
   */
  resume?: SavedMachineFiles;
}

export interface SavedMachineFiles {
  vmstate: string;
  snapshot: string;
  key: SessionKey;
  console: string;
}

const VMSTATE_FILE = 'vmstate.qcow2';
const PORT_ATTEMPTS = 3;

export class Guest implements GuestMachine, Stoppable {
  private stopping: Promise<void> | null = null;
  private exited = false;
  /** QEMU's exit code or signal, once it has exited. */
  exitStatus: string | null = null;
  /** Settles when QEMU exits, whatever the reason. */
  private readonly exit: Promise<void>;
  /** Wall time from starting QEMU to the first SSH connection. */
  bootSeconds = 0;

  private constructor(
    readonly name: string,
    readonly workDir: string,
    readonly port: number,
    private readonly proc: ResultPromise,
    readonly console: ConsoleLog,
    private readonly qmpSocket: string,
    private ssh: SshSession | null,
    private readonly keepConsoleIn: string | undefined,
    private readonly sshKey: SessionKey,
    private readonly hostKey: string,
    private readonly hasVmstate: boolean,
  ) {
    this.exit = proc.then(
      (r) => {
        this.exited = true;
        this.exitStatus = r.signal ?? String(r.exitCode ?? '?');
      },
      () => {
        this.exited = true;
        this.exitStatus ??= 'unknown';
      },
    );
  }

  get pid(): number {
    return this.proc.pid!;
  }

  get alive(): boolean {
    return !this.exited;
  }

  static async boot(opts: BootOptions): Promise<Guest> {
    // A guest booted while the process shuts down would outlive the cleanup that already ran.
    if (interruption.aborted) throw new GuestSetupError('interrupted: no new guest is booted');
    const workDir = await mkdtemp(join(tmpdir(), 'daxh-guest-'));
    try {
      const setup = opts.setup(workDir);
      if (setup.snapshotSafe === false) {
        if (opts.resume) throw new GuestSetupError(`${opts.name}: the machine cannot be snapshotted, so it cannot be resumed from a saved one`);
        opts = { ...opts, snapshots: false };
      }
      const key = opts.resume?.key ?? ephemeralKey();
      const initrd = join(workDir, 'initrd.img');
      await writeInitrd(initrd, opts.image.initramfs, key);
      for (const f of setup.backingFiles) {
        const fh = await open(f.path, 'w');
        await fh.truncate(Number(f.size)); // sparse: costs no disk until the guest writes
        await fh.close();
      }
      // The disk itself is never used: savevm only needs a qcow2 image to hold the machine state. A resumed
      // machine gets its own copy, so its saves never touch the saved one.
      if (opts.resume) await copyFile(opts.resume.vmstate, join(workDir, VMSTATE_FILE));
      else if (opts.snapshots) await execa('qemu-img', ['create', '-q', '-f', 'qcow2', join(workDir, VMSTATE_FILE), '1M']);
      let lastError: unknown;
      for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
        try {
          return await Guest.start(opts, setup, workDir, initrd, key);
        } catch (err) {
          lastError = err;
          if (!(err instanceof PortTakenError)) throw err;
        }
      }
      throw lastError;
    } catch (err) {
      await rm(workDir, { recursive: true, force: true });
      throw err;
    }
  }

  private static async start(opts: BootOptions, setup: GuestSetup, workDir: string, initrd: string, key: SessionKey): Promise<Guest> {
    const port = await freeLoopbackPort();
    const qmpSocket = join(workDir, `qmp-${randomBytes(4).toString('hex')}.sock`);
    const vmstate = opts.snapshots || opts.resume ? { vmstate: join(workDir, VMSTATE_FILE) } : {};
    const args = qemuArgs(setup, { kernel: opts.kernel.bzImage, initrd, qmpSocket, sshPort: port, ...vmstate }, opts.accel, opts.append);
    const t0 = performance.now();
    // setpriv's parent-death signal ends QEMU even if this process is SIGKILLed and no handler runs.
    const loadvm = opts.resume ? ['-loadvm', opts.resume.snapshot] : [];
    const proc = execa('setpriv', ['--pdeathsig', 'KILL', '--', opts.qemu ?? 'qemu-system-x86_64', ...args, ...loadvm], {
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
      buffer: { stdout: false, stderr: true },
      reject: false,
    });
    const consoleLog = new ConsoleLog(join(workDir, 'console.log'), proc.stdout!, opts.resume?.console);
    const guest = new Guest(opts.name, workDir, port, proc, consoleLog, qmpSocket, null, opts.keepConsoleIn, key, opts.image.hostKey, opts.snapshots === true || opts.resume !== undefined);
    track(guest);
    try {
      const timeoutMs = opts.bootTimeoutMs ?? deadlines().bootMs;
      // A resumed machine is already past its marker: it is ready once SSH answers.
      const ready = opts.resume ? guest.reconnect(() => guest.exited) : consoleLog.waitForLine(new RegExp(READY_MARKER));
      ready.catch(() => {});
      const outcome = await Promise.race([
        ready.then(() => 'ready' as const),
        proc.then((r) => ({ exited: r })),
        sleep(timeoutMs).then(() => 'timeout' as const),
      ]);
      if (outcome === 'timeout') throw new BootStalledError(`${opts.name}: ${opts.resume ? 'no SSH answer from the resumed machine' : `no ${READY_MARKER} on the console`} within ${timeoutMs / 1000} s`, consoleLog.tail());
      if (outcome !== 'ready') {
        const stderr = String(outcome.exited.stderr ?? '');
        if (/Could not set up host forwarding rule/.test(stderr)) throw new PortTakenError();
        throw new BootError(`${opts.name}: QEMU exited (${outcome.exited.exitCode ?? outcome.exited.signal}) before the guest was ready: ${stderr.trim() || 'no message'}`, consoleLog.tail());
      }
      if (!opts.resume) await guest.reconnect();
      guest.bootSeconds = (performance.now() - t0) / 1000;
      return guest;
    } catch (err) {
      await guest.stop();
      throw err;
    }
  }

  private gone(): QemuExitedError {
    return new QemuExitedError(`QEMU of ${this.name} exited (${this.exitStatus ?? 'status unknown'})`, this.exitStatus ?? 'unknown', this.console.tail(40));
  }

  /**
   * Runs a shell command in the guest. Past its deadline the guest is hung (GuestHangError); if QEMU exits
   * meanwhile the command fails at once with QemuExitedError instead of waiting out the deadline.
   */
  async exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    return this.unlessGone(this.session().exec(command, { timeoutMs: opts.timeoutMs ?? 60_000, ...(opts.input !== undefined ? { input: opts.input } : {}) }));
  }

  /**
   * `command` kept running on a channel of its own, answering one line per request (SshSession.stream),
   * with exec's account of a QEMU that exits meanwhile. The channel ends with the SSH session it runs on:
   * `sessionEpoch` tells a holder when that happened (a snapshot operation reconnects).
   */
  async stream(command: string): Promise<RequestChannel> {
    const ch = await this.unlessGone(this.session().stream(command));
    const guest = this;
    return {
      get open() {
        return ch.open;
      },
      request: (input, timeoutMs) => guest.unlessGone(ch.request(input, timeoutMs)),
      close: () => ch.close(),
    };
  }

  /** Bumped at every new SSH session. */
  sessionEpoch = 0;

  private session(): SshSession {
    if (this.exited) throw this.gone();
    if (!this.ssh) throw new SshDroppedError(`${this.name} has no SSH session (a snapshot operation failed to reconnect)`);
    return this.ssh;
  }

  /** `work`, unless QEMU exits first: then QemuExitedError with the console tail. */
  private async unlessGone<T>(work: Promise<T>): Promise<T> {
    const died = this.exit.then(() => Promise.reject(this.gone()));
    work.catch(() => {});
    died.catch(() => {});
    try {
      return await Promise.race([work, died]);
    } catch (err) {
      // The connection drops a moment before QEMU is reaped: the exit is the real story.
      if (!(err instanceof QemuExitedError) && (await Promise.race([this.exit.then(() => true), sleep(500).then(() => false)]))) throw this.gone();
      throw err;
    }
  }

  /** Like exec, but a non-zero exit is an error that carries the command and its output. */
  async run(command: string, opts: ExecOptions = {}): Promise<string> {
    const r = await this.exec(command, opts);
    if (r.code !== 0) throw new Error(`\`${command}\` exited ${r.code ?? r.signal}: ${(r.stderr || r.stdout).trim()}`);
    return r.stdout;
  }

  /**
   * Saves the whole machine (guest RAM, devices, QEMU state) as `name`. The SSH session is closed first and
   * opened again after: a snapshot holding a live session would come back with a connection the host
   * no longer has.
   */
  async saveSnapshot(name: string): Promise<void> {
    await this.withoutSession(`savevm ${name}`);
  }

  /** Puts the machine back exactly as saved, whatever state the guest is in (hung included). */
  async loadSnapshot(name: string): Promise<void> {
    await this.withoutSession(`loadvm ${name}`);
  }

  private async withoutSession(hmpCommand: string): Promise<void> {
    if (!this.hasVmstate) throw new Error(`${this.name} was booted without snapshots`);
    if (this.exited) throw this.gone();
    this.ssh?.close();
    this.ssh = null;
    // savevm of a 2-6 GiB guest takes well under 5 s here; a minute means QEMU is wedged.
    const out = await this.qmp((c) => c.hmp(hmpCommand, deadlines().snapshotMs));
    await this.reconnect();
    // HMP reports failure only as text (e.g. "Error: Device 'x' does not support vmstate").
    if (/error/i.test(out)) throw new Error(`${this.name}: ${hmpCommand}: ${out.trim()}`);
  }

  private async reconnect(gaveUp: () => boolean = () => false): Promise<void> {
    this.ssh = await connectWithRetry(this.port, this.sshKey, this.hostKey, this.console, gaveUp);
    this.sessionEpoch++;
  }

  /** What a later QEMU needs to resume this machine from a snapshot saved now: the drive and the session key. */
  get saveFiles(): { vmstate: string; key: SessionKey } {
    if (!this.hasVmstate) throw new Error(`${this.name} was booted without snapshots`);
    return { vmstate: join(this.workDir, VMSTATE_FILE), key: this.sshKey };
  }

  /** `command` (null: a shell) with this process's stdin, stdout and stderr; resolves with its exit status. */
  async attach(command: string | null): Promise<number> {
    if (this.exited) throw this.gone();
    if (!this.ssh) throw new SshDroppedError(`${this.name} has no SSH session`);
    return this.ssh.attach(command, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
  }

  async qmp<T>(fn: (c: QmpClient) => Promise<T>, connectTimeoutMs = 5000): Promise<T> {
    const client = await QmpClient.connect(this.qmpSocket, connectTimeoutMs);
    try {
      return await fn(client);
    } finally {
      client.close();
    }
  }

  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  killNow(): void {
    if (!this.exited) this.proc.kill('SIGKILL');
    rmSync(this.workDir, { recursive: true, force: true });
  }

  /**
   * poweroff, then QMP quit, then SIGTERM, then SIGKILL, each with a bounded wait: a hung or stopped QEMU
   * (SIGSTOP) answers none of the polite ones, and SIGKILL ends even a stopped process.
   */
  private async doStop(): Promise<void> {
    if (!this.exited && this.ssh?.connected) {
      // The channel never closes on a powered-off guest: send the command and watch the process instead.
      void this.ssh.exec('poweroff -f', { timeoutMs: 3000 }).catch(() => {});
      await this.waitExit(3000);
    }
    if (!this.exited) {
      await this.qmp((c) => c.command('quit', undefined, 1000), 1000).catch(() => {});
      await this.waitExit(2000);
    }
    if (!this.exited) {
      this.proc.kill('SIGTERM');
      await this.waitExit(2000);
    }
    if (!this.exited) {
      this.proc.kill('SIGKILL');
      await this.waitExit(5000);
    }
    this.ssh?.close();
    await this.console.close();
    if (this.keepConsoleIn) {
      await mkdir(this.keepConsoleIn, { recursive: true })
        .then(() => copyFile(this.console.path, join(this.keepConsoleIn!, `${this.name}.console.log`)))
        .catch(() => {});
    }
    await rm(this.workDir, { recursive: true, force: true });
    untrack(this);
  }

  private async waitExit(ms: number): Promise<void> {
    await Promise.race([this.exit, sleep(ms)]);
  }
}

class PortTakenError extends Error {}


/** The per-guest initrd: a small overlay carrying this run's authorized key, then the cached image. */
async function writeInitrd(path: string, image: string, key: SessionKey): Promise<void> {
  const overlay = newcArchive([
    { name: 'root', mode: S_IFDIR | 0o700 },
    { name: 'root/.ssh', mode: S_IFDIR | 0o700 },
    { name: 'root/.ssh/authorized_keys', mode: S_IFREG | 0o600, data: Buffer.from(key.authorizedKey) },
  ]);
  const out = createWriteStream(path);
  out.write(overlay);
  await pipeline(createReadStream(image), out);
}

/** dropbear is started just before the marker; the first connection can still race it by a few ms. */
async function connectWithRetry(port: number, key: SessionKey, hostKey: string, consoleLog: ConsoleLog, gaveUp: () => boolean): Promise<SshSession> {
  const deadline = performance.now() + 20_000;
  for (;;) {
    try {
      return await SshSession.connect({ port, key, hostKey, timeoutMs: 5000 });
    } catch (err) {
      if (performance.now() > deadline || gaveUp()) throw new BootError(`SSH to 127.0.0.1:${port} failed: ${(err as Error).message}`, consoleLog.tail());
      await sleep(100);
    }
  }
}

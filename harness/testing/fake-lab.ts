// A lab without QEMU, for unit tests of the checker, the runner and repro: the "kernel" is the reference
// model itself, driven through the same StepDriver and GuestMachine interfaces the real guest implements.
// Hooks make it misbehave the ways a real kernel or guest can: a wrong result, a wrong state, a kernel log
// line, a hang, a dropped connection, a QEMU that dies.
import type { LabDriver, StepOutcome } from '../driver/step-driver.ts';
import { GuestHangError, QemuExitedError, SshDroppedError } from '../guest/errors.ts';
import type { ConsoleView } from '../guest/console-log.ts';
import type { GuestMachine } from '../guest/machine.ts';
import type { ExecResult } from '../guest/ssh.ts';
import type { Capabilities } from '../lab/capabilities.ts';
import type { Inventory } from '../lab/inventory.ts';
import type { ProvisionOutcome } from '../lab/provision.ts';
import type { LabGuest } from '../lab/session.ts';
import { apply, initState, mmapResult, observe, toleratedFailures, type ModelInventory, type ToleratedFailure } from '../model/index.ts';
import type { Observation } from '../model/observation.ts';
import { fail, type Op, type OpResult } from '../model/ops.ts';
import { profileFor } from '../model/profiles.ts';
import type { State } from '../model/state.ts';
import type { Alternative } from '../model/step.ts';
import { MiB, R612, inventoryFor, type MachineFacts, type RegionSpec } from '../model/testing/fixtures.ts';
import { CAPABILITIES, isBuildFeature, moduleOf, type Capability } from '../abi/capabilities.ts';
import { parseCapabilities } from '../lab/capabilities.ts';

export interface FakeHooks {
  /** The result the kernel gives instead of the model's, for this operation (undefined: the model's). */
  result?: (op: Op, modelled: OpResult) => OpResult | undefined;
  /** What the observer sees instead of the true state after a step. */
  observation?: (obs: Observation) => Observation;
  /** Kernel log lines this operation prints (they reach the step's log and the console). */
  log?: (op: Op) => string[];
  /** Lines that reach the console only (a crash that kills the helper before its log is read). */
  console?: (op: Op) => string[];
  /** The operation never returns. */
  hang?: (op: Op) => boolean;
  /** The SSH connection drops under the operation. */
  drop?: (op: Op) => boolean;
  /** QEMU dies under the operation. */
  die?: (op: Op) => boolean;
  /** Which of the model's alternative outcomes the kernel takes (undefined: the first prediction). */
  branch?: (op: Op, alternatives: readonly Alternative[]) => Alternative | undefined;
  /** Lines this op puts in /dev/kmsg only: debug messages below the console's loglevel. */
  kmsg?: (op: Op) => string[];
  /** What `dmesg` prints in the guest (the whole kernel log, at every level). */
  dmesg?: () => string;
  /** The serial order a batch run together takes inside the fake kernel (default: last first). */
  order?: (ops: readonly Op[]) => number[];
  /**
   * How many slab allocations this write makes (default 0): a write whose failNth is at most that fails
   * with ENOMEM and changes nothing, unless `failedLeaves` gives what this one leaves instead (from the
   * state before and the state the write would have reached).
   */
  allocations?: (op: Op) => number;
  failedLeaves?: (op: Op, before: State, after: State) => State | undefined;
  /**
   * The write leaves the first state of this kind that toleratedFailures lists (a block without its node
   * link, onlining stopped); an injected write that does so succeeds, as the kernel lets that failure pass.
   */
  tolerates?: (op: Op) => ToleratedFailure['id'] | undefined;
}

export interface FakeSpec {
  regions: RegionSpec[];
  machine?: MachineFacts;
  hooks?: FakeHooks;
  /** Capabilities the fake kernel lacks. */
  lacks?: Capability[];
  /** Edits the inventory both the fake kernel and the model start from (a state they would both get wrong). */
  inventory?: (inv: ModelInventory) => ModelInventory;
  /** What provisioning did, as a real boot reports it. */
  provisioning?: ProvisionOutcome[];
  /** The guest comes resumed from a saved machine, holding a snapshot of its provisioned state. */
  resumed?: boolean;
}


class FakeConsole implements ConsoleView {
  readonly lines: string[] = [];
  mark(): number {
    return this.lines.length;
  }
  linesSince(mark: number): string[] {
    return this.lines.slice(mark);
  }
  tail(n = 30): string {
    return this.lines.slice(-n).join('\n');
  }
}

/** The fake kernel and machine in one: a model state behind the driver and machine interfaces. */
export class FakeGuest implements LabDriver, GuestMachine {
  readonly console = new FakeConsole();
  alive = true;
  readonly pid = null;
  state: State;
  /** Operations the kernel ran, in order (including resets). */
  readonly ran: Op[] = [];
  private seq = 0;
  private logSeq = -1;
  private readonly snapshots = new Map<string, { state: State; seq: number }>();
  stops = 0;

  constructor(readonly name: string, initial: State, private readonly hooks: FakeHooks) {
    this.state = initial;
  }

  get logPosition(): number {
    return this.logSeq;
  }

  rewindLog(position: number): void {
    this.logSeq = position;
  }

  private observation(): Observation {
    const obs = observe(this.state);
    return this.hooks.observation ? this.hooks.observation(obs) : obs;
  }

  async step(ops: readonly Op[]): Promise<StepOutcome> {
    return this.runOps(ops, ops.map((_, i) => i));
  }

  /** A linearizable fake kernel: the racing operations take effect one at a time, in the hook's order. */
  async together(ops: readonly Op[]): Promise<StepOutcome> {
    return this.runOps(ops, this.hooks.order?.(ops) ?? ops.map((_, i) => ops.length - 1 - i));
  }

  private async runOps(ops: readonly Op[], order: readonly number[]): Promise<StepOutcome> {
    if (!this.alive) throw new QemuExitedError(`QEMU of ${this.name} exited (9)`, '9', this.console.tail());
    const results: OpResult[] = new Array(ops.length);
    const injected: (boolean | undefined)[] = ops.map((op) => (op.op === 'write' && op.failNth !== undefined ? op.failNth <= (this.hooks.allocations?.(op) ?? 0) : undefined));
    const kernelLog: StepOutcome['kernelLog'] = [];
    for (const i of order) {
      const op = ops[i]!;
      this.console.lines.push(...(this.hooks.console?.(op) ?? []));
      if (this.hooks.die?.(op)) {
        this.alive = false;
        throw new QemuExitedError(`QEMU of ${this.name} exited (9)`, '9', this.console.tail());
      }
      if (this.hooks.hang?.(op)) throw new GuestHangError(`no answer to \`daxh-helper\` within 120000 ms`, 120_000);
      if (this.hooks.drop?.(op)) throw new SshDroppedError('SSH connection to the guest dropped (closed)');
      this.ran.push(op);
      const step = apply(this.state, op);
      const branch = step.alternatives && this.hooks.branch?.(op, step.alternatives);
      const kind = this.hooks.tolerates?.(op);
      const tolerated = kind && { result: step.result, next: toleratedFailures(this.state, step.next).find((t) => t.id === kind)?.next ?? step.next };
      const failed = injected[i] && !tolerated ? { result: fail('ENOMEM'), next: this.hooks.failedLeaves?.(op, this.state, step.next) ?? this.state } : undefined;
      const outcome = failed ?? tolerated ?? (branch ? { result: branch.result, next: branch.next } : step);
      const lines = [...(step.kernelWarning && !branch ? [`WARNING: CPU: 0 PID: 1 at drivers/dax/bus.c:854 ${step.kernelWarning}`] : []), ...(this.hooks.log?.(op) ?? [])];
      for (const msg of lines) {
        kernelLog.push({ seq: ++this.seq, level: 4, msg });
        this.console.lines.push(`[    1.000000] ${msg}`);
      }
      for (const msg of this.hooks.kmsg?.(op) ?? []) kernelLog.push({ seq: ++this.seq, level: 7, msg });
      results[i] = this.hooks.result?.(op, outcome.result) ?? outcome.result;
      this.state = outcome.next;
    }
    const fresh = kernelLog.filter((l) => l.seq > this.logSeq);
    this.logSeq = this.seq;
    return { results, injected, observation: this.observation(), kernelLog: fresh };
  }

  async observe(): Promise<Observation> {
    return (await this.step([])).observation;
  }

  /** The fake kernel maps its nodes as the model says. */
  async mmap(device: string, length: bigint): Promise<StepOutcome> {
    const quiet = await this.step([]);
    return { ...quiet, results: [mmapResult(this.state, device, length)] };
  }

  async exec(command: string): Promise<ExecResult> {
    if (this.hooks.dmesg && /\bdmesg\b/.test(command)) return { stdout: this.hooks.dmesg(), stderr: '', code: 0 };
    throw new Error('the fake guest runs no shell commands');
  }

  async run(): Promise<string> {
    throw new Error('the fake guest runs no shell commands');
  }

  async attach(): Promise<number> {
    throw new Error('the fake guest has no terminal');
  }

  async saveSnapshot(name: string): Promise<void> {
    this.snapshots.set(name, { state: this.state, seq: this.seq });
  }

  async loadSnapshot(name: string): Promise<void> {
    const s = this.snapshots.get(name);
    if (!s) throw new Error(`no snapshot ${name}`);
    this.state = s.state;
    this.seq = s.seq;
  }

  async stop(): Promise<void> {
    this.stops++;
    this.alive = false;
  }
}

/** The fake guest as a LabGuest: its inventory is the model's observation at boot, like a real one's. */
export function fakeLab(spec: FakeSpec, name = 'fake'): LabGuest & { fake: FakeGuest } {
  const m = spec.machine ?? {};
  const release = m.release ?? R612;
  const model = (spec.inventory ?? ((x) => x))(inventoryFor(spec.regions, m));
  const blockSize = m.blockSize ?? 128n * MiB;
  const profile = profileFor(release, { memmapOnMemoryParam: m.memmapOnMemoryParam ?? 'N', blockSize, autoOnline: m.autoOnline ?? 'online', ...(m.memoryHotremove === undefined ? {} : { memoryHotremove: m.memoryHotremove }) });
  const fake = new FakeGuest(name, initState(model, profile), spec.hooks ?? {});
  const observation = observe(fake.state);
  const lacks = new Set(spec.lacks ?? []);
  // The fake kernel has every module and build option; what its ABI lacks, and what the test takes away, it lacks.
  const probe = [`release=${release}`, ...CAPABILITIES.flatMap((c) => (moduleOf(c) ? [`mod_${moduleOf(c)}=1`] : isBuildFeature(c) ? [`build_${c}=1`] : []))].join('\n');
  const real = parseCapabilities(probe, profile.abi);
  const caps: Capabilities = {
    has: new Set([...real.has].filter((c) => !lacks.has(c))),
    why: (c) => (lacks.has(c) ? `the fake kernel lacks ${c}` : real.why(c)),
    release,
    mhpMemmapOnMemory: m.memmapOnMemoryParam ?? 'N',
  };
  const inventory: Inventory = {
    release,
    regions: model.regions.map((r) => ({ ...r, size: r.end - r.start + 1n })),
    devices: observation.devices,
    observation,
    blockSize,
    autoOnline: m.autoOnline ?? 'online',
    bootBlocks: new Set(),
    mhpMemmapOnMemory: caps.mhpMemmapOnMemory,
    zoneSpans: (m.bootZoneSpans ?? []).map((z) => ({ ...z })),
    driverOrder: m.driverOrder ?? ['device_dax', 'kmem'],
    abi: {},
    cxl: { endpoints: [], regions: [] },
  };
  const lab = { guest: fake, driver: fake, plan: null, caps, provisioning: spec.provisioning ?? [], inventory, fake };
  if (!spec.resumed) return { ...lab, origin: 'booted' };
  void fake.saveSnapshot('saved');
  return { ...lab, origin: 'resumed', provisioned: { snapshot: 'saved', logPosition: fake.logPosition } };
}

/** A boot function for the runner that makes fake guests, and remembers every one it made. */
export function fakeBooter(spec: FakeSpec | ((boot: number) => FakeSpec)) {
  const made: (LabGuest & { fake: FakeGuest })[] = [];
  const boot = async (_topology: string, name: string) => {
    const lab = fakeLab(typeof spec === 'function' ? spec(made.length + 1) : spec, name);
    made.push(lab);
    return lab;
  };
  return { boot, made };
}

// Runs typed operations in a real guest through the guest helper: a whole step (its writes, the
// observation after them, and the kernel log since the last step) is one batch on the helper's kept channel.
import { deadlines } from '../guest/deadlines.ts';
import type { Guest } from '../guest/guest.ts';
import { HELPER_GUEST_PATH } from '../../images/guest-helper.ts';
import type { Observation } from '../model/observation.ts';
import type { Op } from '../model/ops.ts';
import type { LabDriver, StepOutcome } from './step-driver.ts';
import { devNodePath } from './sysfs-path.ts';
import { decodeBatch, encodeBatch, opToRequest, resultToOpResult, toObservation, toRawInventoryFacts, type InventoryFacts, type RawObservation, type WireRequest, type WireResult } from './wire.ts';
import { ChannelEndedError, type RequestChannel } from '../guest/ssh.ts';

/** The guest helper ran but failed (a malformed batch, a crash of the helper itself). */
export class HelperError extends Error {}

export class GuestDriver implements LabDriver {
  private kmsgSeq = -1;
  private bootBlocks: ReadonlySet<number> = new Set();

  private constructor(readonly guest: Guest) {}

  /**
   * Call before provisioning: memory blocks present now are boot RAM, and every later observation leaves
   * them out. The kernel log is skipped up to now.
   */
  static async attach(guest: Guest): Promise<GuestDriver> {
    const driver = new GuestDriver(guest);
    driver.bootBlocks = toRawInventoryFacts(await driver.rawObserve()).bootBlocks;
    return driver;
  }

  /** The driver of a guest resumed from a saved machine, as it stood when that machine was saved. */
  static resume(guest: Guest, saved: { bootBlocks: readonly number[]; logPosition: number }): GuestDriver {
    const driver = new GuestDriver(guest);
    driver.bootBlocks = new Set(saved.bootBlocks);
    driver.kmsgSeq = saved.logPosition;
    return driver;
  }

  /** What a later resume of a machine saved now needs (GuestDriver.resume). */
  get savedState(): { bootBlocks: number[]; logPosition: number } {
    return { bootBlocks: [...this.bootBlocks], logPosition: this.kmsgSeq };
  }

  /** Where the kernel log stands now. A machine snapshot taken now comes back with its log at this point. */
  get logPosition(): number {
    return this.kmsgSeq;
  }

  /** After the guest went back to a snapshot: its kernel log went back too, to where it stood then. */
  rewindLog(position: number): void {
    this.kmsgSeq = position;
  }

  /** The observation and the machine facts (block size, online policy, the whole /proc/iomem), in one round trip. */
  async snapshot(): Promise<{ observation: Observation; facts: InventoryFacts }> {
    const raw = await this.rawObserve();
    return { observation: toObservation(raw, { bootBlocks: this.bootBlocks }), facts: { ...toRawInventoryFacts(raw), bootBlocks: this.bootBlocks } };
  }

  private async rawObserve(): Promise<RawObservation> {
    const [observed, kmsg] = await this.batch([{ kind: 'observe' }, { kind: 'kmsg', after: this.kmsgSeq }]);
    if (observed?.kind !== 'observe' || kmsg?.kind !== 'kmsg') throw new Error('guest helper: batch answer out of order');
    this.kmsgSeq = kmsg.last;
    return observed.raw;
  }

  /** Runs `ops` in order, then observes. The kernel log covers exactly this step. */
  step(ops: readonly Op[]): Promise<StepOutcome> {
    return this.run(this.requests(ops), ops.length);
  }

  /** Runs `ops` at once from one barrier in the guest (the helper's P request), then observes. */
  together(ops: readonly Op[]): Promise<StepOutcome> {
    return this.run([{ kind: 'together', count: ops.length }, ...this.requests(ops)], ops.length);
  }

  /**
   * An offlining write that still retries after a quarter of the step deadline is signalled: the step then
   * answers EINTR well inside its deadline, so the write's own result decides, not a harness timeout.
   */
  private requests(ops: readonly Op[]): WireRequest[] {
    const patienceMs = Math.round(deadlines().stepMs / 4);
    return ops.map((op) => opToRequest(op, patienceMs));
  }

  private async run(opRequests: WireRequest[], count: number): Promise<StepOutcome> {
    const results = await this.batch([...opRequests, { kind: 'observe' }, { kind: 'kmsg', after: this.kmsgSeq }]);
    const [observed, kmsg] = results.slice(-2);
    if (!observed || observed.kind !== 'observe' || !kmsg || kmsg.kind !== 'kmsg') throw new Error('guest helper: batch answer out of order');
    this.kmsgSeq = kmsg.last;
    const answers = results.slice(opRequests.length - count, opRequests.length);
    return {
      results: answers.map(resultToOpResult),
      injected: answers.map((a) => (a.kind === 'write' ? a.injected : undefined)),
      observation: toObservation(observed.raw, { bootBlocks: this.bootBlocks }),
      kernelLog: kmsg.records,
    };
  }

  async observe(): Promise<Observation> {
    return (await this.step([])).observation;
  }

  mmap(device: string, length: bigint): Promise<StepOutcome> {
    return this.run([{ kind: 'mmap', path: devNodePath(device), length }], 1);
  }

  /**
   * One batch on the kept helper channel: one write and one line back, no SSH channel to open and no
   * process to start (an observation took 17 ms as its own exec here, 8 ms on the channel). A channel that timed
   * out, ended, or belongs to an SSH session a snapshot operation replaced is dropped and the next batch
   * starts a new helper. Batches queue: the channel answers one at a time.
   */
  private batch(requests: WireRequest[]): Promise<WireResult[]> {
    const input = encodeBatch(requests);
    const run = async () => {
      const channel = await this.helperChannel();
      try {
        return decodeBatch(await channel.request(`${Buffer.byteLength(input)}\n${input}`, deadlines().stepMs), requests);
      } catch (err) {
        this.channel = null;
        channel.close();
        if (err instanceof ChannelEndedError) throw new HelperError(`guest helper ${err.message}`);
        throw err;
      }
    };
    const answer = this.queue.then(run, run);
    this.queue = answer.catch(() => {});
    return answer;
  }

  private channel: { of: RequestChannel; epoch: number } | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  private async helperChannel(): Promise<RequestChannel> {
    if (this.channel?.of.open && this.channel.epoch === this.guest.sessionEpoch) return this.channel.of;
    this.channel?.of.close();
    const epoch = this.guest.sessionEpoch;
    const of = await this.guest.stream(`${HELPER_GUEST_PATH} serve`);
    this.channel = { of, epoch };
    return of;
  }
}

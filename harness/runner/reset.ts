// Between cases: back to the provisioned state through sysfs (one batch), then proven by observing that the
// state equals the boot inventory. Anything the undo cannot reach (leaked hot-plugged memory, say) makes
// the proof fail, and the runner reboots instead.
import { diff } from '../compare/diff.ts';
import type { LabGuest } from '../lab/session.ts';
import { blocksOfDevice, type Observation, type ObservedDevice } from '../model/observation.ts';
import { opsOf, type Action, type DaxDriver, type Op } from '../model/ops.ts';

const w = (ref: Op['ref'], value: string): Op => ({ op: 'write', ref, value });

function unbind(obs: Observation, dev: ObservedDevice, blockSize: bigint): Op[] {
  if (!dev.driver) return [];
  const offline = dev.driver === 'kmem' ? blocksOfDevice(obs, dev, blockSize).map((i) => w({ kind: 'memblock', index: i, attr: 'state' }, 'offline')) : [];
  return [...offline, w({ kind: 'driver', driver: dev.driver, attr: 'unbind' }, dev.name)];
}

/** A driver's new_id entry a case wrote (every driver's: fsdev_dax matches by nothing else). */
export interface NewId {
  driver: DaxDriver;
  name: string;
}

/** The new_id entries `ops` wrote, each once, per driver. Pure. */
export function newIdsOf(ops: readonly Op[]): NewId[] {
  const seen = new Map<string, NewId>();
  for (const o of ops) if (o.op === 'write' && o.ref.kind === 'driver' && o.ref.attr === 'new_id') seen.set(`${o.ref.driver} ${o.value}`, { driver: o.ref.driver, name: o.value });
  return [...seen.values()];
}

/** The undo, computed from the difference between now and the boot state. Pure. */
export function undoOps(now: Observation, boot: Observation, blockSize: bigint, newIds: readonly NewId[], autoOnline: string): Op[] {
  const ops: Op[] = [w({ kind: 'memory', attr: 'auto_online_blocks' }, autoOnline), w({ kind: 'bus', attr: 'drivers_autoprobe' }, '1')];
  for (const { driver, name } of newIds) ops.push(w({ kind: 'driver', driver, attr: 'remove_id' }, name));
  const bootByName = new Map(boot.devices.map((d) => [d.name, d]));
  const created = now.devices.filter((d) => !bootByName.has(d.name));
  const changed = now.devices.filter((d) => bootByName.has(d.name) && diff(bootByName.get(d.name), d).length > 0);
  for (const d of [...created, ...changed]) ops.push(...unbind(now, d, blockSize));
  for (const d of created) {
    ops.push(w({ kind: 'device', device: d.name, attr: 'size' }, '0'));
    ops.push(w({ kind: 'region', host: d.host, attr: 'delete' }, d.name));
  }
  const resized = changed.filter((d) => diff(bootByName.get(d.name)!.mappings, d.mappings).length > 0);
  for (const d of resized) ops.push(w({ kind: 'device', device: d.name, attr: 'size' }, '0'));
  for (const d of changed) {
    const b = bootByName.get(d.name)!;
    if (b.align !== d.align) ops.push(w({ kind: 'device', device: d.name, attr: 'align' }, String(b.align)));
    if (b.memmapOnMemory !== null && b.memmapOnMemory !== d.memmapOnMemory) ops.push(w({ kind: 'device', device: d.name, attr: 'memmap_on_memory' }, b.memmapOnMemory ? '1' : '0'));
  }
  for (const d of resized) ops.push(w({ kind: 'device', device: d.name, attr: 'size' }, String(bootByName.get(d.name)!.size)));
  for (const d of changed) {
    const b = bootByName.get(d.name)!;
    if (b.driver) ops.push(w({ kind: 'driver', driver: b.driver, attr: 'bind' }, d.name));
  }
  // Blocks a case offlined, or moved to another zone, under a kmem binding it left in place: onlined back
  // into their boot zone. Without this a sequence that only offlined a block cost a renewal.
  const bootBlocks = new Map(boot.memoryBlocks.map((b) => [b.index, b]));
  const kept = now.devices.filter((d) => bootByName.has(d.name) && !changed.includes(d));
  for (const index of kept.flatMap((d) => blocksOfDevice(now, d, blockSize))) {
    const at = now.memoryBlocks.find((b) => b.index === index)!;
    const was = bootBlocks.get(index);
    if (was?.state !== 'online' || (at.state === 'online' && at.zone === was.zone)) continue;
    if (at.state === 'online') ops.push(w({ kind: 'memblock', index, attr: 'state' }, 'offline'));
    ops.push(w({ kind: 'memblock', index, attr: 'state' }, was.zone === 'Movable' ? 'online_movable' : 'online_kernel'));
  }
  return ops;
}

/** The proof every way back to the provisioned state ends with: the observed state is the boot inventory's. */
export function matchesInventory(lab: LabGuest, now: Observation): boolean {
  return diff(lab.inventory.observation, now).length === 0;
}

/** `history`: the case's operations; new_id entries and the online policy are not observable, so they come from it. */
export async function resetGuest(lab: LabGuest, history: readonly Action[]): Promise<boolean> {
  const ops = history.flatMap(opsOf);
  const newIds = newIdsOf(ops);
  const policyTouched = ops.some((o) => o.op === 'write' && (o.ref.kind === 'memory' || (o.ref.kind === 'bus' && o.ref.attr === 'drivers_autoprobe')));
  const now = await lab.driver.observe();
  if (matchesInventory(lab, now) && newIds.length === 0 && !policyTouched) return true;
  const after = (await lab.driver.step(undoOps(now, lab.inventory.observation, lab.inventory.blockSize, newIds, lab.inventory.autoOnline))).observation;
  return matchesInventory(lab, after);
}

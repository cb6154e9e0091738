// Kernel bugs the model deliberately does not reproduce. The model predicts the intended behaviour; when a
// kernel in the listed release range shows the buggy result instead, the checker records a known divergence
// rather than a failure. Anything not listed here is modelled as the kernel actually behaves.
//
// Intended behaviour is taken from what establishes it: the ABI documents, a sibling attribute, upstream
// review, a fix in a sibling driver. Where nothing does, the model follows the kernel.
import { allocAligned, lowestFreeId } from './allocator.ts';
import { apply } from './apply.ts';
import { type KernelBug, withBugs } from './bugs.ts';
import { probedAndRemoved } from './drivers.ts';
import { type Op, type OpResult, fail, resultsAgree } from './ops.ts';
import { compareReleases } from './profiles.ts';
import { kstrtoull } from './parse.ts';
import { type State, deviceSize, putDevice } from './state.ts';

export interface KnownRow {
  id: string;
  /** A report's subject, with the subsystem prefix its maintainers use (`dax/bus:`, `device-dax:`, `mm/vmalloc:`). */
  subject: string;
  /** The functions that explain it; reports quote them from a source tree of an affected release. */
  source: readonly { file: string; function: string }[];
  /** A regression: since when, and what the kernel did before (regzbot tracks these). */
  regression?: { since: string; before: string };
  /** Releases showing the bug: `from` inclusive, `to` (first fixed release) exclusive; open-ended without. */
  kernels: { from: string; to?: string };
  /** Where a real guest showed it (and where it did not), so a reader knows what the range rests on. */
  measured: string;
  reason: string;
  /**
   * How the bug came: the upstream commit where that is established (a Fixes: tag a maintainer can trust),
   * and always how it was established. No commit where nobody has shown one.
   */
  cause?: { commit?: string; subject?: string; how: string };
  /**
   * Why one replay of its recipe that agrees with the model does not show the bug fixed (a race it may not
   * hit, a trigger no sysfs operation in a recipe holds); its repro.sh decides instead.
   */
  replayMayMiss?: string;
}

/**
 * A bug the model can act out (bugs.ts): the kernels in range answer as the model does with the switch on,
 * and reach the state it reaches. Any operation where that answer differs from the intended one is an
 * instance of the bug.
 */
export interface SimulatedDivergence extends KnownRow {
  simulates: KernelBug;
}

/** A bug only a race shows, which the serial model cannot act out: matched by the states around it. */
export interface RacedDivergence extends KnownRow {
  /**
   * Whether `op` on `stateBefore` is an instance of the bug. `raceStart`: the state when the racing
   * operations all began (a bug only a race can show matches only with it).
   */
  matches(op: Op, stateBefore: State, raceStart?: State): boolean;
  /** The affected kernel prints a WARNING or stack dump on this path. */
  kernelWarning?: string;
  actualOnKernel: OpResult;
  /** What should happen, in words: a race has no single expected answer for a report to quote. */
  intended: string;
  /** The state the affected kernel reaches, when it differs from the model's prediction. */
  actualNext?: (before: State, op: Op, raceStart?: State) => State;
}

export type KnownDivergence = SimulatedDivergence | RacedDivergence;

const C05AE9D85B47 = { commit: 'c05ae9d85b47', subject: 'dax/bus.c: replace driver-core lock usage by a local rwsem' };
const SIX_F6544F27E41 = { commit: '6f6544f27e41', subject: 'dax/bus.c: fix locking for unregister_dax_dev / unregister_dax_mapping paths' };

// Why a replay may miss a row (KnownRow.replayMayMiss), for the rows that share a reason.
const A_RACE = 'only a race shows it, and one replay may not hit the race';
const KOBJECT_RELEASE_DELAY = 'it needs DEBUG_KOBJECT_RELEASE to delay a release past the next bind, by a random 1 to 4 s';

// A bug with two faces has two rows (a divergence and a report, or two reports): what they share, once.
const CREATE_TAKES_ID = {
  id: 'create-takes-id-of-racing-delete',
  replayMayMiss: A_RACE,
  subject: 'dax/bus: create racing delete reuses the freed id while the old device is registered (EEXIST, sysfs duplicate)',
  source: [{ file: 'drivers/dax/bus.c', function: 'delete_store' }, { file: 'drivers/dax/bus.c', function: 'create_store' }],
  regression: { since: '6.9.3', before: 'create and delete serialised (6.1.192, 6.9.0)' },
  kernels: { from: '6.9.3' },
};
const RELEASING_CDEV = {
  id: 'dev-dax-probe-wipes-releasing-cdev',
  replayMayMiss: KOBJECT_RELEASE_DELAY,
  subject: "device-dax: rebinding within a cdev's delayed release wipes its queued timer",
  source: [{ file: 'drivers/dax/device.c', function: 'dev_dax_probe' }, { file: 'fs/char_dev.c', function: 'cdev_init' }],
  kernels: { from: '6.1' },
};

export const KNOWN_DIVERGENCES: readonly KnownDivergence[] = [
  {
    id: 'mapping-misaligned-length-succeeds',
    subject: 'dax/bus: mapping_store() returns success for a misaligned length and allocates nothing',
    source: [{ file: 'drivers/dax/bus.c', function: 'mapping_store' }],
    regression: { since: '6.9', before: 'ENXIO (6.1.192)' },
    kernels: { from: '6.9' },
    measured: 'shown by Debian 6.12.117, 6.16.12, 6.17.13, 6.18.15, 6.19.14, 7.0.13, 7.1.13, 7.2.12 and 7.3.4; not by 6.1.192 (ENXIO) (daxh matrix, 2026-12-02); its repro.sh reproduces on 6.12.117 and 7.3.4 and not on 6.1.192 (2026-12-07)',
    simulates: 'mapping-misaligned-length-succeeds',
    reason:
      'mapping_store: c05ae9d85b47 (v6.9) overwrote `rc = -ENXIO` with the rwsem result, so a length that is ' +
      'not a multiple of max(align, 2 MiB) skips alloc_dev_dax_range and returns the byte count with nothing ' +
      'allocated; 6.1 returns ENXIO. "dax: remove redundant assignment to variable rc" (2024-04) then deleted ' +
      'the dead store instead of restoring it',
    cause: { ...C05AE9D85B47, how: 'by source reading: the v7 patch on the nvdimm list (2024-01-25) adds `rc = down_write_killable(…)` after `rc = -ENXIO`; 6.1.192 returns ENXIO, every Debian kernel from 6.12 succeeds (replayed)' },
  },
  {
    id: 'mapping-on-bound-device',
    subject: 'dax/bus: mapping_store() grows a device while a driver is bound',
    source: [{ file: 'drivers/dax/bus.c', function: 'mapping_store' }, { file: 'drivers/dax/bus.c', function: 'dev_dax_resize' }],
    kernels: { from: '5.10' },
    measured: 'its repro.sh reproduces on Debian 6.1.192, 6.12.117 and 7.3.4 (2026-12-07); older than 6.1 by the source of the commit that added mapping',
    simulates: 'mapping-on-bound-device',
    reason:
      'mapping_store (drivers/dax/bus.c) never checks dev->driver, unlike size_store (dev_dax_resize: "if ' +
      '(dev->driver) return -EBUSY") and align_store, so it grows a device a driver has mapped: device_dax ' +
      'faults into a range it never memremapped, and fsdev relies on "size cannot change while driver is ' +
      'bound" (drivers/dax/fsdev.c). Raised in review on the nvdimm list (2026-06-08, "mapping_store() can ' +
      'krealloc() that array … without checking dev->driver"); only fsdev was worked around',
    cause: { commit: '8490e2e25b5a', subject: 'device-dax: add a range mapping allocation attribute', how: 'by source reading: mapping_store came with it (v5.10) without a driver check and has none in 6.1.192, 6.12.117 or 7.3.4' },
  },
  {
    id: 'device-dax-probe-keeps-stale-pgmap',
    subject: 'device-dax: a failed probe leaves dev_dax->pgmap dangling, so every later probe fails EINVAL',
    source: [{ file: 'drivers/dax/device.c', function: 'dev_dax_probe' }],
    kernels: { from: '6.1' },
    measured: 'its repro.sh (a probe failed on a misaligned range, then a clean one) reproduces on Debian 6.1.192, 6.12.117 and 7.3.4 (2026-12-07)',
    simulates: 'device-dax-probe-keeps-stale-pgmap',
    reason:
      'dev_dax_probe() (drivers/dax/device.c) stores its devm-allocated page map in dev_dax->pgmap before the ' +
      'iomem request and devm_memremap_pages() that can fail; a failure frees it with the devres but leaves ' +
      'the pointer, so every later probe of that device finds "dynamic-dax with pre-populated page map" and ' +
      'fails EINVAL until the device is deleted. fsdev_dax had the same bug and was fixed upstream by setting ' +
      'the pointer only after the probe succeeded ("dax/fsdev: don\'t leave a dangling dev_dax->pgmap on probe ' +
      'failure", 2026-06); device.c still has it',
    cause: { how: 'not established: 6.1.192, 6.12.117 and 7.3.4 assign dev_dax->pgmap before the probe can fail; older trees not read' },
  },
  {
    ...CREATE_TAKES_ID,
    measured: 'shown by Debian 6.12.117 on hmem and cxl, and by 7.2.12 (concurrency suite, 2026-12-02); its repro.sh reproduces on 6.12.117 (race 7) and not on 6.1.192 (351 and 242 races) nor, in 93 races, on 7.3.4 (2026-12-07)',
    matches: (op, s, raceStart) => {
      if (!raceStart || op.op !== 'write' || op.ref.kind !== 'region' || op.ref.attr !== 'create') return false;
      const r = s.regions.get(op.ref.host);
      if (!r) return false;
      const name = `dax${r.id}.${lowestFreeId(s, r.host)}`;
      return raceStart.devices.has(name) && !s.devices.has(name);
    },
    actualOnKernel: fail('EEXIST'),
    intended: 'The create waits for the delete or takes another free id: a device id is not handed out again while the device that had it is still registered, and neither write prints a stack dump.',
    kernelWarning: "sysfs: cannot create duplicate filename '…/daxR.N' (sysfs_warn_dup from device_add in __devm_create_dev_dax)",
    reason:
      'delete_store frees the device id (__free_dev_dax_id) under dax_dev_rwsem and unregisters the device only ' +
      'after dropping it, and create_store holds dax_region_rwsem, which delete_store no longer holds across ' +
      'both since 6f6544f27e41 (v6.10-rc1, backported to 6.9.3): a create in that window takes the freed id and ' +
      'device_add() meets the old daxR.N still in sysfs: EEXIST and a duplicate-filename stack dump. 6.1 ' +
      'serialises both on device_lock(region); 6.9.0 to 6.9.2 held dax_region_rwsem across the whole delete',
    cause: { ...SIX_F6544F27E41, how: 'by source reading: its diff (nvdimm list, "[PATCH v3 2/4]", 2024-04-30) removes the dax_region_rwsem that c05ae9d85b47 held across the id free and the unregister' },
    actualNext: (before) => before,
  },
  {
    id: 'size-checks-align-before-locking',
    replayMayMiss: A_RACE,
    subject: 'dax/bus: size_store() checks the alignment before taking the locks, so a racing align write leaves a size that is not a multiple of align',
    source: [{ file: 'drivers/dax/bus.c', function: 'size_store' }, { file: 'drivers/dax/bus.c', function: 'align_store' }, { file: 'drivers/dax/bus.c', function: 'dev_dax_resize' }],
    kernels: { from: '6.1' },
    measured: 'found by the concurrency suite on the 7.3.4 source built from defconfig (2026-12-07: { create | align 1 GiB | size 128 MiB } answered ENOSPC | ok | ok); a shell loop racing align 1 GiB against size 128 MiB on a 1 GiB device reproduces it on Debian 6.1.192 (race 4), 6.12.117 (race 2 and 62) and 7.3.4 (race 10) (2026-12-07)',
    matches: (op, s, raceStart) => {
      if (!raceStart || op.op !== 'write' || op.ref.kind !== 'device' || op.ref.attr !== 'size') return false;
      const [d, d0] = [s.devices.get(op.ref.device), raceStart.devices.get(op.ref.device)];
      const v = kstrtoull(op.value, 0);
      if (!d || !d0 || d.binding !== null || !v.ok || d.align === d0.align) return false;
      // A shrink only: a growth under the new align meets dev_dax_resize's own check (an ENXIO and a WARNING).
      return !allocAligned(d, v.value) && allocAligned(d0, v.value) && v.value < deviceSize(d);
    },
    actualOnKernel: { ok: true },
    intended: 'One of the two writes fails with EINVAL, whichever the kernel serialises first: after the align, 128 MiB is no multiple of 1 GiB; after the shrink, the 128 MiB range is no multiple of 1 GiB. A device\'s size stays a multiple of its align.',
    reason:
      'size_store (drivers/dax/bus.c) tests alloc_is_aligned(dev_dax, val) before it takes dax_region_rwsem and ' +
      'dax_dev_rwsem (device_lock in 6.1), reading dev_dax->align unlocked. An align_store between that test ' +
      'and the locks validates the new align against the old ranges and stores it; the shrink then goes ahead ' +
      '(dev_dax_shrink checks no alignment), and the device is left with a size that is not a multiple of its ' +
      'align, which both stores exist to refuse. device_dax still binds it, and every mmap of the node then ' +
      'fails: a length under the align is EINVAL ("unaligned vma"), one of the align faults SIGBUS',
    cause: { how: 'by source reading: the test precedes the locks in size_store of 6.1.192, 6.12.117 (bus.c:1106 against 1111 and 1118) and 7.3.4; no commit shown, older trees not read' },
    actualNext: (before, op, raceStart) => {
      // The kernel resized under the align of the race's start, then kept the align the racing write stored.
      const name = op.op === 'write' && op.ref.kind === 'device' ? op.ref.device : '';
      const [d, d0] = [before.devices.get(name)!, raceStart!.devices.get(name)!];
      const resized = apply(putDevice(before, { ...d, align: d0.align }), op).next;
      return putDevice(resized, { ...resized.devices.get(name)!, align: d.align });
    },
  },
];

/**
 * Answers a kernel gives when one of a write's allocations failed (Op.failNth) other than the intended
 * ALLOCATION_FAILURE_ERRNOS (allocation-failure.ts): the write still fails, and must still leave no trace.
 */
export interface KnownAllocationFailure extends KnownRow {
  matches(op: Op): boolean;
  actualOnKernel: OpResult;
  /** What the affected kernel leaves, when the failed write does not undo itself (from the state before). */
  actualNext?: (before: State, op: Op) => State;
}

export const KNOWN_ALLOCATION_FAILURES: readonly KnownAllocationFailure[] = [
  {
    id: 'unnamed-device-is-einval',
    subject: 'dax/bus: an allocation failure in dev_set_name() is reported as EINVAL',
    source: [{ file: 'drivers/dax/bus.c', function: '__devm_create_dev_dax' }, { file: 'drivers/dax/bus.c', function: 'devm_register_dax_mapping' }],
    kernels: { from: '6.1' },
    measured: 'shown by the debug build of Debian linux-source-6.12 6.12.117 on hmem (allocation-failures suite, 2026-12-02); 6.1.192 ignores dev_set_name() alike (bus.c:787 and 1353, by source reading), 7.3.4 too (bus.c:837 and 1489)',
    matches: (op) => op.op === 'write' && ((op.ref.kind === 'region' && op.ref.attr === 'create') || (op.ref.kind === 'device' && (op.ref.attr === 'size' || op.ref.attr === 'mapping'))),
    actualOnKernel: fail('EINVAL'),
    reason:
      "__devm_create_dev_dax() (drivers/dax/bus.c:1457) and devm_register_dax_mapping() (bus.c:825) ignore " +
      "dev_set_name()'s result; when its allocation fails, device_add() finds the device without a name and " +
      'answers EINVAL (drivers/base/core.c, device_add: name_error), so create, size and mapping report EINVAL ' +
      'for an out-of-memory. Reported upstream before: "dax: Check dev_set_name() return value" (2022), never merged',
    cause: { how: 'not established: the unchecked dev_set_name() calls are in 6.1.192, 6.12.117 and 7.3.4; older trees not read' },
  },
  {
    id: 'kmem-bind-unwind-leaves-memory-online',
    subject: 'dax/kmem: a bind that fails after probe leaves its memory online with no driver',
    source: [{ file: 'drivers/dax/kmem.c', function: 'dev_dax_kmem_remove' }, { file: 'drivers/base/dd.c', function: 'really_probe' }],
    kernels: { from: '7.3' },
    measured: 'shown by the debug build of Debian linux-source-7.3 7.3.4 on hmem booted online_movable, allocation 47 of a kmem bind failed (allocation-failures suite, 2026-12-02); 6.12 has no kmem dev_groups, so nothing can fail after its probe',
    matches: (op) => op.op === 'write' && op.ref.kind === 'driver' && op.ref.driver === 'kmem' && op.ref.attr === 'bind',
    actualOnKernel: fail('ENOMEM'),
    reason:
      "really_probe() (drivers/base/dd.c) adds the driver's dev_groups after a successful probe; kmem has one since " +
      'its `state` file came ("dax/kmem: atomic whole-device hotplug via sysfs"), and when its allocation fails, ' +
      "device_remove() runs dev_dax_kmem_remove() at once. That remove never offlines (remove_memory() refuses " +
      'online blocks), so the memory the probe onlined stays as System RAM (kmem) under a device with no driver, ' +
      '"Hotplug regions stuck online until reboot" (drivers/dax/kmem.c:529), while the bind answers ENOMEM',
    actualNext: (before, op) => (op.op === 'write' ? probedAndRemoved(before, 'kmem', op.value.trim()) : before),
  },
];

/** The known answers (and what they leave) to a write whose allocation failed, on this kernel. */
export function lookupAllocationFailures(release: string, op: Op, actual: OpResult): KnownAllocationFailure[] {
  return KNOWN_ALLOCATION_FAILURES.filter((k) => inRange(release, k.kernels) && resultsAgree(actual, k.actualOnKernel) && k.matches(op));
}

/**
 * Kernel reports (a hang, a WARNING, a refcount or list splat) of bugs the harness has found. A hang is
 * recognised by the stacks of the blocked tasks (the hung-task report and sysrq w after a step that never
 * returned), any other report by its excerpt. A case that meets one inside its release range is known, not
 * failed; its guest is renewed like any guest that reported trouble.
 */
export interface KnownReport extends KnownRow {
  /** 'hung-task': the patterns match the blocked tasks' stacks; 'report': the report's excerpt. */
  kind: 'hung-task' | 'report';
  /** Every pattern must match. */
  patterns: readonly RegExp[];
  /** Patterns the case's kernel log so far (the steps that led to the report) must match too. */
  log?: readonly RegExp[];
  /**
   * The operation of the step the report came in (StepRecord.operation), for a report known by what led to
   * it: a build may inline or rename every frame but the sysfs entry point, never the step.
   */
  during?: RegExp;
}

export const KNOWN_REPORTS: readonly KnownReport[] = [
  {
    id: 'delete-drains-under-dax-region-rwsem',
    replayMayMiss: A_RACE,
    subject: "dax/bus: delete racing a write to the device's size, align or mapping deadlocks the dax bus",
    source: [{ file: 'drivers/dax/bus.c', function: 'unregister_dev_dax' }, { file: 'drivers/dax/bus.c', function: 'delete_store' }],
    kernels: { from: '6.1' },
    measured:
      'shown by Debian 6.12.117 on hmem and cxl (concurrency suite, seed 1, 2026-12-02), and by ' +
      'suites/recipes/delete-races-align-deadlock.json; its repro.sh hangs 6.1.192 (race 9 and race 6), 6.12.117 ' +
      "(race 2) and 7.3.4 (race 5) (2026-12-07); on 6.1 the pair is the region's device_lock (bus.c:508 and " +
      '534-535 against 1071, 1129 and 1187)',
    kind: 'hung-task',
    patterns: [/kernfs_drain[\s\S]*unregister_dev_dax[\s\S]*delete_store/, /(down_write_killable|mutex_lock)[\s\S]*(align|size|mapping)_store/],
    reason:
      'delete_store holds the region lock (dax_region_rwsem from 6.9 in unregister_dev_dax, the region ' +
      "device's device_lock before) while device_del() waits in kernfs_drain for every active reference to the " +
      "victim's attribute files, and a racing write to one of them (align_store, size_store, mapping_store) " +
      'holds its active reference and waits for that lock: an ABBA deadlock that leaves the whole dax bus ' +
      'stuck. Before 6.9 the writer waits in an uninterruptible mutex_lock; since, in down_write_killable, so ' +
      'killing it ends the hang',
    cause: { how: 'not established: 6.1.192 has the pair (device_lock), 6.12.117 and 7.3.4 too (dax_region_rwsem); older trees not read' },
  },
  {
    id: 'shrink-drains-mapping-under-region-lock',
    replayMayMiss: A_RACE,
    subject: 'dax/bus: shrinking a device racing a read of its mappingN files deadlocks the dax bus',
    source: [{ file: 'drivers/dax/bus.c', function: 'dev_dax_shrink' }, { file: 'drivers/dax/bus.c', function: 'get_dax_range' }],
    kernels: { from: '6.1' },
    measured:
      'shown by Debian 6.12.117 on cxl+mom (concurrency suite, a size 0 write racing a read of mapping0/start, ' +
      '2026-12-02), and by suites/recipes/shrink-races-mapping-read-deadlock.json on hmem in 4 of 4 replays; ' +
      'its repro.sh hangs 6.1.192 (race 17) and 6.12.117 (race 48), and did not in 52 races on 7.3.4, which ' +
      'has the same two paths by its source (2026-12-07)',
    kind: 'hung-task',
    patterns: [/kernfs_drain[\s\S]*devm_release_action[\s\S]*size_store/, /(down_write_killable|mutex_lock)[\s\S]*(start|end|pgoff)_show/],
    reason:
      'size_store() shrinking a device holds the region lock (dax_region_rwsem from 6.9, device_lock of the ' +
      'region device before) while dev_dax_shrink() releases a whole range: unregister_dax_mapping() → ' +
      'device_del() waits in kernfs_drain for every active reference to mappingN\'s files, and a racing read of ' +
      'mappingN/start, end or page_offset holds its active reference and waits in get_dax_range() for that lock ' +
      '(drivers/dax/bus.c): an ABBA deadlock that leaves the dax bus stuck. The same pair has existed since ' +
      "mapping devices came (v5.10, 0b07ce872a9e 'device-dax: introduce \"mapping\" devices')",
  },
  {
    id: 'create-unwind-takes-dax-region-rwsem',
    subject: 'dax/bus: create deadlocks on dax_region_rwsem when its last devres allocation fails',
    source: [{ file: 'drivers/dax/bus.c', function: '__devm_create_dev_dax' }, { file: 'drivers/dax/bus.c', function: 'unregister_dev_dax' }],
    regression: { since: '6.9.3', before: 'ENOMEM (6.9.0 skipped the second lock)' },
    kernels: { from: '6.9.3' },
    measured: 'shown by the debug build of Debian linux-source-6.12 6.12.117 on hmem, an allocation failed in create (allocation-failures suite, 2026-12-02)',
    kind: 'hung-task',
    patterns: [/down_write[\s\S]*unregister_dev_dax[\s\S]*__devm_create_dev_dax[\s\S]*create_store/],
    reason:
      'create_store() holds dax_region_rwsem for writing across __devm_create_dev_dax(), whose last step is ' +
      'devm_add_action_or_reset(dax_region->dev, unregister_dev_dax, dev) (drivers/dax/bus.c:1511). When that ' +
      "action's devres allocation fails, the _or_reset runs unregister_dev_dax() at once, and it takes " +
      'dax_region_rwsem for writing again (bus.c:471): the creating task deadlocks on itself, and every later ' +
      'dax bus operation waits behind it. c05ae9d85b47 (v6.9) skipped the second take when ' +
      '`rwsem_is_locked(&dax_region_rwsem)`; 6f6544f27e41 (v6.10-rc1, backported to 6.9.3) made it unconditional',
    cause: { ...SIX_F6544F27E41, how: 'by source reading: the c05ae9d85b47 patch (nvdimm list, "[PATCH v7 1/5]") has the rwsem_is_locked() escape, and the 6f6544f27e41 diff ("[PATCH v3 2/4]", 2024-04-30) removes it' },
  },
  {
    id: 'dev-dax-probe-wipes-open-cdev',
    replayMayMiss: 'the file held open across the unbind and bind is no sysfs operation, so its recipe does not hold it',
    subject: 'device-dax: rebinding with the node open wipes its cdev: refcount underflow at the next unbind',
    source: [{ file: 'drivers/dax/device.c', function: 'dev_dax_probe' }, { file: 'fs/char_dev.c', function: 'cdev_init' }],
    kernels: { from: '6.1' },
    measured: 'shown by Debian 6.1.192 (hmem), 6.12.117 (hmem, cxl, pmem) and 7.3.4 (hmem, cxl), stock builds without debug options (regressions suite, 2026-12-02); its repro.sh reproduces on all three (2026-12-07); older series cannot be booted here',
    kind: 'report',
    // The report and the sysfs entry point, at an unbind: the frames between (release_nodes, devres and
    // cdev helpers) are inlined or tail-called away by some builds (a defconfig 6.12 showed none of them).
    patterns: [/refcount_t: underflow; use-after-free/, /unbind_store/],
    during: /^write drivers\/(device_dax|fsdev_dax)\/unbind /,
    reason:
      'dev_dax_probe() (drivers/dax/device.c) calls cdev_init() on the cdev embedded in the dax inode at every ' +
      'bind, and cdev_init() memsets it (fs/char_dev.c). A /dev/daxX.Y opened before an unbind holds a reference ' +
      'to that cdev (chrdev_open → cdev_get); the rebind wipes it, so closing the file drops the new cdev\'s only ' +
      'reference while it is still mapped. The node then fails to open with ENXIO, and the next unbind\'s ' +
      'cdev_del (dev_dax_cdev_del, from devres) puts a reference that is not there: "refcount_t: underflow; ' +
      'use-after-free". The device\'s own reference taken by the first cdev_add is never put. With ' +
      'DEBUG_KOBJECT_RELEASE a file closed just before the unbind can do the same (its release is still pending)',
    cause: { how: 'not established: reproduced on 6.1.192, 6.12.117 and 7.3.4, whose dev_dax_probe() runs cdev_init() at every bind; older trees not read' },
  },
  {
    ...RELEASING_CDEV,
    measured: 'shown by the debug build of Debian linux-source-6.12 6.12.117 (DEBUG_KOBJECT_RELEASE, DEBUG_OBJECTS_TIMERS) on cxl, an unbind, resize, bind and unbind within 4 s (regressions suite, 2026-12-02)',
    kind: 'report',
    // cdev_del's kobject_put is a tail call, and dev_dax_cdev_del one into cdev_del: without frame pointers
    // neither need show; the unbind step that ran it always does.
    patterns: [/ODEBUG: init active .*object type: timer_list/, /kobject_put/],
    during: /^write drivers\/(device_dax|fsdev_dax)\/unbind /,
    reason:
      "dev-dax-probe-wipes-open-cdev's other face: DEBUG_KOBJECT_RELEASE delays the cdev kobject's release " +
      "(a delayed work) after the unbind's cdev_del, and a rebind within the delay runs cdev_init() over it " +
      '(drivers/dax/device.c dev_dax_probe, fs/char_dev.c), wiping a queued timer. The next unbind initialises ' +
      'that timer again while it is queued (ODEBUG: init active, from kobject_put in dev_dax_cdev_del), and the ' +
      'wiped timer later fires with a NULL function (WARNING in __run_timers)',
  },
  {
    // The same bug when the wiped timer fires before anything initialises it again: no ODEBUG line, only
    // expire_timers()'s WARN_ON_ONCE(!fn). What ties it to the cdev is in the log before it: a nameless
    // kobject (a cdev's has no name) whose release was delayed, released a second time at the same address,
    // i.e. initialised again by the rebind while its first release was pending.
    ...RELEASING_CDEV,
    measured: 'shown by the debug build of Debian linux-source-7.3 7.3.4 on cxl and hmem (regressions/device_dax rebinds after unbind and resize, 2026-12-02 and 2026-12-03): an unbind, resize and bind within the 3 s release delay, then an unbind',
    kind: 'report',
    patterns: [/WARNING: kernel\/time\/timer\.c:\d+ at __run_timers/, /run_timer_softirq/],
    log: [/kobject: '\(null\)' \((\w+)\): kobject_release, parent \w+ \(delayed \d+\)[\s\S]*kobject: '\(null\)' \(\1\): kobject_release/],
    reason:
      "dev-dax-probe-wipes-open-cdev's other face: DEBUG_KOBJECT_RELEASE delays the cdev kobject's release after " +
      "the unbind's cdev_del, and the rebind's cdev_init() (drivers/dax/device.c dev_dax_probe, fs/char_dev.c) wipes " +
      "the kobject with its queued release timer; the timer then fires with a NULL function (expire_timers' " +
      'WARN_ON_ONCE(!fn), kernel/time/timer.c), and the next unbind releases the same kobject again',
  },
  {
    // The same race as create-takes-id-of-racing-delete, seen in a kernel log on its own (daxh judge, a step
    // not checked as a race): sysfs_warn_dup()'s stack dump for the daxR.N the delete had not yet removed.
    ...CREATE_TAKES_ID,
    measured: 'shown by Debian 6.12.117 (concurrency suite, 2026-12-02; its repro.sh, 2026-12-07)',
    kind: 'report',
    patterns: [/create_store/],
    log: [/sysfs: cannot create duplicate filename '\/devices\/[^']*\/dax\d+\.\d+'/],
    reason:
      "a create racing a delete took the id the delete had just freed while the old daxR.N was still registered: device_add() met it in sysfs (sysfs_warn_dup's stack dump) and the create answered EEXIST; see the row's divergence",
  },
  // Bugs outside drivers/dax that the harness's own paths reach: cited and ranged all the same, so a report
  // lists them apart from failures of the kernel under test's dax bus.
  {
    id: 'gendisk-freed-before-queue-kobject-release',
    replayMayMiss: KOBJECT_RELEASE_DELAY,
    subject: "block: the gendisk is freed before its queue kobject's delayed release runs",
    source: [{ file: 'block/blk-sysfs.c', function: 'blk_queue_release' }, { file: 'block/genhd.c', function: 'disk_release' }],
    kernels: { from: '6.12' },
    measured:
      "shown by the debug build of Debian linux-source-7.3 7.3.4 on pmem+movable (DEBUG_KOBJECT_RELEASE), seconds after provisioning turned the pmem namespace's block device into a devdax one (2026-12-02 and 2026-12-03); 6.12.117 has the same embedding and empty release by its source, not hit in its two debug runs",
    kind: 'report',
    patterns: [/BUG: KASAN: slab-use-after-free in __run_timers/, /__alloc_disk_node/, /bdev_free_inode/],
    log: [/kobject: 'queue' \(\w+\): kobject_release, parent \w+ \(delayed \d+\)/],
    reason:
      "the block layer, not dax: the `queue` kobject is embedded in struct gendisk (include/linux/blkdev.h queue_kobj) " +
      'and its release does nothing, "all data is associated with the parent gendisk" (block/blk-sysfs.c ' +
      "blk_queue_release), so it holds no reference on the gendisk. DEBUG_KOBJECT_RELEASE delays that release, " +
      "bdev_free_inode() frees the gendisk (block/bdev.c) of nd_pmem's disk meanwhile, and the delayed release's " +
      'timer then runs inside freed memory: KASAN slab-use-after-free in __run_timers',
  },
  {
    id: 'vmalloc-deferred-cleanup-after-kasan-cancel-online',
    subject: 'mm/vmalloc: deferred cleanup of a failed area that kasan_mem_notifier() already freed',
    source: [{ file: 'mm/vmalloc.c', function: '__vmalloc_area_node' }, { file: 'mm/kasan/shadow.c', function: 'kasan_mem_notifier' }],
    kernels: { from: '7.3' },
    measured:
      "shown by the debug build of Debian linux-source-7.3 7.3.4 on hmem+movable, allocation 36 of a kmem state replug failed (allocation-failures suite, 2026-12-03); 6.12.117's __vmalloc_area_node frees a failed area at once (no defer_vm_area_cleanup), and the series between are not built here",
    kind: 'report',
    patterns: [/BUG: KASAN: slab-use-after-free in cleanup_vm_area_work/, /kasan_mem_notifier/],
    reason:
      'mm, not dax: onlining hot-added memory runs kasan_mem_notifier(MEM_GOING_ONLINE), which vmallocs the ' +
      "block's shadow (mm/kasan/shadow.c). When an allocation inside __vmalloc_area_node() fails, it queues the " +
      'half-made vm_struct for cleanup_vm_area_work (defer_vm_area_cleanup, mm/vmalloc.c) and returns NULL; ' +
      "online_pages() then sends MEM_CANCEL_ONLINE, and kasan_mem_notifier still finds the area (find_vm_area) " +
      'and vfree()s it. The queued work later reads the freed vm_struct: KASAN slab-use-after-free in ' +
      'cleanup_vm_area_work. Reached through kmem (its bind and its state file hot-add memory) on KASAN builds only',
  },
];

/**
 * The known report the kernel's report shows, on this kernel: hung-task reports by the blocked tasks' stacks.
 * `log`: the case's kernel log up to and with the report, for rows that need what led to it; `during`: the
 * operation of the step the report came in.
 */
export function lookupReport(release: string, kind: KnownReport['kind'], text: string, log = '', during?: string): KnownReport | undefined {
  return KNOWN_REPORTS.find((h) => h.kind === kind && inRange(release, h.kernels) && h.patterns.every((re) => re.test(text)) && (h.log ?? []).every((re) => re.test(log)) && (!h.during || (during !== undefined && h.during.test(during))));
}

/** `6.9 and later` / `6.9 up to 7.4`, then what it was measured on. */
export function divergenceKernels(k: Pick<KnownRow, 'kernels' | 'measured'>): string {
  return `${rangeText(k)}; ${k.measured}`;
}

function inRange(release: string, kernels: KnownRow['kernels']): boolean {
  return compareReleases(release, kernels.from) >= 0 && (kernels.to === undefined || compareReleases(release, kernels.to) < 0);
}

const simulated = (release: string) => KNOWN_DIVERGENCES.filter((k): k is SimulatedDivergence => 'simulates' in k && inRange(release, k.kernels));

/**
 * What this kernel does with `op` by the bugs it is known to have: the model with every switch in range on.
 * The row named is the first whose own bug changes the intended answer. Undefined where no known bug does.
 */
function knownAnswer(release: string, op: Op, before: State): { row: SimulatedDivergence; result: OpResult; next: State; warning?: string } | undefined {
  const rows = simulated(release);
  if (!rows.length) return undefined;
  const intended = apply(before, op).result;
  const kernel = apply(withBugs(before, rows.map((k) => k.simulates)), op);
  if (resultsAgree(intended, kernel.result)) return undefined;
  const row = rows.find((k) => !resultsAgree(intended, apply(withBugs(before, [k.simulates]), op).result)) ?? rows[0]!;
  return { row, result: kernel.result, next: { ...kernel.next, profile: before.profile }, ...(kernel.kernelWarning === undefined ? {} : { warning: kernel.kernelWarning }) };
}

export interface KnownExplanation {
  row: KnownDivergence;
  /** The state the affected kernel is in after it. */
  next: State;
  warning: boolean;
}

/** The known divergence explaining `actual` for `op` on `stateBefore` under kernel `release`, if any. */
export function lookupDivergence(release: string, op: Op, stateBefore: State, actual: OpResult, raceStart?: State): KnownExplanation | undefined {
  const sim = knownAnswer(release, op, stateBefore);
  if (sim && resultsAgree(actual, sim.result)) return { row: sim.row, next: sim.next, warning: sim.warning !== undefined };
  const raced = KNOWN_DIVERGENCES.find((k): k is RacedDivergence => !('simulates' in k) && inRange(release, k.kernels) && resultsAgree(actual, k.actualOnKernel) && k.matches(op, stateBefore, raceStart));
  return raced && { row: raced, next: raced.actualNext ? raced.actualNext(stateBefore, op, raceStart) : apply(stateBefore, op).next, warning: raced.kernelWarning !== undefined };
}

/** The known divergence this kernel should show for `op` (inside its release range): a kernel that does not may have fixed it. */
export function expectedDivergence(release: string, op: Op, stateBefore: State): KnownDivergence | undefined {
  return knownAnswer(release, op, stateBefore)?.row ?? KNOWN_DIVERGENCES.find((k): k is RacedDivergence => !('simulates' in k) && inRange(release, k.kernels) && k.matches(op, stateBefore));
}

/** Any known row: a divergence, an allocation failure's answer, a kernel report. */
export type AnyKnownRow = KnownDivergence | KnownAllocationFailure | KnownReport;

/** Every known row, each id once (a bug with two faces keeps its first row here). */
export const KNOWN_ROWS: readonly AnyKnownRow[] = [...KNOWN_DIVERGENCES, ...KNOWN_ALLOCATION_FAILURES, ...KNOWN_REPORTS].filter((r, i, all) => all.findIndex((x) => x.id === r.id) === i);

export const knownRow = (id: string): AnyKnownRow | undefined => KNOWN_ROWS.find((r) => r.id === id);

/** The release range in words: `6.9.3 and later`, `6.9 up to 7.4 (fixed there)`. */
export const rangeText = (k: Pick<KnownRow, 'kernels'>): string => `${k.kernels.from}${k.kernels.to ? ` up to ${k.kernels.to} (fixed there)` : ' and later'}`;

// Provisioned guests kept on disk as QEMU snapshots, so a guest that was booted and provisioned once is
// resumed (under a second) instead of booted (4 to 7 s) by later groups of the same topology, by later
// runs, and by renewals. An entry is keyed by everything that makes the machine: the image's content key
// (kernel, modules, userland, helper, /init), the QEMU binary, the whole QEMU command line with per-guest
// paths and the port blanked (topology, vCPUs, memory, accelerator, kernel command line), and the
// provisioning steps. An entry is written through the content cache's temp-dir-and-rename, so a run killed
// halfway leaves no half entry, and is bounded by `daxh cache`'s prune (size and age) after every run.
import { readFile, readdir, rm, stat, utimes, writeFile, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { FileHasher } from '../../images/file-hash.ts';
import { which } from '../host/checks.ts';
import { cachePath, cachedDir, exists, hashOf } from '../../images/cache.ts';
import type { SavedMachineFiles } from '../guest/guest.ts';
import type { SessionKey } from '../guest/ssh.ts';
import type { ProvisionOutcome } from './provision.ts';
import type { KernelAbi } from '../abi/kernel.ts';

/** Bumped when what an entry holds, or how a resumed guest reads it, changes. */
const FORMAT = 'saved-machine-v2';
const VMSTATE = 'vmstate.qcow2';
const META = 'machine.json';
const RESUMED = 'resumed';
export const PROVISIONED_SNAPSHOT = 'provisioned';

/** What makes a saved machine; two requests with equal identities get the same machine. */
export interface MachineIdentity {
  imageKey: string;
  /** The QEMU binary's content hash and its version line. */
  qemu: string;
  /** The QEMU command line with the per-guest work dir, sockets and port blanked. */
  args: readonly string[];
  /** The provisioning steps, as data. */
  provisioning: unknown;
  /** The commands whose answers a saved machine keeps (MachineProbes): a changed probe asks the machine anew. */
  probes: readonly string[];
}

export function machineKey(id: MachineIdentity): string {
  return hashOf(FORMAT, id.imageKey, id.qemu, JSON.stringify(id.args), JSON.stringify(id.provisioning), JSON.stringify(id.probes)).slice(0, 32);
}

const binaries = new Map<string, Promise<string>>();

/**
 * The QEMU binary by content and version line: a rebuilt or upgraded QEMU saves its machines anew. Its
 * firmware is not in the key: a saved machine carries the ROMs it booted with, and one whose ROM sizes no
 * longer match fails to load, is dropped and saved again.
 */
export function qemuBinaryIdentity(qemu: string): Promise<string> {
  let known = binaries.get(qemu);
  if (!known) {
    known = (async () => {
      // As the host check finds it (harness/host/checks.ts qemuCheck): a path as given, a name on PATH.
      const path = qemu.includes('/') ? qemu : await which(qemu);
      if (!path) throw new Error(`${qemu} is not on PATH`);
      const hasher = new FileHasher();
      const sha = await hasher.hash(path);
      await hasher.save();
      const { stdout } = await execa(path, ['--version']);
      return `${sha} ${stdout.split('\n')[0]}`;
    })();
    binaries.set(qemu, known);
  }
  return known;
}

/** What the guest answered the harness's probes with after provisioning (harness/lab/session.ts). */
export interface MachineProbes {
  caps: string;
  machine: string;
  abi: Partial<KernelAbi>;
}

/** What a resumed guest needs beside the snapshot: the state the harness held about it when it was saved. */
export interface MachineState {
  probes: MachineProbes;
  /** Memory blocks that were present before provisioning (GuestDriver's boot RAM). */
  bootBlocks: number[];
  /** The kernel log position at the save. */
  logPosition: number;
  provisioning: ProvisionOutcome[];
  /** The topology, for `daxh cache` to say what an entry is. */
  topology: string;
  kernel: string;
}

interface Meta extends MachineState {
  format: string;
  key: SessionKey;
  console: string;
  savedAt: string;
}

export interface SavedMachine extends MachineState {
  files: SavedMachineFiles;
}

/** Where saved machines live; the fake lab needs none, the tests use a private dir. */
export interface MachineShelf {
  find(key: string): Promise<SavedMachine | null>;
  /** Copies the guest's snapshot drive into the shelf (a concurrent writer of the same key wins quietly). */
  put(key: string, from: { vmstate: string; key: SessionKey; console: string }, state: MachineState): Promise<void>;
  /** An entry that could not be resumed: gone, so the next guest boots and saves a good one. */
  drop(key: string): Promise<void>;
}

/** Only regular files are read or copied: a FIFO in an entry would hang the run that opens it. */
const isFile = (path: string) => stat(path).then((st) => st.isFile(), () => false);

/** An entry's metadata, or null when it is missing, not a regular file, unreadable or of another format. */
async function readMeta(dir: string): Promise<Meta | null> {
  if (!(await isFile(join(dir, META)))) return null;
  const meta = await readFile(join(dir, META), 'utf8').then((t) => JSON.parse(t) as Meta, () => null);
  return meta?.format === FORMAT ? meta : null;
}

export function shelfRoot(): string {
  return cachePath('machines');
}

export class DiskShelf implements MachineShelf {
  constructor(private readonly root = shelfRoot()) {}

  async find(key: string): Promise<SavedMachine | null> {
    const dir = join(this.root, key);
    const meta = await readMeta(dir);
    if (!meta || !(await isFile(join(dir, VMSTATE)))) return null;
    // The entry's mtime is when it was last used: the age bound prunes what nothing resumes any more. The
    // RESUMED mark says it served once: the size bound drops machines no run came back to first (a bisect
    // step's, a fix validation's) before those a second run used.
    const now = new Date();
    await utimes(dir, now, now).catch(() => {});
    await writeFile(join(dir, RESUMED), '').catch(() => {});
    const { key: sshKey, console, format: _format, savedAt: _savedAt, ...state } = meta;
    return { ...state, files: { vmstate: join(dir, VMSTATE), snapshot: PROVISIONED_SNAPSHOT, key: sshKey, console } };
  }

  async put(key: string, from: { vmstate: string; key: SessionKey; console: string }, state: MachineState): Promise<void> {
    await cachedDir(join(this.root, key), async (tmp) => {
      await copyFile(from.vmstate, join(tmp, VMSTATE));
      const meta: Meta = { format: FORMAT, ...state, key: from.key, console: from.console, savedAt: new Date().toISOString() };
      // The session key logs into the saved guest (itself reachable only on 127.0.0.1): owner-only, as the cache root.
      await writeFile(join(tmp, META), JSON.stringify(meta), { mode: 0o600 });
    });
  }

  async drop(key: string): Promise<void> {
    await rm(join(this.root, key), { recursive: true, force: true });
  }

  /** Every entry with its size and last use, for `daxh cache`. Temp dirs of a killed writer count too. */
  async list(): Promise<ShelfEntry[]> {
    const names = await readdir(this.root).catch(() => [] as string[]);
    const entries: ShelfEntry[] = [];
    for (const name of names) {
      const dir = join(this.root, name);
      const st = await stat(dir).catch(() => null);
      if (!st?.isDirectory()) continue;
      let bytes = 0n;
      for (const f of await readdir(dir).catch(() => [] as string[])) bytes += BigInt((await stat(join(dir, f)).catch(() => null))?.size ?? 0);
      const meta = await readMeta(dir);
      entries.push({ name, bytes, lastUsed: st.mtime, resumed: await exists(join(dir, RESUMED)), ...(meta ? { topology: meta.topology, kernel: meta.kernel } : {}) });
    }
    return entries;
  }

  /** Removes what the bounds say to; returns what it removed. */
  async prune(bounds: ShelfBounds, now = new Date()): Promise<ShelfEntry[]> {
    const entries = await this.list();
    const gone = new Set(entriesToPrune(entries, bounds, now));
    for (const n of gone) await rm(join(this.root, n), { recursive: true, force: true });
    return entries.filter((e) => gone.has(e.name));
  }
}

export interface ShelfEntry {
  name: string;
  bytes: bigint;
  lastUsed: Date;
  /** Whether a later group or run resumed it at least once. */
  resumed: boolean;
  /** Absent for a temp dir or an entry of another format. */
  topology?: string;
  kernel?: string;
}

export interface ShelfBounds {
  maxBytes: bigint;
  maxAgeMs: number;
}

/** 8 GiB: a provisioned guest saves as 0.1 to 0.4 GiB, so two kernels' worth of every built-in topology. */
export const DEFAULT_BOUNDS: ShelfBounds = { maxBytes: 8n << 30n, maxAgeMs: 14 * 24 * 3600 * 1000 };

/**
 * Which entries to remove: anything unused for longer than the age bound, anything not a whole entry of
 * this format whose writer is long gone (an hour), then until the rest fits: those never resumed before
 * those resumed, each the least recently used first.
 */
export function entriesToPrune(entries: readonly ShelfEntry[], bounds: ShelfBounds, now: Date): string[] {
  const age = (e: ShelfEntry) => now.getTime() - e.lastUsed.getTime();
  const gone = new Set(entries.filter((e) => age(e) > bounds.maxAgeMs || (e.topology === undefined && age(e) > 3600_000)).map((e) => e.name));
  let total = entries.filter((e) => !gone.has(e.name)).reduce((s, e) => s + e.bytes, 0n);
  const order = (a: ShelfEntry, b: ShelfEntry) => Number(a.resumed) - Number(b.resumed) || a.lastUsed.getTime() - b.lastUsed.getTime();
  for (const e of [...entries].filter((e) => !gone.has(e.name)).sort(order)) {
    if (total <= bounds.maxBytes) break;
    gone.add(e.name);
    total -= e.bytes;
  }
  return entries.filter((e) => gone.has(e.name)).map((e) => e.name);
}

// What a daxh process may leave behind, looked for the way a user would: QEMU processes, daxh temp dirs,
// loopback ports in LISTEN. Snapshot before, compare after.
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';

/** QEMU processes (and their setpriv wrappers) of daxh guests: their -initrd lives in a daxh-guest-* dir. */
export async function ourQemus(): Promise<number[]> {
  const pids: number[] = [];
  for (const p of await readdir('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    const cmd = await readFile(`/proc/${p}/cmdline`, 'latin1').catch(() => '');
    if ((cmd.startsWith('qemu-system') || cmd.startsWith('setpriv\0--pdeathsig')) && cmd.includes('daxh-guest-')) pids.push(Number(p));
  }
  return pids;
}

export async function daxhTemps(): Promise<string[]> {
  return (await readdir(tmpdir())).filter((d) => d.startsWith('daxh-') && !d.startsWith('daxh-internal-error-')).sort();
}

/** Loopback TCP ports in LISTEN state, from /proc/net/tcp (state 0A). */
export async function listeningPorts(): Promise<number[]> {
  const text = await readFile('/proc/net/tcp', 'utf8');
  return [...new Set(text.split('\n').slice(1).filter((l) => l.split(/\s+/)[4] === '0A').map((l) => parseInt(l.split(/\s+/)[2]!.split(':')[1]!, 16)))].sort((a, b) => a - b);
}

export interface Snapshot {
  qemus: number[];
  temps: string[];
  ports: number[];
}

export async function snapshot(): Promise<Snapshot> {
  return { qemus: await ourQemus(), temps: await daxhTemps(), ports: await listeningPorts() };
}

/** What appeared since `before`: empty lists mean nothing was left behind. */
export async function leftSince(before: Snapshot): Promise<Snapshot> {
  const now = await snapshot();
  return { qemus: now.qemus.filter((p) => !before.qemus.includes(p)), temps: now.temps.filter((d) => !before.temps.includes(d)), ports: now.ports.filter((p) => !before.ports.includes(p)) };
}

export const NOTHING: Snapshot = { qemus: [], temps: [], ports: [] };

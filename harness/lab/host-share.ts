// How much of the host each guest gets: how many guests run at once, and how many vCPUs each has.
// Under TCG every vCPU is a busy host thread. When vCPU threads outnumber host cores, the host preempts a
// vCPU that holds a guest spinlock or owes an IPI answer and the other vCPU spins for its whole slice:
// measured here (2 cores, full run), two 2-vCPU guests burnt twice the CPU of one and finished only 1.1x
// sooner, while two 1-vCPU guests finished 1.8x sooner with the same results.
import { availableParallelism, freemem } from 'node:os';

export interface HostResources {
  cores: number;
  freeBytes: bigint;
}

/** Guests use up to ~1 GiB of host RAM each in practice (RAM backends are touched lazily); keep 2 GiB per guest. */
const HOST_BYTES_PER_GUEST = 2n ** 31n;

/** Above 2 vCPUs a TCG guest boots slower and the suites gain nothing (their steps come one at a time over SSH). */
const MAX_VCPUS = 2;

export function hostResources(): HostResources {
  return { cores: availableParallelism(), freeBytes: BigInt(freemem()) };
}

/** One guest per core, as many as memory allows, at least one. */
export function defaultJobs(host: HostResources): number {
  return Math.max(1, Math.min(host.cores, Number(host.freeBytes / HOST_BYTES_PER_GUEST)));
}

/** vCPUs for a guest whose topology does not fix them: the guests' share of the cores, without overcommit. */
export function vcpusPerGuest(host: HostResources, jobs: number): number {
  return Math.max(1, Math.min(MAX_VCPUS, Math.floor(host.cores / jobs)));
}

/** vCPUs for a guest that runs alone (exec, shell, repro, bench). */
export function loneGuestVcpus(): number {
  return vcpusPerGuest(hostResources(), 1);
}

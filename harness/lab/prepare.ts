// Everything a run needs before its first guest: the kernel, its image, which QEMU runs it and how it
// accelerates, and what the user adds to every guest's command line. Done once per run and shared by every
// guest of it.
import { checkTree } from '../../images/kernel-tree.ts';
import { chooseAccel } from '../guest/accel.ts';
import { ensureHost } from '../host/checks.ts';
import { buildImage, type GuestImage } from '../../images/image.ts';
import { configProfile } from '../../images/kconfig.ts';
import { checkChoice, resolveKernel, type Kernel, type KernelChoice } from '../../images/kernel.ts';
import type { Accel } from '../../qemu/base-args.ts';

export const DEFAULT_QEMU = 'qemu-system-x86_64';

/** What the user picks of the machine beyond the topology: the QEMU binary, extra kernel command-line words. */
export interface MachineChoice {
  qemu: string;
  append: readonly string[];
}

export const DEFAULT_MACHINE: MachineChoice = { qemu: DEFAULT_QEMU, append: [] };

export interface Prepared extends MachineChoice {
  kernel: Kernel;
  image: GuestImage;
  accel: Accel;
  /** The kernel's build profile as reports name it (`debian`, `user debug: KASAN PROVE_LOCKING`). */
  profile: string;
}

export async function prepare(choice: KernelChoice, accel: Accel | 'auto', log: (line: string) => void, machine: MachineChoice = DEFAULT_MACHINE, extras: { coverage?: boolean } = {}): Promise<Prepared> {
  // Bad input before installing anything for it.
  if (choice.kind === 'tree' && choice.build) await checkTree(choice.dir);
  checkChoice(choice);
  // A no-op costing a few ms when the host is ready; installs what is missing otherwise.
  await ensureHost(log, machine.qemu, { kernelBuild: (choice.kind === 'tree' && choice.build === true) || choice.kind === 'source', coverage: extras.coverage === true });
  const kernel = await resolveKernel(choice, log);
  const t0 = performance.now();
  const image = await buildImage(kernel);
  const built = image.cacheHit ? 'cached' : `built in ${((performance.now() - t0) / 1000).toFixed(1)} s`;
  const chosen = await chooseAccel(kernel.bzImage, accel, machine.qemu);
  const profile = configProfile(kernel.config, kernel.origin);
  log(`kernel ${kernel.release} (${kernel.label}) · ${profile} · image ${image.hash} (${built}) · accel ${chosen}${machine.qemu !== DEFAULT_QEMU ? ` · ${machine.qemu}` : ''}`);
  return { kernel, image, accel: chosen, profile, ...machine };
}

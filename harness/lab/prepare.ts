// Everything a run needs before its first guest: the kernel, its image, and how QEMU will accelerate.
// Done once per run and shared by every guest of it.
import { chooseAccel } from '../guest/accel.ts';
import { ensureHost } from '../host/checks.ts';
import { buildImage, type GuestImage } from '../../images/image.ts';
import { resolveKernel, type Kernel, type KernelChoice } from '../../images/kernel.ts';
import type { Accel } from '../../qemu/base-args.ts';

export interface Prepared {
  kernel: Kernel;
  image: GuestImage;
  accel: Accel;
}

export async function prepare(choice: KernelChoice, accel: Accel | 'auto', log: (line: string) => void): Promise<Prepared> {
  await ensureHost(log); // a no-op costing a few ms when the host is ready; installs what is missing otherwise
  const kernel = await resolveKernel(choice, log);
  const t0 = performance.now();
  const image = await buildImage(kernel);
  const built = image.cacheHit ? 'cached' : `built in ${((performance.now() - t0) / 1000).toFixed(1)} s`;
  const chosen = await chooseAccel(kernel.bzImage, accel);
  log(`kernel ${kernel.release} (${kernel.label}) · image ${image.hash} (${built}) · accel ${chosen}`);
  return { kernel, image, accel: chosen };
}

import { buildImage } from '../../../images/image.ts';
import { releaseOf, resolveKernel } from '../../../images/kernel.ts';
import { DRY_RUN_OPTION } from '../dry-run-flag.ts';
import { parseFlags, type Command } from '../command.ts';
import { EXIT, UsageError } from '../errors.ts';
import { KERNEL_HELP, KERNEL_OPTIONS, kernelChoice } from '../kernel-flags.ts';
import { say } from '../say.ts';

export const image: Command = {
  summary: 'build (or find in the cache) the guest image for a kernel',
  usage: 'build [kernel flags]',
  help: `Builds the zstd cpio initramfs: trixie busybox, kmod, dropbear, ndctl/daxctl/cxl, the helper, and the
kernel's dax/nvdimm/cxl modules. Cached under $XDG_CACHE_HOME/dax-harness by content.
  --dry-run        check the kernel flags, print the release an image would be built for, build nothing
${KERNEL_HELP}`,
  async run(args) {
    const { values, positionals } = parseFlags('image', args, { ...KERNEL_OPTIONS, ...DRY_RUN_OPTION }, true);
    if (positionals.join(' ') !== 'build') throw new UsageError(`image: unknown subcommand '${positionals.join(' ')}'; the only one is 'build'`);
    const choice = kernelChoice(values);
    if (values['dry-run']) {
      console.log(`would build the guest image for kernel ${await releaseOf(choice)}`);
      return EXIT.ok;
    }
    const kernel = await resolveKernel(choice, say);
    const t0 = performance.now();
    const img = await buildImage(kernel);
    console.log(`kernel   ${kernel.release} (${kernel.label})`);
    console.log(`image    ${img.hash} ${img.cacheHit ? 'cache hit' : `built in ${((performance.now() - t0) / 1000).toFixed(1)} s`}`);
    console.log(`file     ${img.initramfs}`);
    console.log(`userland ${img.packages.filter((p) => ['ndctl', 'daxctl', 'cxl', 'dropbear-bin', 'busybox-static', 'kmod'].includes(p.name)).map((p) => `${p.name} ${p.version}`).join(', ')}`);
    return EXIT.ok;
  },
};

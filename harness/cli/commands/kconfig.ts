import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkTree, configureTree } from '../../../images/kernel-tree.ts';
import { editLoopNote, parseKernelConfig } from '../../../images/kconfig.ts';
import { ensureHost } from '../../host/checks.ts';
import { parseFlags, type Command } from '../command.ts';
import { EXIT, UsageError } from '../errors.ts';
import { say } from '../say.ts';

export const kconfig: Command = {
  summary: "merge the options the harness needs into a kernel tree's .config (like vng --kconfig)",
  usage: '--kernel-tree DIR [--debug] [--coverage]',
  help: `  --kernel-tree DIR  the source tree; without a .config it starts from make defconfig
  --debug            also KASAN, PROVE_LOCKING, DEBUG_KOBJECT_RELEASE (with the DEBUG_OBJECTS_TIMERS it needs),
                     DEBUG_LIST, SLUB_DEBUG_ON, UBSAN and DETECT_HUNG_TASK with a 30 s timeout: kernel
                     reports the harness fails a case on
  --coverage         also GCOV_KERNEL and DEBUG_FS (add GCOV_PROFILE := y to drivers/dax/Makefile)
Sets dax, kmem, hmem, NVDIMM, legacy pmem, CXL, memory hotplug and what the guest boots with (=m where
the harness loads the module itself), then make olddefconfig. Idempotent: a second run changes nothing.
Prints each option it changed, and refuses (exit 2) when olddefconfig drops one.`,
  async run(args) {
    const { values } = parseFlags('kconfig', args, { 'kernel-tree': { type: 'string' }, debug: { type: 'boolean' }, coverage: { type: 'boolean' } });
    const dir = values['kernel-tree'];
    if (!dir) throw new UsageError('kconfig: give the tree: daxh kconfig --kernel-tree DIR');
    await checkTree(dir);
    await ensureHost(say, undefined, { kernelBuild: true });
    const outcome = await configureTree(dir, { debug: values.debug === true, coverage: values.coverage === true }, say);
    for (const s of outcome.changed) console.log(`${s.option}=${s.value}  (${s.why})`);
    console.log(outcome.changed.length ? `${dir}/.config: ${outcome.changed.length} option(s) set; build with make -j$(nproc) bzImage modules, or daxh run --kernel-tree ${dir} --build` : `${dir}/.config already has everything the harness needs`);
    const note = editLoopNote(parseKernelConfig(await readFile(join((await checkTree(dir)).build, '.config'), 'utf8')));
    if (note) say(`note: ${note}`);
    return EXIT.ok;
  },
};

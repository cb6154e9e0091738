import { dirname } from 'node:path';
import { findingDirs, writeFindings } from '../../findings/write.ts';
import { readResults } from '../../report/load.ts';
import { checkOutputPath } from '../../report/files.ts';
import { parseFlags, type Command } from '../command.ts';
import { EXIT, UsageError } from '../errors.ts';
import { checkTree } from '../../../images/kernel-tree.ts';

export const findings: Command = {
  summary: 'turn the findings of runs into reports a maintainer can act on: report.txt, repro.sh, vm.txt, recipe.json',
  usage: '<results.json>… --out DIR [--kernel-tree DIR]',
  help: `  --out DIR            one folder per finding goes here (a known bug by its id, a new one as new-N)
  --kernel-tree DIR    a build or source tree of an affected release: the report quotes the functions that
                       explain the bug from it, and symbolizes the kernel log with its decode_stacktrace.sh

Every known bug the runs hit, and every failure no known row explains, gets report.txt (a bug report, wrapped
at 72 columns, ready to send), repro.sh (POSIX sh, needs nothing but sysfs, procfs and /dev; prints REPRODUCED
or NOT REPRODUCED and exits 1 or 0), vm.txt (the VM it was written for) and recipe.json (for daxh repro).
daxh run writes the same under <out>/findings/ when it has findings. Exit 0; 2 when a file is unusable.`,
  async run(args) {
    const { values, positionals } = parseFlags('findings', args, { out: { type: 'string' }, 'kernel-tree': { type: 'string' } }, true);
    if (positionals.length === 0) throw new UsageError('findings: give the results.json files (daxh run writes <out>/results.json)');
    if (!values.out) throw new UsageError('findings: --out DIR is needed: each finding gets a folder there');
    checkOutputPath('--out', values.out, 'dir');
    const tree = values['kernel-tree'] === undefined ? undefined : await checkTree(values['kernel-tree']);
    const runs = await Promise.all(positionals.map(readResults));
    const found = await writeFindings({ runs, bases: positionals.map(dirname), ...(tree ? { tree } : {}) }, values.out);
    if (!found.length) console.log('no findings: every case passed or was skipped');
    for (const f of findingDirs(found, values.out)) console.log(`${f.dir}  ${f.subject}`);
    return EXIT.ok;
  },
};

import { judgeSavedLog, parseSavedLog, releaseIn } from '../../verdict/judge-log.ts';
import { MAX_BYTES, readUserFile } from '../../util/user-file.ts';
import { untestableRelease } from '../../abi/kernel.ts';
import { printable } from '../../util/terminal.ts';
import { parseFlags, type Command } from '../command.ts';
import { EXIT, UsageError } from '../errors.ts';

export const judge: Command = {
  summary: 're-judge a saved console or kernel log offline, as the run would: its reports and the known bug each is',
  usage: '<log>… [--release R]',
  help: `  --release R      the kernel release the log is from (default: what its reports name, e.g. "Not tainted 6.12.117")

A log is a case's console log as daxh run saves it (<out>/console/*.log: the console, the kernel log step by
step, the blocked tasks after a hang), or any console or dmesg text. For each report (Oops, BUG, KASAN,
WARNING, hung task …) it prints the known bug it is on that release, or that no known bug explains it.
Exit 0 when every report is a known bug or there is none, 1 when one is not, 2 for bad input.`,
  async run(args) {
    const { values, positionals } = parseFlags('judge', args, { release: { type: 'string' } }, true);
    if (positionals.length === 0) throw new UsageError('judge: give the log files (daxh run saves them under <out>/console/)');
    if (values.release !== undefined) {
      const why = untestableRelease(values.release);
      if (why) throw new UsageError(`--release ${values.release}: ${why}`);
    }
    const texts = positionals.map((f) => [f, readUserFile('log', f, 'a console or kernel log', MAX_BYTES.results)] as const);
    let failed = false;
    for (const [file, text] of texts) {
      const release = values.release ?? releaseIn(text);
      if (!release) throw new UsageError(`${file}: names no kernel release; give --release R`);
      const j = judgeSavedLog(parseSavedLog(text), release);
      console.log(printable(`${file}: ${j.verdict} (${release}, ${j.reports.length} report(s))`));
      for (const r of j.reports) console.log(printable(`  ${r.kind}: ${r.line}${r.during ? ` [during ${r.during}]` : ''}\n    ${r.known ? `known ${r.known.id} (${r.known.kernels.split(';')[0]})` : 'no known bug explains it'}`));
      failed ||= j.verdict === 'failed';
    }
    return failed ? EXIT.failed : EXIT.ok;
  },
};

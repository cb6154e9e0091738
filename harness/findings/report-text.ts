// report.txt: a finding as the kernel's guide for reporting bugs asks for one
// (Documentation/admin-guide/reporting-issues.rst): a subject with the subsystem prefix, what happens and
// what should happen, how to reproduce it without the harness, the kernels it shows on and those it does
// not, the log, the source, the cause and how that was established. Plain text, prose wrapped at 72
// columns; logs and code are quoted as they are. Pure.
import { rangeText } from '../model/divergences.ts';
import { spreadLine } from '../report/facts.ts';
import { kernelsOf, type Finding } from './collect.ts';

const WIDTH = 72;

/** Prose wrapped at 72 columns, each line with `indent`. */
export function wrap(text: string, indent = ''): string {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = indent;
    for (const word of para.split(/\s+/).filter(Boolean)) {
      if (line.trim() && (line + ' ' + word).length > WIDTH) {
        out.push(line);
        line = indent;
      }
      line = line.trim() ? `${line} ${word}` : `${indent}${word}`;
    }
    out.push(line.trimEnd());
  }
  return out.join('\n');
}

/** A quoted block (log, code, command): kept as it is, indented. */
const quote = (text: string): string =>
  text
    .split('\n')
    .map((l) => `    ${l}`.trimEnd())
    .join('\n');

export interface ReportExtras {
  /** The source of the functions that explain it, as read from a tree of an affected release. */
  source?: { release: string; file: string; function: string; text: string }[];
  /** The kernel log excerpt with its frames symbolized (scripts/decode_stacktrace.sh). */
  symbolized?: string;
}

function whatHappens(f: Finding): string[] {
  const h = f.hits[0]!;
  const r = h.record;
  if (r && r.expected !== 'external') {
    return [
      wrap(`On ${h.kernel}, in a VM with the topology "${h.topology}" (vm.txt), the sysfs operation`),
      quote(r.operation),
      wrap(`answers ${r.actual}.`),
      '',
      'What should happen',
      wrap(`It answers ${r.expected}${f.row ? '' : ', as the harness\'s reference model of the dax bus predicts'}.`),
    ];
  }
  if (h.report) return [wrap(`On ${h.kernel}, in a VM with the topology "${h.topology}" (vm.txt), the kernel reports "${h.report.line.trim()}" during:`), quote(h.step)];
  const intended = f.row && 'intended' in f.row ? f.row.intended : undefined;
  return [
    wrap(`On ${h.kernel}, in a VM with the topology "${h.topology}" (vm.txt), during`),
    quote(h.step),
    wrap(`${f.row?.subject.replace(/^[^:]*: /, '') ?? f.subject}.`),
    ...(intended ? ['', 'What should happen', wrap(intended)] : []),
  ];
}

export function reportText(f: Finding, extras: ReportExtras = {}): string {
  const row = f.row;
  const h = f.hits[0]!;
  const kernels = kernelsOf(f);
  const lines: string[] = [`Subject: [BUG] ${row?.subject ?? `dax: ${f.subject}`}`, ''];
  lines.push('What happens', ...whatHappens(f), '');
  if (row) lines.push('Why', wrap(row.reason), '');
  if (f.failure?.failure && !row) lines.push('What the harness saw', quote(f.failure.failure), '');
  lines.push(
    'How to reproduce',
    wrap(`repro.sh, in this folder, needs nothing but sysfs, procfs and /dev. Boot a VM as vm.txt describes (run_qemu, virtme-ng or plain QEMU), then as root:`),
    quote('sh repro.sh'),
    wrap('It finds the dax region and devices itself and prints one line: REPRODUCED (exit 1), NOT REPRODUCED (exit 0) or CANNOT TEST (exit 125). recipe.json replays the case the harness found it in: npx daxh repro recipe.json.'),
    '',
    'Kernels',
    wrap(`Seen on: ${kernels.join(', ')} (${f.hits.length} case(s): ${[...new Set(f.hits.map((x) => x.case))].slice(0, 4).join(', ')}${f.hits.length > 4 ? ', …' : ''}).`),
  );
  if (f.replays.length) lines.push(wrap(`Replayed on each Debian series: ${spreadLine(f.replays)}.`));
  if (row) lines.push(wrap(`Range: ${rangeText(row)}. ${row.measured}.`));
  lines.push('');
  const excerpt = extras.symbolized ?? h.report?.excerpt ?? h.excerpt;
  if (excerpt) lines.push(`Kernel log${extras.symbolized ? ' (symbolized with scripts/decode_stacktrace.sh)' : ''}`, quote(excerpt.trimEnd()), '');
  if (row) {
    lines.push('Source');
    if (extras.source?.length) for (const s of extras.source) lines.push(wrap(`${s.file}, ${s.function}(), as in ${s.release}:`), quote(s.text.trimEnd()), '');
    else lines.push(wrap(row.source.map((s) => `${s.file}: ${s.function}()`).join('; ') + '.'), '');
  }
  if (row?.cause) {
    const c = row.cause;
    lines.push('Cause', wrap(c.commit ? `Introduced by ${c.commit} ("${c.subject}"). ${c.how}.` : `The introducing commit is not established. ${c.how}.`));
    if (c.commit) lines.push('', `Fixes: ${c.commit} ("${c.subject}")`);
    if (c.commit && row.regression) lines.push(`#regzbot introduced: ${c.commit}`);
    lines.push('');
  }
  lines.push(wrap(`Found by dax-harness, which checks every dax bus operation in QEMU guests against a reference model (${h.case} on ${h.kernel}${h.profile ? `, ${h.profile}` : ''}).`));
  return lines.join('\n') + '\n';
}

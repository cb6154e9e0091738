import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserFileError } from '../harness/util/user-file.ts';
import { fileURLToPath } from 'node:url';
import { builtinTopologyNames, listTopologies, loadTopology } from './load.ts';
import { parseTopologyText } from './topology-file.ts';
import { TopologyError } from './validate.ts';
import { splitVariants } from './variants.ts';

const testdata = (name: string) => fileURLToPath(new URL(`./testdata/${name}`, import.meta.url));

test('every built-in loads, and each has its +mom and +movable variants in the list', (t) => {
  const list = listTopologies();
  const names = builtinTopologyNames();
  t.deepEqual(
    list.map((x) => x.name),
    names.flatMap((n) => [n, `${n}+mom`, `${n}+movable`]),
  );
  for (const { name, description } of list) {
    t.true(description.length > 0 && !description.includes('\n'), name);
    t.is(loadTopology(name).name, name);
  }
});

test('+mom and +movable only change the boot setting', (t) => {
  const base = loadTopology('hmem');
  const mom = loadTopology('hmem+mom');
  t.is(mom.boot.memmapOnMemory, 'Y');
  t.is(base.boot.memmapOnMemory, undefined);
  t.deepEqual({ ...mom, name: base.name, description: base.description, boot: base.boot }, base);
  const movable = loadTopology('hmem+movable');
  t.deepEqual(movable.boot.online, { policy: 'online_movable', via: 'memhp_default_state' });
  t.deepEqual({ ...movable, name: base.name, description: base.description, boot: base.boot }, base);
});

test('variants peel off names and paths, unknown suffixes stay part of the name', (t) => {
  t.deepEqual(splitVariants('hmem+mom'), { base: 'hmem', variants: ['mom'] });
  t.deepEqual(splitVariants('dir/a+b.yaml+mom'), { base: 'dir/a+b.yaml', variants: ['mom'] });
  t.deepEqual(splitVariants('hmem+fast'), { base: 'hmem+fast', variants: [] });
  t.deepEqual(splitVariants('+mom'), { base: '+mom', variants: [] });
});

test('an unknown name lists the built-ins', (t) => {
  const err = t.throws(() => loadTopology('hmem+fast'), { instanceOf: TopologyError });
  t.is(err.field, 'topology hmem+fast');
  t.regex(err.message, /^topology hmem\+fast: not a built-in topology \(cxl, cxl-interleave, .*; variants \+mom, \+movable\) nor a \.yaml\/\.yml\/\.json file$/);
  t.regex(t.throws(() => loadTopology('nosuch', '--topology'))!.message, /^--topology nosuch: not a built-in topology/);
});

test('a JSON topology file loads, with variants', (t) => {
  const topo = loadTopology(testdata('custom.json'));
  t.is(topo.name, 'custom');
  t.is(topo.hmem[0]!.size, 512n * 1024n * 1024n);
  t.is(loadTopology(`${testdata('custom.json')}+mom`).boot.memmapOnMemory, 'Y');
});

test('a bad file fails with one line naming the file, the field and the fix', (t) => {
  const path = testdata('bad-cxl-size.yaml');
  const err = t.throws(() => loadTopology(path), { instanceOf: TopologyError });
  t.is(err.message, `${path}: cxl.devices[1].size: 300M is not a multiple of 256M`);
  t.is(err.field, 'cxl.devices[1].size');
});

test('an unreadable file is bad input naming it, not a crash; a FIFO, a device or /proc is refused before it is read', (t) => {
  const err = t.throws(() => loadTopology('/nonexistent/topo.yaml'), { instanceOf: UserFileError });
  t.is(err.message, 'topology /nonexistent/topo.yaml: no such file');
  const dir = mkdtempSync(join(tmpdir(), 'daxh-topo-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync('mkfifo', [join(dir, 'fifo.yaml')]);
  symlinkSync('/dev/zero', join(dir, 'zero.yaml'));
  t.is(t.throws(() => loadTopology(join(dir, 'fifo.yaml')))!.message, `topology ${join(dir, 'fifo.yaml')}: is a FIFO; give a topology .yaml or .json file`);
  t.regex(t.throws(() => loadTopology(join(dir, 'zero.yaml')))!.message, /zero\.yaml: \/dev\/zero is under \/dev, a pseudo filesystem/);
  t.regex(t.throws(() => loadTopology('/proc/self/status.yaml'))!.message, /no such file|pseudo filesystem/);
  const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`)].join('\n');
  t.regex(t.throws(() => parseTopologyText(bomb, 'bomb.yaml'), { instanceOf: TopologyError }).message, /^bomb\.yaml: start: .*alias/i, 'an alias bomb is bad input');
});

test('YAML syntax errors point at the line', (t) => {
  const err = t.throws(() => parseTopologyText('name: x\nnodes: [1, 2\nram: 2G\n', 'x.yaml'), { instanceOf: TopologyError });
  t.regex(err.message, /^x\.yaml: line \d+, column \d+: /);
  t.false(err.message.includes('\n'));
  t.is(t.throws(() => parseTopologyText('', 'empty.yaml'), { instanceOf: TopologyError }).message, 'empty.yaml: (topology): expected object, got null');
});

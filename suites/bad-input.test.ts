// Bad input, as a hostile but fair user gives it: every row is one mistake on one command. Each must end in
// one line on stderr that names the field (or flag) and exit 2, before anything boots, and leave nothing
// behind: no QEMU, no temp dir, no listening port, no out/ dir, nothing new or changed in the cache.
import test from 'ava';
import { lstat, mkdir, mkdtemp, readdir, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { cacheRoot } from '../images/cache.ts';
import { RECIPE_SCHEMA } from '../harness/recipe/recipe.ts';
import { RESULTS_SCHEMA } from '../harness/report/results.ts';
import { NOTHING, leftSince, snapshot } from './leftovers.ts';
import { filesUnder } from '../harness/util/files.ts';

const DAXH = 'bin/daxh.js';

interface Row {
  args: string[];
  /** What the one line must name: the flag, the field or the file, and ideally the fix. */
  names: RegExp;
  /** The mistake is in the environment rather than the arguments. */
  env?: Record<string, string>;
}

/** Files the rows point at, made once in a private dir. */
async function fixtures(dir: string) {
  const f = (name: string) => join(dir, name);
  const write = async (name: string, text: string | Buffer) => {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(f(name), text);
    return f(name);
  };
  // Passes the boot-protocol check and nothing else: a 1 KiB file with "HdrS" at 0x202.
  const fakeBz = Buffer.alloc(1024);
  fakeBz.write('HdrS', 0x202, 'latin1');
  const topo = (name: string, body: string) => write(`${name}.yaml`, `name: ${name}\ndescription: bad on purpose\n${body}`);
  const hb = 'cxl:\n  hostBridges: [{id: hb0, busNr: 12, rootPorts: 1}]\n';
  const recipe = (steps: unknown, extra: Record<string, unknown> = {}) => JSON.stringify({ schema: RECIPE_SCHEMA, topology: 'hmem', steps, ...extra });
  const readSize = { op: 'read', ref: { kind: 'device', device: 'dax0.0', attr: 'size' } };
  const results = (extra: Record<string, unknown>) =>
    JSON.stringify({ schema: RESULTS_SCHEMA, kernel: '6.12.117+deb12-amd64', image: 'x', accel: 'tcg', seed: 1, startedAt: '2026-12-01T00:00:00.000Z', durationMs: 1, guests: { boots: 0, restores: 0 }, totals: { passed: 1, failed: 0, known: 0, skipped: 0, interrupted: 0 }, checks: 1, cases: [{ suite: 's', topology: 'hmem', name: 'c', status: 'passed', checks: 1, durationMs: 1 }], ...extra });
  await mkdir(f('dir'), { recursive: true });
  await mkdir(f('mods-empty'), { recursive: true });
  await mkdir(f('mods-release/lib/modules/6.99.0'), { recursive: true });
  await mkdir(f('tree-noconfig/arch/x86/boot'), { recursive: true });
  await writeFile(f('tree-noconfig/arch/x86/boot/bzImage'), fakeBz);
  await mkdir(f('tree-norelease/arch/x86/boot'), { recursive: true });
  await writeFile(f('tree-norelease/arch/x86/boot/bzImage'), fakeBz);
  await writeFile(f('tree-norelease/.config'), 'CONFIG_DEV_DAX=m\n');
  // Kernel trees and module trees whose release is no kernel the harness tests.
  for (const [name, release] of [['old', '5.4.0'], ['foo', 'foo']] as const) await mkdir(f(`mods-${name}/lib/modules/${release}/kernel`), { recursive: true });
  await mkdir(f('tree-emptyrelease/arch/x86/boot'), { recursive: true });
  await mkdir(f('tree-emptyrelease/include/config'), { recursive: true });
  await writeFile(f('tree-emptyrelease/arch/x86/boot/bzImage'), fakeBz);
  await writeFile(f('tree-emptyrelease/.config'), 'CONFIG_DEV_DAX=m\n');
  await writeFile(f('tree-emptyrelease/include/config/kernel.release'), '\n');
  // Special files where a file goes: a FIFO blocks a reader for ever, /dev/zero never ends.
  await execa('mkfifo', [f('fifo.yaml')]);
  await execa('mkfifo', [f('fifo.json')]);
  await symlink('/dev/zero', f('zero.yaml'));
  await mkdir(f('git-tree'), { recursive: true });
  await execa('git', ['init', '-q', f('git-tree')]);
  await writeFile(f('git-tree/Makefile'), 'all:\n');
  for (const m of ['one', 'two']) await execa('git', ['-C', f('git-tree'), '-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-q', '--allow-empty', '-m', m]);
  return {
    dir: f('dir'),
    text: await write('notkernel', 'not a kernel\n'),
    empty: await write('empty', ''),
    fakeBz: await write('bzImage', fakeBz),
    modsEmpty: f('mods-empty'),
    modsRelease: f('mods-release'),
    treeNoConfig: f('tree-noconfig'),
    treeNoRelease: f('tree-norelease'),
    gitTree: f('git-tree'),
    pwned: f('pwned'),
    modsOld: f('mods-old'),
    modsFoo: f('mods-foo'),
    treeEmptyRelease: f('tree-emptyrelease'),
    fifoYaml: f('fifo.yaml'),
    fifoJson: f('fifo.json'),
    zeroYaml: f('zero.yaml'),
    topo: {
      cxlSize: await topo('cxlsize', `ram: 2G\n${hb}  devices: [{id: v0, type: volatile, hostBridge: hb0, rootPort: 0, size: 300M}]\n  windows: [{id: w0, size: 4G, targets: [hb0]}]\n  regions: []\n`),
      ram10T: await topo('ram10t', 'ram: 10T\n'),
      ramJunk: await topo('ramjunk', 'ram: lots\n'),
      unknownKey: await topo('unknownkey', 'ram: 2G\nfrobnicate: 1\n'),
      noName: await write('noname.yaml', 'description: no name\nram: 2G\n'),
      yamlSyntax: await write('syntax.yaml', 'name: [unclosed\n'),
      jsonSyntax: await write('syntax.json', '{"name": '),
      empty: await write('empty.yaml', ''),
      txt: await write('topology.txt', 'name: t\n'),
      nodeId0: await topo('node0', 'ram: 2G\nnodes: [{id: 0, memory: 1G}]\n'),
      nodeTwice: await topo('nodetwice', 'ram: 2G\nnodes: [{id: 1, memory: 1G}, {id: 1}]\n'),
      hmemOutside: await topo('hmemout', 'ram: 2G\nnodes: [{id: 1, memory: 2G}]\nhmem: [{start: 64G, size: 1G}]\n'),
      hmemMisaligned: await topo('hmemmis', 'ram: 2G\nnodes: [{id: 1, memory: 2G}]\nhmem: [{start: 4G, size: 1000M}]\n'),
      pmemOverlap: await topo('pmemov', 'ram: 2G\nnodes: [{id: 1, memory: 2G}]\npmem: [{start: 4G, size: 512M}, {start: 4352M, size: 512M}]\n'),
      nvdimm10T: await topo('nvdimm10t', 'ram: 2G\nnvdimms: [{id: nv0, size: 10T, node: 0}]\n'),
      cxl10T: await topo('cxl10t', `ram: 2G\n${hb}  devices: [{id: v0, type: volatile, hostBridge: hb0, rootPort: 0, size: 10T}]\n  windows: [{id: w0, size: 16T, targets: [hb0]}]\n  regions: [{id: r0, type: ram, window: w0, devices: [v0]}]\n`),
      cxlNoBridge: await topo('cxlnobr', 'ram: 2G\ncxl:\n  hostBridges: []\n  devices: []\n  windows: []\n  regions: []\n'),
      cxlBadPort: await topo('cxlport', `ram: 2G\n${hb}  devices: [{id: v0, type: volatile, hostBridge: hb0, rootPort: 5, size: 256M}]\n  windows: [{id: w0, size: 4G, targets: [hb0]}]\n  regions: []\n`),
      cxlUnknownBridge: await topo('cxlhb', `ram: 2G\n${hb}  devices: [{id: v0, type: volatile, hostBridge: hb9, rootPort: 0, size: 256M}]\n  windows: [{id: w0, size: 4G, targets: [hb0]}]\n  regions: []\n`),
      cxlPmemNoLsa: await topo('cxllsa', `ram: 2G\n${hb}  devices: [{id: p0, type: persistent, hostBridge: hb0, rootPort: 0, size: 256M}]\n  windows: [{id: w0, size: 4G, targets: [hb0]}]\n  regions: []\n`),
      badId: await topo('badid', `ram: 2G\n${hb}  devices: [{id: 0v, type: volatile, hostBridge: hb0, rootPort: 0, size: 256M}]\n  windows: [{id: w0, size: 4G, targets: [hb0]}]\n  regions: []\n`),
      cpus0: await topo('cpus0', 'ram: 2G\ncpus: 0\n'),
      aliasBomb: await write('bomb.yaml', ['name: bomb', 'a: &a [x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`)].join('\n')),
      maxmemAtRam: await topo('maxmem', 'ram: 2G\nhotplug: {slots: 1, maxmem: 2G}\n'),
      cmdlineConsole: await topo('console', 'ram: 2G\nboot:\n  cmdline: [console=tty0]\n'),
      cmdlineMom: await topo('mom', 'ram: 2G\nboot:\n  cmdline: [memory_hotplug.memmap-on-memory=1]\n'),
      pmemAlign: await topo('pmemalign', 'ram: 2G\nnodes: [{id: 1, memory: 2G}]\npmem: [{start: 4G, size: 256M, namespace: {align: 1G}}]\n'),
      typo: await topo('typo', 'ram: 2G\nnodse: []\n'),
    },
    recipe: {
      notJson: await write('recipe-bad.json', '{"schema": '),
      noSteps: await write('recipe-nosteps.json', recipe([])),
      badAttr: await write('recipe-attr.json', recipe([{ op: 'read', ref: { kind: 'device', device: 'dax0.0', attr: 'frobnicate' } }])),
      badOp: await write('recipe-op.json', recipe([{ op: 'poke', ref: readSize.ref }])),
      future: await write('recipe-future.json', JSON.stringify({ schema: 'dax-harness/recipe@9', topology: 'hmem', steps: [readSize] })),
      unknownTopology: await write('recipe-topo.json', recipe([readSize], { topology: 'nosuch' })),
      stranger: await write('recipe-stranger.json', recipe([{ op: 'read', ref: { kind: 'device', device: 'dax99.7', attr: 'size' } }])),
      good: await write('recipe-good.json', recipe([readSize])),
      badRelease: await write('recipe-release.json', recipe([readSize], { kernel: { min: 'six' } })),
      failnth: await write('recipe-failnth.json', recipe([{ op: 'write', ref: readSize.ref, value: '0', failnth: 3 }])),
      modle: await write('recipe-modle.json', recipe([readSize], { modle: {} })),
      traversal: await write('recipe-traversal.json', recipe([{ op: 'read', ref: { kind: 'device', device: '../../../../etc/passwd', attr: 'size' } }])),
    },
    results: {
      notJson: await write('results-bad.json', 'not json'),
      noCases: await write('results-nocases.json', JSON.stringify({ schema: RESULTS_SCHEMA, kernel: '6.12' })),
      a: await write('results-a.json', results({})),
      otherKernel: await write('results-k.json', results({ kernel: '7.3.4+deb13-amd64' })),
      otherSeed: await write('results-s.json', results({ seed: 2, cases: [{ suite: 's', topology: 'cxl', name: 'd', status: 'passed', checks: 1, durationMs: 1 }] })),
      future: await write('results-future.json', results({ schema: 'dax-harness/results@9' })),
      branches: await write('results-branches.json', results({ cases: [{ suite: 's', topology: 'hmem', name: 'c', status: 'passed', checks: 1, durationMs: 1, branches: 5 }] })),
      hugeShard: await write('results-shard.json', results({ shard: { index: 1, count: 1e9 } })),
      typo: await write('results-typo.json', results({ chekcs: 1 })),
    },
  };
}

function rows(x: Awaited<ReturnType<typeof fixtures>>): Row[] {
  const bootingCommands = [['run'], ['exec', '--', 'true'], ['shell'], ['image', 'build']] as const;
  const kernelMistakes: Row[] = bootingCommands.flatMap((cmd) => {
    const c = cmd[0];
    const tail = cmd.slice(1);
    return [
      { args: [c, '--debian-kernel', '5.4', ...tail], names: /--debian-kernel 5\.4.*use one of/ },
      { args: [c, '--kernel', x.dir, '--modules', x.modsEmpty, ...tail], names: /--kernel .*is a directory/ },
      { args: [c, '--kernel', x.text, '--modules', x.modsEmpty, ...tail], names: /--kernel .*not an x86 bzImage/ },
      { args: [c, '--kernel', join(x.dir, 'nope'), '--modules', x.modsEmpty, ...tail], names: /--kernel .*no such file/ },
      { args: [c, '--kernel', x.fakeBz, ...tail], names: /--kernel needs --modules/ },
      { args: [c, '--modules', x.modsEmpty, ...tail], names: /--modules needs --kernel/ },
      { args: [c, '--kernel-tree', x.treeNoConfig, ...tail], names: /--kernel-tree .*no \.config/ },
      { args: [c, '--kernel-tree', x.treeNoRelease, ...tail], names: /--kernel-tree .*kernel\.release/ },
    ];
  });
  const machine: Row[] = (['run', 'exec', 'shell', 'repro', 'bench'] as const).flatMap((c) => {
    const tail = c === 'exec' ? ['--', 'true'] : c === 'repro' ? [x.recipe.good] : [];
    return [
      { args: [c, '--accel', 'fast', ...tail], names: /--accel.*auto, tcg or kvm|--accel.*auto\|tcg\|kvm/ },
      { args: [c, '--qemu', join(x.dir, 'no-qemu'), ...tail], names: /--qemu .*/ },
      { args: [c, '--qemu', x.text, ...tail], names: /--qemu .*/ },
      // A value, never a shell word: a shell would expand $DAXH_PWNED and create the file.
      { args: [c, '--qemu', 'qemu-system-x86_64;touch $PWNED_BY_DAXH', ...tail], env: { PWNED_BY_DAXH: x.pwned }, names: /--qemu "qemu-system-x86_64;touch \$PWNED_BY_DAXH": not a command name; give the path of a QEMU binary/ },
      { args: [c, '--frobnicate', ...tail], names: /unknown flag --frobnicate/ },
    ];
  });
  const topologyFiles: Row[] = [
    [x.topo.cxlSize, /cxl\.devices\[0\]\.size/],
    [x.topo.ram10T, /ram10t\.yaml: ram: guest RAM ends at 10242G/],
    [x.topo.ramJunk, /\bram: "lots" is not a size/],
    [x.topo.unknownKey, /frobnicate/],
    [x.topo.noName, /\bname\b/],
    [x.topo.yamlSyntax, /syntax\.yaml/],
    [x.topo.jsonSyntax, /syntax\.json/],
    [x.topo.empty, /empty\.yaml/],
    [x.topo.txt, /topology\.txt.*\.yaml|\.json/],
    [x.topo.nodeId0, /nodes\[0\]\.id/],
    [x.topo.nodeTwice, /nodes\[1\]\.id: node 1 is defined twice/],
    [x.topo.hmemOutside, /hmem\[0\]/],
    [x.topo.hmemMisaligned, /hmem\[0\]\.size/],
    [x.topo.pmemOverlap, /pmem\[1\]/],
    [x.topo.nvdimm10T, /nvdimms\[0\]\.size: .*phys-bits 40/],
    [x.topo.cxl10T, /cxl\.windows\[0\]\.size: .*phys-bits 40/],
    [x.topo.cxlNoBridge, /cxl\.hostBridges/],
    [x.topo.cxlBadPort, /cxl\.devices\[0\]\.rootPort/],
    [x.topo.cxlUnknownBridge, /cxl\.devices\[0\]\.hostBridge/],
    [x.topo.cxlPmemNoLsa, /cxl\.devices\[0\]\.lsa/],
    [x.topo.badId, /cxl\.devices\[0\]\.id/],
    [x.topo.cpus0, /\bcpus\b/],
  ].flatMap(([file, names]) => [
    { args: ['run', '--topology', file as string], names: names as RegExp },
    { args: ['exec', '--topology', file as string, '--', 'true'], names: names as RegExp },
  ]);
  const hostile: Row[] = [
    // Files of the wrong class, refused before they are read.
    { args: ['run', '--topology', x.fifoYaml], names: /fifo\.yaml: is a FIFO; give a topology \.yaml or \.json file/ },
    { args: ['run', '--topology', x.zeroYaml], names: /zero\.yaml: \/dev\/zero is under \/dev, a pseudo filesystem/ },
    { args: ['repro', x.fifoJson], names: /recipe .*fifo\.json: is a FIFO/ },
    { args: ['merge', x.fifoJson], names: /results .*fifo\.json: is a FIFO/ },
    { args: ['report', '/proc/self/status'], names: /under \/proc, a pseudo filesystem/ },
    { args: ['exec', '--kernel', x.fifoYaml, '--modules', x.modsEmpty, '--', 'true'], names: /--kernel .*fifo\.yaml: is a FIFO/ },
    { args: ['run', '--topology', x.topo.aliasBomb], names: /bomb\.yaml: .*alias/i },
    { args: ['run', '--topology', x.topo.typo], names: /nodse: unknown field; did you mean nodes\?/ },
    // Numbers with the bounds their use needs.
    { args: ['run', '--shard', '99999999999999999999/99999999999999999999'], names: /--shard .*1 <= i <= n <= 1000/ },
    { args: ['run', '--list'], env: { DAXH_DEADLINE_SCALE: '100000' }, names: /DAXH_DEADLINE_SCALE: factor '100000' is outside 0\.01 to 1000/ },
    { args: ['run', '--list'], env: { DAXH_DEADLINE_SCALE: '1e-9' }, names: /DAXH_DEADLINE_SCALE: factor '1e-9' is outside/ },
    { args: ['run', '--list'], env: { DAXH_DEADLINE_SCAEL: '2' }, names: /DAXH_DEADLINE_SCAEL: not a variable daxh reads; did you mean DAXH_DEADLINE_SCALE\?/ },
    { args: ['run', '--list'], env: { XDG_CACHE_HOME: '/proc' }, names: /XDG_CACHE_HOME=\/proc: under \/proc, a pseudo filesystem/ },
    // Kernels the harness cannot test.
    { args: ['exec', '--kernel', x.fakeBz, '--modules', x.modsOld, '--', 'true'], names: /--modules .*release 5\.4\.0 is older than 6\.1/ },
    { args: ['exec', '--kernel', x.fakeBz, '--modules', x.modsFoo, '--', 'true'], names: /--modules .*release "foo" is not a kernel release/ },
    { args: ['exec', '--kernel-tree', x.treeEmptyRelease, '--', 'true'], names: /--kernel-tree .*release "" is not a kernel release/ },
    // Kernel parameters compared as the kernel compares them, one list for --append and boot.cmdline.
    { args: ['run', '--append', 'memory_hotplug.memmap-on-memory=1', '--list'], names: /--append memory_hotplug\.memmap-on-memory=1: set boot\.memmapOnMemory/ },
    { args: ['run', '--topology', x.topo.cmdlineMom], names: /boot\.cmdline\[0\]: set boot\.memmapOnMemory/ },
    { args: ['run', '--topology', x.topo.cmdlineConsole], names: /boot\.cmdline\[0\]: the harness reads the kernel log from console=ttyS0/ },
    { args: ['run', '--topology', x.topo.maxmemAtRam], names: /hotplug\.maxmem: 2G is not above the 2G of RAM/ },
    { args: ['run', '--topology', x.topo.pmemAlign], names: /pmem\[0\]\.namespace\.align: 1G is larger than its 256M range/ },
    // Strict schemas, names by form.
    { args: ['repro', x.recipe.failnth], names: /recipe-failnth\.json: steps\[0\]\.failnth: unknown key; did you mean failNth\?/ },
    { args: ['repro', x.recipe.modle], names: /recipe-modle\.json: modle: unknown key; did you mean model\?/ },
    { args: ['repro', x.recipe.traversal], names: /recipe-traversal\.json: steps\[0\]\.ref\.device: a dax device name like dax0\.1/ },
    { args: ['merge', x.results.branches], names: /results-branches\.json: cases\[0\]\.branches: / },
    { args: ['merge', x.results.hugeShard], names: /results-shard\.json: shard\.count: / },
    { args: ['merge', x.results.typo], names: /results-typo\.json: chekcs: unknown key; did you mean checks\?/ },
    // Everything checked before git, apt, a build or a boot.
    { args: ['bisect', '--kernel-tree', x.gitTree, '--good', 'HEAD', '--bad', 'HEAD~1', x.recipe.good], names: /--good HEAD is not an ancestor of --bad HEAD~1/ },
    { args: ['bisect', '--kernel-tree', x.gitTree, '--good', 'HEAD~1', '--bad', 'HEAD', '--accel', 'bogus', x.recipe.good], names: /--accel/ },
    { args: ['matrix', '--match', 'no-case-is-called-this'], names: /matrix: --match 'no-case-is-called-this' select no case/ },
    { args: ['matrix', '--kernel-tree', x.dir], names: /--kernel-tree .*not a kernel source tree/ },
    { args: ['cache', '--prune', '--max-size', '4X'], names: /--max-size 4X: not a size; write e\.g\. 512M/ },
    { args: ['cache', '--prune', '--max-age', 'week'], names: /--max-age week/ },
    { args: ['cache', '--max-age', '2'], names: /--max-size and --max-age bound --prune; add --prune/ },
    { args: ['cache', '--clear', '--prune'], names: /give --clear or --prune, not both/ },
  ];
  const run: Row[] = [
    { args: ['run', '--shard', '3/2'], names: /--shard 3\/2.*1 <= i <= n/ },
    { args: ['run', '--shard', '0/2'], names: /--shard 0\/2/ },
    { args: ['run', '--shard', 'a/b'], names: /--shard a\/b/ },
    { args: ['run', '--shard', '1/0'], names: /--shard 1\/0/ },
    { args: ['run', '--jobs', '-1'], names: /--jobs -1: use a whole number from 1 to 64/ },
    { args: ['run', '--jobs', '0'], names: /--jobs 0/ },
    { args: ['run', '--jobs', 'many'], names: /--jobs many/ },
    { args: ['run', '--jobs', '1.5'], names: /--jobs 1\.5/ },
    { args: ['run', '--seed', 'abc'], names: /--seed abc/ },
    { args: ['run', '--seed', '-5'], names: /--seed/ },
    { args: ['run', '--suite', 'nosuch'], names: /--suite nosuch.*sysfs-writes/ },
    { args: ['run', '--topology', 'nosuch'], names: /--topology nosuch.*hmem/ },
    { args: ['run', '--match', 'no-case-is-called-this'], names: /--match 'no-case-is-called-this' select no case; daxh run --list shows/ },
    { args: ['run', '--suite', 'inventory', '--topology', 'hmem', '--match', 'zzz'], names: /--match 'zzz' select no case; daxh run --suite inventory --topology hmem --list shows/ },
    { args: ['run', '--json', x.dir], names: /--json .*is a directory/ },
    { args: ['run', '--junit', x.dir], names: /--junit .*is a directory/ },
    { args: ['run', '--tap', join(x.text, 'sub')], names: /--tap .*not a directory/ },
    { args: ['run', '--markdown', '/proc/daxh-report.md'], names: /--markdown \/proc\/daxh-report\.md: under \/proc, a pseudo filesystem/ },
    { args: ['run', '--html', x.dir], names: /--html .*is a directory/ },
    { args: ['run', '--kcidb', x.dir], names: /--kcidb .*is a directory/ },
    { args: ['run', '--out', join(x.text, 'sub')], names: /--out .*is a file, not a directory/ },
    { args: ['run', '--out', x.text], names: /--out .*is a file, not a directory; give a directory/ },
    { args: ['run', '--json', join(x.dir, 'same'), '--junit', join(x.dir, 'same')], names: /--json and --junit both name .*same; give each report its own file/ },
    { args: ['run', '--debian-kernel', '6.12', '--kernel-tree', x.treeNoConfig], names: /exclude each other/ },
    { args: ['run', 'extra-positional'], names: /unexpected argument extra-positional/ },
    { args: ['run', '--json'], names: /run: --json needs a value/ },
    { args: ['run', '--list=yes'], names: /--list takes no value/ },
  ];
  const exec: Row[] = [
    { args: ['exec'], names: /exec: .*command/ },
    { args: ['exec', '--'], names: /exec: .*command/ },
    { args: ['exec', '--topology', 'nosuch', '--', 'true'], names: /--topology nosuch/ },
    { args: ['exec', '--topology', 'hmem', '--topology', 'cxl', '--', 'true'], names: /--topology given twice/ },
  ];
  const shell: Row[] = [
    { args: ['shell', 'extra'], names: /unexpected argument extra/ },
    { args: ['shell', '--topology', 'nosuch'], names: /--topology nosuch/ },
  ];
  const repro: Row[] = [
    { args: ['repro'], names: /repro: .*recipe/ },
    { args: ['repro', join(x.dir, 'nope.json')], names: /nope\.json.*no such file/ },
    { args: ['repro', x.dir], names: /is a directory/ },
    { args: ['repro', x.recipe.notJson], names: /recipe-bad\.json/ },
    { args: ['repro', x.recipe.noSteps], names: /recipe-nosteps\.json: steps/ },
    { args: ['repro', x.recipe.badAttr], names: /recipe-attr\.json: steps\[0\]\.ref\.attr/ },
    { args: ['repro', x.recipe.badOp], names: /recipe-op\.json: steps\[0\]/ },
    { args: ['repro', x.recipe.future], names: /recipe-future\.json: schema/ },
    { args: ['repro', x.recipe.unknownTopology], names: /recipe-topo\.json: topology nosuch: not a built-in topology/ },
    { args: ['repro', x.recipe.badRelease], names: /recipe-release\.json: kernel\.min/ },
    { args: ['repro', x.recipe.good, '--topology', 'nosuch'], names: /--topology nosuch/ },
    { args: ['repro', x.recipe.good, x.recipe.good], names: /repro: .*one recipe/ },
    { args: ['repro', x.recipe.good, '--kernels', '9.9'], names: /--kernels: .*9\.9/ },
    { args: ['repro', x.recipe.good, '--kernels', '6.1,'], names: /--kernels 6\.1,: an empty entry/ },
    { args: ['repro', x.recipe.good, '--kernels', '6.1', '--debian-kernel', '6.12'], names: /--kernels replays on Debian series/ },
  ];
  const bisect: Row[] = [
    { args: ['bisect'], names: /--kernel-tree, --good and --bad/ },
    { args: ['bisect', '--kernel-tree', x.gitTree, '--good', 'HEAD', x.recipe.good], names: /--bad/ },
    { args: ['bisect', '--kernel-tree', x.dir, '--good', 'a', '--bad', 'b', x.recipe.good], names: /--kernel-tree .*git/ },
    { args: ['bisect', '--kernel-tree', x.gitTree, '--good', 'nosuchrev', '--bad', 'HEAD', x.recipe.good], names: /--good nosuchrev/ },
    { args: ['bisect', '--kernel-tree', x.gitTree, '--good', 'HEAD', '--bad', 'nosuchrev', x.recipe.good], names: /--bad nosuchrev/ },
    { args: ['bisect', '--kernel-tree', x.gitTree, '--good', 'HEAD~1', '--bad', 'HEAD', join(x.dir, 'nope.json')], names: /nope\.json/ },
    { args: ['bisect', '--kernel-tree', x.gitTree, '--good', 'HEAD~1', '--bad', 'HEAD', x.recipe.notJson], names: /recipe-bad\.json/ },
    { args: ['bisect', '--kernel-tree', x.gitTree, '--good', 'HEAD', '--bad', 'HEAD', x.recipe.good], names: /--good HEAD and --bad HEAD are the same commit/ },
    { args: ['bisect', '--kernel-tree', x.gitTree, '--good', 'HEAD~1', '--bad', 'HEAD', x.recipe.good], names: /--kernel-tree .*not a kernel source tree/ },
    { args: ['bisect', '--kernel-tree', x.gitTree, '--good', 'HEAD~1', '--bad', 'HEAD', x.recipe.good, '--topology', 'nosuch'], names: /--topology nosuch/ },
  ];
  const merge: Row[] = [
    { args: ['merge'], names: /merge: .*results/ },
    { args: ['merge', join(x.dir, 'nope.json')], names: /nope\.json/ },
    { args: ['merge', x.results.notJson], names: /results-bad\.json/ },
    { args: ['merge', x.results.noCases], names: /results-nocases\.json/ },
    { args: ['merge', x.results.a, x.results.a], names: /results-a\.json.*twice|appear/ },
    { args: ['merge', x.results.a, x.results.otherKernel], names: /kernel/ },
    { args: ['merge', x.results.a, x.results.otherSeed], names: /seed/ },
    { args: ['merge', x.results.future], names: /results-future\.json.*schema/ },
    { args: ['merge', x.results.a, '--json', x.dir], names: /--json .*is a directory/ },
    { args: ['merge', x.results.a, '--junit', join(x.text, 'sub')], names: /--junit .*not a directory/ },
  ];
  const report: Row[] = [
    { args: ['report'], names: /report: .*results/ },
    { args: ['report', x.results.notJson], names: /results-bad\.json/ },
    { args: ['report', x.results.a, '--html', x.dir], names: /--html .*is a directory/ },
    { args: ['report', x.results.a, x.results.otherKernel, '--json', join(x.dir, 'm.json')], names: /--json.*one kernel/ },
    { args: ['report', x.results.a, '--frobnicate'], names: /unknown flag --frobnicate/ },
    { args: ['report', x.results.a, '--kcidb', '/proc/daxh-kcidb.json'], names: /--kcidb \/proc\/daxh-kcidb\.json: under \/proc, a pseudo filesystem/ },
  ];
  const others: Row[] = [
    { args: ['nonsense'], names: /unknown command 'nonsense'/ },
    { args: ['__proto__'], names: /unknown command '__proto__'/ },
    { args: ['help', 'constructor'], names: /unknown command 'constructor'/ },
    { args: ['help', 'nonsense'], names: /nonsense/ },
    { args: ['--frobnicate'], names: /--frobnicate/ },
    { args: ['kconfig'], names: /kconfig: give the tree/ },
    { args: ['kconfig', '--kernel-tree', join(x.dir, 'nope')], names: /--kernel-tree .*nope: no such directory/ },
    { args: ['kconfig', '--kernel-tree', x.dir], names: /--kernel-tree .*not a kernel source tree/ },
    { args: ['kconfig', '--kernel-tree', x.dir, '--debug=yes'], names: /--debug takes no value/ },
    { args: ['run', '--build'], names: /--build rebuilds a tree: give it --kernel-tree DIR/ },
    { args: ['run', '--kernel-tree', x.dir, '--build'], names: /--kernel-tree .*not a kernel source tree/ },
    { args: ['matrix', '--kernels', '5.4'], names: /--kernels: 5\.4: unknown series/ },
    { args: ['matrix', '--kernels', '6.1,,7.3'], names: /--kernels 6\.1,,7\.3: an empty entry/ },
    { args: ['matrix', '--topology', 'nosuch'], names: /--topology nosuch/ },
    { args: ['matrix', '--out', x.text], names: /--out .*is a file/ },
    { args: ['matrix', '--html', x.dir], names: /--html .*is a directory/ },
    { args: ['matrix', '--seed', 'x'], names: /--seed x/ },
    { args: ['kernels', '--json=1'], names: /--json takes no value/ },
    { args: ['image'], names: /image: .*build/ },
    { args: ['image', 'frob'], names: /image: .*frob/ },
    { args: ['kernels', 'extra'], names: /unexpected argument extra/ },
    { args: ['topologies', '--frobnicate'], names: /unknown flag --frobnicate/ },
    { args: ['doctor', 'extra'], names: /unexpected argument extra/ },
    { args: ['host', 'nosuch'], names: /host: .*nosuch/ },
    { args: ['host', 'ensure', '--frobnicate'], names: /unknown flag --frobnicate/ },
    { args: ['bench', '--runs', '0'], names: /--runs 0/ },
    { args: ['bench', '--runs', 'abc'], names: /--runs abc/ },
    { args: ['bench', '--topology', 'nosuch'], names: /--topology nosuch/ },
    { args: ['bench', '--json', x.dir], names: /--json .*is a directory/ },
  ];
  const coverage: Row[] = [
    { args: ['run', '--replay-findings', '6.99'], names: /--replay-findings: 6\.99: unknown series; use one of 6\.1, / },
    { args: ['run', '--replay-findings', '6.1,,7.3'], names: /--replay-findings 6\.1,,7\.3: an empty entry/ },
    { args: ['run', '--coverage', '--shard', '1/2'], names: /--coverage with --shard 1\/2: .*run --coverage unsharded/ },
    { args: ['run', '--debug', '--kernel', x.fakeBz, '--modules', x.modsEmpty], names: /^daxh: --debug builds a kernel from source; .*--debian-kernel S or --kernel-tree DIR/ },
    { args: ['run', '--debug', '--kernel-tree', x.treeNoConfig], names: /--debug builds Debian's source; .*daxh kconfig --kernel-tree .* --debug/ },
    { args: ['run', '--coverage', '--debian-kernel', '6.16'], names: /--coverage builds Debian's linux-source-6\.16, which the trixie-backports index no longer lists; use --debian-kernel 6\.1, 6\.12, 7\.2, 7\.3/ },
  ];
  const environment: Row[] = [
    { args: ['run'], env: { DAXH_DEADLINE_SCALE: 'slow' }, names: /DAXH_DEADLINE_SCALE: factor 'slow'.*e\.g\./ },
    { args: ['run'], env: { DAXH_DEADLINE_SCALE: '0' }, names: /DAXH_DEADLINE_SCALE: factor '0'/ },
    { args: ['exec', '--', 'true'], env: { DAXH_DEADLINE_SCALE: 'steps=2' }, names: /DAXH_DEADLINE_SCALE: unknown deadline 'steps'; use one of boot, step/ },
    { args: ['run'], env: { DAXH_DEADLINE_SCALE: '2,boot=' }, names: /DAXH_DEADLINE_SCALE: factor for boot ''/ },
  ];
  return [...hostile, ...kernelMistakes, ...machine, ...topologyFiles, ...run, ...exec, ...shell, ...repro, ...bisect, ...merge, ...report, ...others, ...coverage, ...environment];
}

/** Every file under the cache with its size and mtime: a bad input may change none of them. */
async function cacheState(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const p of await filesUnder(root)) {
    const s = await stat(p).catch(() => null);
    if (s) out.push(`${p} ${s.size} ${s.mtimeMs}`);
  }
  return out.sort();
}

const outDirs = async () => (await readdir('out').catch(() => [])).filter((d) => d.startsWith('run-')).sort();

test.serial('every bad input is one line naming the field, exit 2, and leaves nothing behind', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'badinput-fixtures-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const x = await fixtures(dir);
  const table = rows(x);
  t.true(table.length >= 95, `${table.length} bad inputs`);
  const before = { cache: await cacheState(cacheRoot()), out: await outDirs(), left: await snapshot() };
  const problems: string[] = [];
  // Two at a time: each row is one short node process; the machine has two cores.
  let next = 0;
  const worker = async () => {
    while (next < table.length) {
      const row = table[next++]!;
      const r = await execa('node', [DAXH, ...row.args], { reject: false, stdin: 'ignore', timeout: 60_000, env: { GITHUB_STEP_SUMMARY: '', ...row.env } });
      const lines = r.stderr.trim().split('\n').filter(Boolean);
      const label = `${Object.entries(row.env ?? {}).map(([k, v]) => `${k}=${v} `).join('')}daxh ${row.args.map((a) => a.replace(dir, '$F')).join(' ')}`;
      if (r.exitCode !== 2) problems.push(`${label}: exit ${r.exitCode ?? r.signal}, ${lines[0] ?? '(no stderr)'}`);
      else if (lines.length !== 1 || !lines[0]!.startsWith('daxh: ')) problems.push(`${label}: ${lines.length} stderr lines: ${lines.slice(0, 3).join(' | ')}`);
      else if (!row.names.test(lines[0]!)) problems.push(`${label}: "${lines[0]}" does not match ${row.names}`);
      else if (r.stdout.trim() !== '') problems.push(`${label}: wrote to stdout: ${r.stdout.slice(0, 80)}`);
    }
  };
  await Promise.all([worker(), worker()]);
  t.deepEqual(problems, [], `${problems.length} of ${table.length} bad inputs misbehaved`);
  t.false(await stat(x.pwned).then(() => true, () => false), 'no flag value ran as a shell command');
  t.deepEqual(await leftSince(before.left), NOTHING, 'no QEMU, temp dir or open port left');
  t.deepEqual(await outDirs(), before.out, 'no out/run-* dir made');
  // Only what changed: the cache holds whole kernel trees, and a full listing drowns the one file that moved.
  const after = await cacheState(cacheRoot());
  const [was, now] = [new Set(before.cache), new Set(after)];
  t.deepEqual({ added: after.filter((e) => !was.has(e)), removed: before.cache.filter((e) => !now.has(e)) }, { added: [], removed: [] }, 'nothing written into the cache (nothing else may use it meanwhile)');
  t.log(`${table.length} bad inputs, each one line and exit 2`);
});

// Which devices a guest has is known only once it is up, so this mistake costs one boot; it is still bad
// input (exit 2, never "agrees"), names the device, and leaves nothing behind.
test.serial('a recipe naming a device its topology never has is refused after one boot, exit 2, naming the device', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'badinput-stranger-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'stranger.json');
  await writeFile(file, JSON.stringify({ schema: RECIPE_SCHEMA, topology: 'hmem', steps: [{ op: 'read', ref: { kind: 'device', device: 'dax99.7', attr: 'size' } }] }));
  const before = await snapshot();
  const r = await execa('node', [DAXH, 'repro', file], { reject: false, stdin: 'ignore' });
  t.is(r.exitCode, 2, r.stderr);
  t.regex(r.stderr.trim().split('\n').at(-1)!, /^daxh: recipe names dax99\.7, which topology hmem does not have \(it has dax0\.0\)/);
  t.is(r.stdout.trim(), '', 'no verdict is printed');
  t.deepEqual(await leftSince(before), NOTHING);
});

// As root a rename replaces anything, so a report flag aimed at a device node or a symlink must be refused,
// never written: a private null device (mknod 1,3) and a link to /proc/self/fd/1 stand for /dev/null and
// /dev/stdout. Every output flag of every command, as its --help lists them.
test.serial('a device node and a symlink survive every report flag of every command', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'badinput-special-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const nul = join(dir, 'null');
  await execa('mknod', ['-m', '666', nul, 'c', '1', '3']);
  const out = join(dir, 'stdout');
  await symlink('/proc/self/fd/1', out);
  const results = join(dir, 'results.json');
  await writeFile(results, JSON.stringify({ schema: RESULTS_SCHEMA, kernel: 'k', image: 'i', accel: 'tcg', seed: 1, startedAt: 'now', durationMs: 1, guests: { boots: 0, restores: 0 }, totals: { passed: 0, failed: 0, known: 0, skipped: 0, interrupted: 0 }, checks: 0, cases: [] }));
  const OUTPUT_FLAGS = /--(json|junit|tap|markdown|html|kcidb|out)\b/g;
  const tail: Record<string, string[]> = { merge: [results], report: [results], findings: [results], run: ['--list'] };
  const runs: string[][] = [];
  for (const command of ['run', 'matrix', 'merge', 'report', 'findings', 'bench', 'exec', 'repro', 'shell', 'bisect', 'kernels', 'image']) {
    const help = (await execa('node', [DAXH, command, '--help'], { reject: false })).stdout;
    for (const flag of new Set([...help.matchAll(OUTPUT_FLAGS)].map((m) => m[0]))) {
      if (command === 'kernels' && flag === '--json') continue; // a switch there: JSON on stdout, not a file
      for (const target of [nul, out]) runs.push([command, flag, target, ...(tail[command] ?? [])]);
    }
  }
  const tried = runs.map((a) => a.join(' '));
  const problems: string[] = [];
  // Two at a time: each is one short node process; the machine has two cores.
  let next = 0;
  const worker = async () => {
    while (next < runs.length) {
      const args = runs[next++]!;
      const r = await execa('node', [DAXH, ...args], { reject: false, stdin: 'ignore', timeout: 60_000 });
      if (r.exitCode !== 2) problems.push(`daxh ${args.join(' ')}: exit ${r.exitCode}, ${r.stderr.split('\n')[0]}`);
    }
  };
  await Promise.all([worker(), worker()]);
  t.true((await lstat(nul)).isCharacterDevice(), 'the device node is still a device node');
  t.is(await readlink(out), '/proc/self/fd/1', 'the symlink still points where it did');
  t.deepEqual(problems, []);
  t.true(tried.length >= 30, `${tried.length} flags tried`);
  t.log(`${tried.length} command × flag × special file, each refused with exit 2`);
});

import test from 'ava';
import { builtinTopologyNames, loadTopology } from './load.ts';
import type { Provider } from '../harness/abi/providers.ts';
import { planGuest, type GuestPlan } from './plan.ts';
import { formatSize, parseSize } from './size.ts';
import { parseTopology, type GuestTopology } from './validate.ts';

const K612 = '6.12.117+deb12-amd64';
const K61 = '6.1.0-56-amd64';
const WORK = '/run/daxh/guest-7';
/** The host's vCPU share the harness would hand a topology that does not fix its own. */
const VCPUS = 2;

const plan = (name: string, kernel = K612): GuestPlan => planGuest(loadTopology(name), { workDir: WORK, release: kernel, vcpus: VCPUS });
const builtins = builtinTopologyNames();

function valuesOf(args: readonly string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [args[i + 1]!] : []));
}

const devices = (p: GuestPlan, driver: string) => valuesOf(p.args, '-device').filter((d) => d.startsWith(`${driver},`));
const stepIndex = (p: GuestPlan, pattern: RegExp) => p.provisioning.findIndex((s) => pattern.test(s.name));

test('the built-ins are the eight documented topologies', (t) => {
  t.deepEqual(builtins, ['cxl', 'cxl-interleave', 'cxl-pmem', 'cxl-switched', 'hmem', 'mixed', 'nvdimm', 'pmem']);
});

test('plans leave the base machine (accel, console, network, kernel, QMP, rng) to the guest layer', (t) => {
  for (const name of builtins) {
    const args = plan(name).args;
    for (const flag of ['-accel', '-nodefaults', '-serial', '-kernel', '-initrd', '-append', '-netdev', '-qmp', '-display', '-no-reboot', '-machine', '-m', '-smp', '-cpu']) {
      t.false(args.includes(flag), `${name} passes ${flag}`);
    }
    t.false(args.some((a) => a.includes('virtio')), name);
  }
});

test('every guest has an SRAT: node 0 is the boot RAM with every CPU, and -m is the sum of the node backends', (t) => {
  for (const name of builtins) {
    const topo = loadTopology(name);
    const p = plan(name);
    const numa = valuesOf(p.args, '-numa');
    t.is(topo.cpus, undefined, `${name} leaves its vCPUs to the host share`);
    t.true(numa.includes(`node,nodeid=0,cpus=0-${VCPUS - 1},memdev=ram-node0`), name);
    for (const n of topo.nodes) t.true(numa.some((v) => v.startsWith(`node,nodeid=${n.id}`)), `${name} node ${n.id}`);
    const backends = valuesOf(p.args, '-object').filter((o) => o.startsWith('memory-backend-ram,id=ram-node'));
    const total = backends.reduce((sum, o) => sum + parseSize(/size=([^,]+)/.exec(o)![1]!), 0n);
    t.is(parseSize(p.memory.split(',')[0]!), total, name);
    t.is(p.smp, VCPUS);
  }
});

test('legacy pmem and soft-reserved ranges become memmap= words, in address order, with gaps between same-type ranges', (t) => {
  for (const name of ['pmem', 'hmem', 'mixed']) {
    const topo = loadTopology(name);
    const p = plan(name);
    const words = [
      ...topo.pmem.map((r) => ({ start: r.start, end: r.start + r.size, kind: '!', word: `memmap=${formatSize(r.size)}!${formatSize(r.start)}` })),
      ...topo.hmem.map((r) => ({ start: r.start, end: r.start + r.size, kind: '%', word: `memmap=${formatSize(r.size)}%${formatSize(r.start)}-1+0xefffffff` })),
    ].sort((a, b) => Number(a.start - b.start));
    t.deepEqual(
      p.cmdline.filter((w) => w.startsWith('memmap=')),
      words.map((w) => w.word),
      name,
    );
    for (const [a, b] of words.slice(1).map((w, i) => [words[i]!, w] as const)) {
      if (a.kind === b.kind) t.true(a.end < b.start, `${name}: ${a.word} and ${b.word} would merge`);
    }
  }
  t.deepEqual(plan('pmem').cmdline, ['memmap=640M!4G', 'memmap=1152M!4864M'], 'the lab-style layout');
});

test('ranges kmem may online lie in a NUMA node that has a memory backend', (t) => {
  for (const name of ['pmem', 'hmem', 'mixed']) {
    const topo = loadTopology(name);
    const numa = valuesOf(plan(name).args, '-numa');
    const withMemory = topo.nodes.filter((n) => n.memory !== undefined);
    t.true(withMemory.length > 0, name);
    for (const n of withMemory) t.true(numa.includes(`node,nodeid=${n.id},memdev=ram-node${n.id}`), `${name} node ${n.id}`);
  }
});

test('NVDIMM guests: nvdimm=on, a slot and maxmem room per NVDIMM, a node, a backing image, labels initialised first', (t) => {
  for (const name of ['nvdimm', 'mixed']) {
    const topo = loadTopology(name);
    const p = plan(name);
    t.true(p.machine.split(',').includes('nvdimm=on'), name);
    const ram = topo.nodes.reduce((s, n) => s + (n.memory ?? 0n), topo.ram);
    const nvBytes = topo.nvdimms.reduce((s, n) => s + n.size, 0n);
    t.is(p.memory, `${formatSize(ram)},slots=${topo.nvdimms.length},maxmem=${formatSize(ram + nvBytes)}`);
    const numa = valuesOf(p.args, '-numa');
    for (const nv of topo.nvdimms) {
      t.true(
        devices(p, 'nvdimm').some((d) => d.includes(`label-size=${formatSize(nv.labelSize)}`) && d.includes(`node=${nv.node}`)),
        `${name} ${nv.id}`,
      );
      t.true(numa.some((v) => v.startsWith(`node,nodeid=${nv.node}`)));
      t.true(p.backingFiles.some((f) => f.path.startsWith(`${WORK}/`) && f.size === nv.size));
    }
    const labels = stepIndex(p, /nvdimm labels/);
    t.regex(p.provisioning[labels]!.command, /ndctl disable-region .*&& ndctl init-labels .*&& ndctl enable-region/);
    const namespaceSteps = p.provisioning.filter((s) => /nvdimms\[\d+\]\.namespaces/.test(s.name));
    t.is(namespaceSteps.length, topo.nvdimms.reduce((n, nv) => n + nv.namespaces.length, 0));
    t.true(namespaceSteps.every((s) => s.command.includes('-m devdax') && p.provisioning.indexOf(s) > labels));
    t.true(namespaceSteps.every((s, i) => s.command.includes(`-s ${formatSize(topo.nvdimms[0]!.namespaces[i]!.size!)}`)));
  }
  t.false(plan('pmem').machine.includes('nvdimm=on'));
  t.is(plan('pmem').memory, '4G');
});

test('CXL guests hide the hypervisor bit and describe host bridges, root ports, type-3 devices and windows', (t) => {
  for (const name of builtins) {
    const topo = loadTopology(name);
    const p = plan(name);
    if (!topo.cxl) {
      t.is(p.cpu, null, name);
      t.false(p.machine.includes('cxl=on'), name);
      continue;
    }
    // Region commit fails while CPUID reports a hypervisor: cpu_cache_has_invalidate_memregion() is false there
    // and Debian does not set CONFIG_CXL_REGION_INVALIDATION_TEST.
    t.is(p.cpu, 'qemu64,hypervisor=off', name);
    t.true(p.machine.split(',').includes('cxl=on'), name);
    t.is(devices(p, 'pxb-cxl').length, topo.cxl.hostBridges.length);
    t.is(devices(p, 'cxl-rp').length, topo.cxl.hostBridges.reduce((n, h) => n + h.rootPorts, 0));
    for (const h of topo.cxl.hostBridges) t.true(devices(p, 'pxb-cxl').some((d) => d.includes(`bus_nr=${h.busNr},bus=pcie.0`)));
    const type3 = devices(p, 'cxl-type3');
    t.is(type3.length, topo.cxl.devices.length);
    t.deepEqual(type3.map((d) => /sn=(\d+)/.exec(d)![1]).sort(), topo.cxl.devices.map((_, i) => String(i + 1)).sort(), 'unique serials');
    for (const d of topo.cxl.devices) {
      t.true(type3.some((x) => x.includes(d.type === 'volatile' ? 'volatile-memdev=' : 'persistent-memdev=') && x.includes(`id=cxl-${d.id},`)), d.id);
    }
    const fmw = valuesOf(p.args, '-M');
    topo.cxl.windows.forEach((w, i) => t.true(fmw.some((m) => m.includes(`cxl-fmw.${i}.size=${formatSize(w.size)}`)), w.id));
  }
});

test("run_qemu's switched fabric: each switch's upstream port and mailbox CCI share a slot on its root port, devices plug into downstream ports, slots stay unique", (t) => {
  const p = plan('cxl-switched');
  const upstream = devices(p, 'cxl-upstream');
  t.deepEqual(upstream.map((d) => /bus=([^,]+)/.exec(d)![1]), ['cxl-hb0-rp0', 'cxl-hb1-rp0']);
  t.true(upstream.every((d) => d.includes('multifunction=on,addr=0.0')));
  t.deepEqual(devices(p, 'cxl-switch-mailbox-cci').map((d) => /target=([^,]+)/.exec(d)![1]), ['cxl-sw-sw0', 'cxl-sw-sw1']);
  t.is(devices(p, 'cxl-downstream').length, 8);
  const slots = [...devices(p, 'cxl-rp'), ...devices(p, 'cxl-downstream')].map((d) => /slot=(\d+)/.exec(d)![1]);
  t.is(new Set(slots).size, slots.length, 'chassis 0 slots are unique across root and downstream ports');
  t.deepEqual(devices(p, 'cxl-type3').map((d) => /bus=([^,]+)/.exec(d)![1]), ['cxl-sw-sw0-dsp0', 'cxl-sw-sw0-dsp2', 'cxl-sw-sw1-dsp0', 'cxl-sw-sw1-dsp2']);
  t.true(valuesOf(p.args, '-M').some((m) => m.includes('cxl-fmw.1.targets.0=cxl-hb0,cxl-fmw.1.targets.1=cxl-hb1') && m.includes('interleave-granularity=8192')));
});

test('persistent CXL devices get memory and LSA images under the work dir; volatile ones use RAM', (t) => {
  const topo = loadTopology('cxl-pmem');
  const p = plan('cxl-pmem');
  const dev = topo.cxl!.devices[0]!;
  if (dev.type !== 'persistent') return t.fail();
  t.deepEqual(
    p.backingFiles.map((f) => f.size),
    [dev.size, dev.lsa],
  );
  t.true(p.backingFiles.every((f) => f.path.startsWith(`${WORK}/`)));
  t.deepEqual(plan('cxl').backingFiles, []);
});

test('provisioning: online policy, then modules, then kmem and fsdev_dax, then namespaces and regions', (t) => {
  const p = plan('mixed');
  const policy = stepIndex(p, /online policy/);
  const kmem = stepIndex(p, /^load fsdev_dax$/);
  t.is(stepIndex(p, /^load kmem$/), kmem - 1);
  const loads = p.provisioning.filter((s) => s.name.startsWith('load ')).map((s) => p.provisioning.indexOf(s));
  const work = p.provisioning.filter((s) => !s.name.startsWith('load ') && !/online policy/.test(s.name)).map((s) => p.provisioning.indexOf(s));
  t.is(policy, 0);
  t.is(p.provisioning[policy]!.command, 'echo online > /sys/devices/system/memory/auto_online_blocks');
  t.true(loads.every((i) => i <= kmem));
  t.true(work.every((i) => i > kmem));
  const modules = p.provisioning.filter((s) => s.name.startsWith('load ')).flatMap((s) => s.command.replace('modprobe -a ', '').split(' '));
  for (const m of ['nd_e820', 'nfit', 'nd_pmem', 'dax_pmem', 'cxl_acpi', 'cxl_pci', 'cxl_mem', 'cxl_pmem', 'dax_cxl', 'dax_hmem', 'device_dax', 'kmem']) t.true(modules.includes(m), m);
});

test('each provider loads only its modules, each step skippable by the capability it needs', (t) => {
  const loads = (name: string) => Object.fromEntries(plan(name).provisioning.filter((s) => s.name.startsWith('load ')).map((s) => [s.command, s.requires]));
  const drivers = { 'modprobe -a kmem': 'kmem', 'modprobe -a fsdev_dax': 'fsdev_dax' };
  t.deepEqual(loads('pmem'), { 'modprobe -a nd_e820 dax_pmem device_dax': 'legacy-pmem', ...drivers });
  t.deepEqual(loads('nvdimm'), { 'modprobe -a nfit nd_pmem dax_pmem device_dax': 'nvdimm', ...drivers });
  t.deepEqual(loads('hmem'), { 'modprobe -a dax_hmem device_dax': 'hmem', ...drivers });
  t.deepEqual(loads('cxl'), { 'modprobe -a cxl_acpi cxl_pci cxl_mem device_dax': undefined, 'modprobe -a dax_cxl': 'cxl-ram', ...drivers });
  t.deepEqual(loads('cxl-pmem'), { 'modprobe -a cxl_acpi cxl_pci cxl_mem device_dax': undefined, 'modprobe -a cxl_pmem nd_pmem dax_pmem': 'cxl-pmem', ...drivers });
});

test('legacy ranges are reconfigured in place as devdax, one namespace per region', (t) => {
  const topo = loadTopology('pmem');
  const steps = plan('pmem').provisioning.filter((s) => s.name.startsWith('devdax namespace on pmem'));
  t.is(steps.length, topo.pmem.length);
  for (const s of steps) {
    t.regex(s.command, /ndctl create-namespace -f -e namespace\$\{r#region\}\.0 -m devdax -M mem$/);
    t.is(s.requires, 'legacy-pmem');
    t.truthy(s.waitFor);
  }
});

test('CXL regions wait for their memdevs, retry, and find them by serial number', (t) => {
  const topo = loadTopology('cxl-interleave');
  const region = topo.cxl!.regions[0]!;
  const step = plan('cxl-interleave').provisioning.find((s) => s.name.startsWith('create cxl'))!;
  t.regex(step.command, new RegExp(`cxl create-region -t ram -d decoder0\\.0 -w ${region.devices.length} -m \\$m0 \\$m1$`));
  region.devices.forEach((id) => {
    const sn = topo.cxl!.devices.findIndex((d) => d.id === id) + 1;
    t.true(step.command.includes(`= ${sn} ]`), `memdev of ${id} by serial`);
    t.true(step.waitFor!.command.includes(`= ${sn} ]`), `waits for ${id}`);
  });
  t.true(step.waitFor!.command.includes('/ram/size'));
  t.true(step.retry!.attempts > 1);
  t.is(step.requires, 'cxl-ram');
  const pmem = plan('cxl-pmem').provisioning;
  t.is(pmem.find((s) => s.name.startsWith('create cxl pmem'))!.requires, undefined, 'pmem regions exist on 6.1 too');
  t.regex(pmem.find((s) => s.name.startsWith('devdax namespace cxl'))!.command, /= CXL \].*ndctl create-namespace -r \$r -m devdax$/);
});

test('no provisioning command runs with a name it failed to look up', (t) => {
  for (const name of builtins) {
    for (const s of plan(name).provisioning) {
      const vars = [...s.command.matchAll(/(\w+)=\$\(/g)].map((m) => m[1]!);
      for (const v of vars) t.true(s.command.includes(`[ -n "$${v}" ] && `), `${name}: ${s.name}`);
    }
  }
});

test('+mom adds exactly memory_hotplug.memmap_on_memory=1', (t) => {
  for (const name of builtins) {
    const base = plan(name);
    const mom = plan(`${name}+mom`);
    t.is(mom.topology, `${name}+mom`);
    t.deepEqual(mom.args, base.args);
    t.deepEqual(mom.provisioning, base.provisioning);
    t.deepEqual(mom.cmdline, [...base.cmdline, 'memory_hotplug.memmap_on_memory=1']);
    t.is(base.expect.mhpMemmapOnMemory, 'N');
    t.is(mom.expect.mhpMemmapOnMemory, 'Y');
  }
});

/** The kernel's behaviour restated independently of qemu/expect.ts: what each topology entry should become. */
function expectedFromTopology(topo: GuestTopology, release: string) {
  const [major = 0, minor = 0] = release.split(/[.-]/).map(Number);
  const atLeast = (a: number, b: number) => major > a || (major === a && minor >= b);
  const cxlRam = atLeast(6, 3);
  const momAttr = atLeast(6, 8);
  const rows: { provider: Provider; kind: string; driver: string; mom: number | null }[] = [];
  const pmemRow = (provider: Provider) => ({ provider, kind: 'static', driver: 'device_dax', mom: momAttr ? 0 : null });
  topo.pmem.forEach(() => rows.push(pmemRow('legacy-pmem')));
  topo.nvdimms.forEach((nv) => nv.namespaces.forEach(() => rows.push(pmemRow('nvdimm'))));
  for (const r of topo.cxl?.regions ?? []) {
    if (r.type === 'pmem') r.namespaces.forEach(() => rows.push(pmemRow('cxl-pmem')));
    else if (cxlRam) rows.push({ provider: 'cxl-ram', kind: 'dynamic', driver: 'kmem', mom: momAttr ? 1 : null });
  }
  topo.hmem.forEach(() => rows.push({ provider: 'hmem', kind: 'dynamic', driver: cxlRam ? 'kmem' : 'device_dax', mom: momAttr ? 0 : null }));
  const unsupported = cxlRam ? 0 : (topo.cxl?.regions ?? []).filter((r) => r.type === 'ram').length;
  return { rows, unsupported };
}

for (const kernel of [K61, '6.7.0', K612, '7.3.4+deb13-amd64']) {
  test(`expectations on ${kernel} follow the topology's providers`, (t) => {
    for (const name of builtins) {
      const topo = loadTopology(name);
      const { expect } = plan(name, kernel);
      const want = expectedFromTopology(topo, kernel);
      const got = expect.regions.map((r) => ({ provider: r.provider, kind: r.kind, driver: r.driver, mom: r.memmapOnMemory }));
      const key = (r: { provider: string }) => r.provider;
      t.deepEqual(
        got.sort((a, b) => key(a).localeCompare(key(b))),
        want.rows.sort((a, b) => key(a).localeCompare(key(b))),
        name,
      );
      t.is(expect.unsupported.length, want.unsupported, name);
      t.true(expect.regions.every((r) => r.devices === 1), 'one device per region at creation');
    }
  });
}

test('dynamic regions carry the size the topology fixes', (t) => {
  const hmem = loadTopology('hmem');
  t.deepEqual(
    plan('hmem').expect.regions.map((r) => r.size),
    hmem.hmem.map((r) => r.size),
  );
  const inter = loadTopology('cxl-interleave');
  const sum = inter.cxl!.devices.reduce((s, d) => s + d.size, 0n);
  t.deepEqual(
    plan('cxl-interleave').expect.regions.map((r) => r.size),
    [sum],
  );
  t.true(plan('pmem').expect.regions.every((r) => r.size === null));
  t.regex(plan('cxl', K61).expect.unsupported[0]!.reason, /needs dax_cxl .*\(kernel 6\.3 or later\)/);
});

const custom = (boot: object): GuestTopology => parseTopology({ name: 'c', description: 'd', ram: '2G', nodes: [{ id: 1, memory: '1G' }], hmem: [{ start: '4G', size: '512M' }], boot });

test('memory_hotplug.memmap_on_memory=force needs a kernel that parses it', (t) => {
  const topo = custom({ memmapOnMemory: 'force' });
  t.true(planGuest(topo, { workDir: WORK, release: K612, vcpus: VCPUS }).cmdline.includes('memory_hotplug.memmap_on_memory=force'));
  t.throws(() => planGuest(topo, { workDir: WORK, release: K61, vcpus: VCPUS }), {
    message: 'boot.memmapOnMemory: force needs kernel 6.6 or later; 6.1 parses it as N. Use Y',
  });
  t.true(planGuest(custom({ memmapOnMemory: 'N' }), { workDir: WORK, release: K61, vcpus: VCPUS }).cmdline.includes('memory_hotplug.memmap_on_memory=0'));
});

test('the online policy goes on the command line or becomes the first step, and extra words come last', (t) => {
  const boot = planGuest(custom({ online: { policy: 'offline', via: 'memhp_default_state' }, cmdline: ['ignore_loglevel'] }), { workDir: WORK, release: K612, vcpus: VCPUS });
  t.deepEqual(boot.cmdline, ['memmap=512M%4G-1+0xefffffff', 'memhp_default_state=offline', 'ignore_loglevel']);
  t.false(boot.provisioning.some((s) => s.command.includes('auto_online_blocks')));
  const late = planGuest(custom({ online: { policy: 'online_movable', via: 'auto_online_blocks' } }), { workDir: WORK, release: K612, vcpus: VCPUS });
  t.is(late.provisioning[0]!.command, 'echo online_movable > /sys/devices/system/memory/auto_online_blocks');
  t.false(late.cmdline.some((w) => w.startsWith('memhp_default_state')));
});

test("a topology's own cpus win over the host share", (t) => {
  const topo = (cpus?: number) => parseTopology({ name: 'c', description: 'd', ram: '1G', ...(cpus ? { cpus } : {}) });
  const at = (cpus: number | undefined, vcpus: number) => planGuest(topo(cpus), { workDir: WORK, release: K612, vcpus });
  t.deepEqual([at(undefined, 1).smp, at(undefined, 2).smp, at(4, 1).smp, at(1, 2).smp], [1, 2, 4, 1]);
  t.true(at(4, 1).args.includes('node,nodeid=0,cpus=0-3,memdev=ram-node0'));
});

test('every provider waits for its dax devices to be bound, after its regions were made', (t) => {
  const p = plan('mixed');
  for (const provider of ['legacy-pmem', 'nvdimm', 'cxl-pmem', 'cxl-ram', 'hmem'] as const) {
    const i = p.provisioning.findIndex((s) => s.name.startsWith('wait for') && s.requires === provider);
    const lastMaking = Math.max(...p.provisioning.map((s, k) => (/create cxl|devdax namespace|load/.test(s.name) ? k : -1)));
    t.true(i > lastMaking, provider);
  }
  t.regex(p.provisioning.find((s) => s.name === 'wait for 2 bound nvdimm dax devices')!.waitFor!.command, /= 'dax_pmem' \].*= 'ACPI\.NFIT' \].*-ge 2 \]$/);
});

test('a guest without dax providers gets no provisioning', (t) => {
  const p = planGuest(parseTopology({ name: 'plain', description: 'd', ram: '1G', cpus: 1 }), { workDir: WORK, release: K612, vcpus: VCPUS });
  t.deepEqual(p.provisioning, []);
  t.deepEqual(p.args, ['-object', 'memory-backend-ram,id=ram-node0,size=1G', '-numa', 'node,nodeid=0,cpus=0,memdev=ram-node0']);
  t.deepEqual(p.expect.regions, []);
});

import test from 'ava';
import { parseTopology, TopologyError, validateTopology } from './validate.ts';

// Valid, and touching every provider: node 1 holds 4G-6G, node 2 is memoryless; a 2-way window over
// two host bridges and a 1-way window.
type Json = any; // test inputs are deliberately loose: each rule breaks them differently
const base = (): Json => ({
  name: 'base',
  description: 'every provider',
  ram: '2G',
  cpus: 2,
  nodes: [{ id: 1, memory: '2G' }, { id: 2 }],
  pmem: [{ start: '4G', size: '640M' }],
  hmem: [{ start: '4864M', size: '1G' }],
  nvdimms: [{ id: 'nv0', size: '1G', node: 2, namespaces: [{ size: '512M' }, {}] }],
  cxl: {
    hostBridges: [
      { id: 'hb0', busNr: 12, rootPorts: 2 },
      { id: 'hb1', busNr: 20, rootPorts: 2 },
    ],
    devices: [
      { id: 'a', type: 'volatile', hostBridge: 'hb0', rootPort: 0, size: '512M' },
      { id: 'b', type: 'volatile', hostBridge: 'hb1', rootPort: 0, size: '512M' },
      { id: 'p', type: 'persistent', hostBridge: 'hb0', rootPort: 1, size: '512M', lsa: '128K' },
    ],
    windows: [
      { id: 'w0', size: '4G', targets: ['hb0', 'hb1'] },
      { id: 'w1', size: '1G', targets: ['hb0'] },
    ],
    regions: [
      { id: 'r0', type: 'ram', window: 'w0', devices: ['a', 'b'] },
      { id: 'r1', type: 'pmem', window: 'w1', devices: ['p'], namespaces: [{}] },
    ],
  },
});

function bad(mutate: (t: Json) => void, field: string, reason: RegExp | string) {
  return { mutate, field, reason };
}

/** Device a moved behind switch sw0 on hb0's root port 0, then broken one way per row. */
function switched() {
  const behind = (t: Json) => {
    t.cxl.switches = [{ id: 'sw0', hostBridge: 'hb0', rootPort: 0, downstreamPorts: 2 }];
    t.cxl.devices[0] = { id: 'a', type: 'volatile', switch: 'sw0', port: 0, size: '512M' };
  };
  return {
    'a switch port out of range': bad((t) => (behind(t), (t.cxl.devices[0].port = 2)), 'cxl.devices[0].port', 'sw0 has downstream ports 0..1'),
    'two devices on one switch port': bad((t) => (behind(t), (t.cxl.devices[2] = { ...t.cxl.devices[2], hostBridge: undefined, rootPort: undefined, switch: 'sw0', port: 0 })), 'cxl.devices[2].port', 'port 0 of sw0 already holds a; one device per port'),
    'a switched device in the wrong interleave position': bad((t) => (behind(t), (t.cxl.regions[0].devices = ['b', 'a'])), 'cxl.regions[0].devices[0]', "b is behind hb1, but position 0 of window w0 goes to hb0; reorder the devices"),
  };
}

/** n host bridges hb0..hb(n-1), one volatile 512M device each (v0..), on buses 10, 20, ... */
function bridgesWithDevices(t: Json, n: number): void {
  t.cxl.hostBridges = Array.from({ length: n }, (_, i) => ({ id: `hb${i}`, busNr: 10 + 10 * i, rootPorts: 2 }));
  t.cxl.devices = Array.from({ length: n }, (_, i) => ({ id: `v${i}`, type: 'volatile', hostBridge: `hb${i}`, rootPort: 0, size: '512M' }));
  t.cxl.regions = [];
  t.cxl.windows = [];
}

/** One host bridge with n root ports, a volatile 256M device on each. */
function manyPorts(t: Json, n: number): void {
  t.cxl.hostBridges = [{ id: 'hb0', busNr: 12, rootPorts: n }];
  t.cxl.devices = Array.from({ length: n }, (_, i) => ({ id: `v${i}`, type: 'volatile', hostBridge: 'hb0', rootPort: i, size: '256M' }));
  t.cxl.windows = [{ id: 'w0', size: '16G', targets: ['hb0'] }];
  t.cxl.regions = [];
}

test('the base topology is valid', (t) => {
  const r = validateTopology(base());
  t.true(r.ok, r.ok ? '' : r.error);
});

const RULES = {
  // shape
  'missing field': bad((t) => delete t.name, 'name', 'is required'),
  'unknown field': bad((t) => (t.cxl.devices[0].sise = '1G'), 'cxl.devices[0].sise', 'unknown field; did you mean size?'),
  'fractional size': bad((t) => (t.cxl.devices[0].size = '1.5G'), 'cxl.devices[0].size', '"1.5G" is not a size; sizes are whole numbers, e.g. 1536M'),
  'size of the wrong type': bad((t) => (t.ram = true), 'ram', 'expected a size like 512M or 4G, got true'),
  'bad enum': bad((t) => (t.cxl.regions[0].type = 'rom'), 'cxl.regions[0].type', 'must be one of ram, pmem'),
  'bad device type': bad((t) => (t.cxl.devices[0].type = 'hot'), 'cxl.devices[0].type', 'must be volatile or persistent'),
  'persistent device without LSA': bad((t) => delete t.cxl.devices[2].lsa, 'cxl.devices[2].lsa', 'is required (a size like 512M or 4G)'),
  'volatile device with an LSA': bad((t) => (t.cxl.devices[0].lsa = '128K'), 'cxl.devices[0].lsa', 'unknown field; remove it or fix its spelling'),
  'no CPUs': bad((t) => (t.cpus = 0), 'cpus', 'must be at least 1'),
  "'+' in a name": bad((t) => (t.name = 'a+b'), 'name', 'must be lower-case letters and digits joined by -'),
  'id that cannot be part of a QEMU id': bad((t) => (t.nvdimms[0].id = 'nv-0'), 'nvdimms[0].id', 'must start with a letter and hold only letters, digits and _'),
  'no host bridges': bad((t) => (t.cxl.hostBridges = []), 'cxl.hostBridges', 'needs at least one host bridge'),
  'region without devices': bad((t) => (t.cxl.regions[0].devices = []), 'cxl.regions[0].devices', 'needs at least one device'),
  'not an object': bad((t) => (t.boot = 'fast'), 'boot', 'expected object, got "fast"'),
  // ids
  'id reused across kinds': bad((t) => (t.cxl.devices[0].id = 'nv0'), 'cxl.devices[0].id', 'nv0 is already the id of nvdimms[0]; ids must be unique'),
  // RAM and NUMA
  'RAM not in memory blocks': bad((t) => (t.ram = '2000M'), 'ram', '2000M is not a multiple of 128M (the memory block size)'),
  'too little boot RAM': bad((t) => (t.ram = '256M'), 'ram', /too small to boot the guest/),
  'node defined twice': bad((t) => (t.nodes[1].id = 1), 'nodes[1].id', 'node 1 is defined twice'),
  'node id gap': bad((t) => (t.nodes[1].id = 3), 'nodes[1].id', '3 leaves node 2 undefined; QEMU needs node ids 1..2 here without gaps (node 0 is the boot RAM)'),
  'node memory not in blocks': bad((t) => (t.nodes[0].memory = '2100M'), 'nodes[0].memory', /2100M is not a multiple of 128M/),
  'zero node memory': bad((t) => (t.nodes[0].memory = 0), 'nodes[0].memory', 'must be larger than 0'),
  'guest too big for 128M blocks': bad((t) => (t.nodes[0].memory = '70G'), 'nodes', /guest RAM ends at 74G; keep it below 64G/),
  'boot RAM too big for 128M blocks': bad((t) => ((t.ram = '10T'), (t.nodes = [{ id: 1 }, { id: 2 }]), (t.pmem = []), (t.hmem = [])), 'ram', /guest RAM ends at 10242G; keep it below 64G/),
  // QEMU's address-space limit (phys-bits 40 under TCG)
  'NVDIMM past phys-bits': bad((t) => (t.nvdimms[0] = { id: 'nv0', size: '1T', node: 2 }), 'nvdimms[0].size', /address space would end at .*past 1012G, beyond which QEMU's CPU \(phys-bits 40\) cannot address it/),
  'CXL window past phys-bits': bad((t) => (t.cxl.windows[1].size = '1T'), 'cxl.windows[1].size', /past 1012G/),
  'hotplug room just past phys-bits (QEMU 10 refuses maxmem=980G with 6G of RAM)': bad((t) => ((t.nvdimms = []), (t.cxl = undefined), (t.nodes = [{ id: 1, memory: '4G' }, { id: 2 }]), (t.hotplug = { slots: 1, maxmem: '980G' })), 'hotplug.maxmem', /past 1012G/),
  'hotplug room past phys-bits': bad((t) => (t.hotplug = { slots: 2, maxmem: '2T' }), 'hotplug.maxmem', /past 1012G/),
  // memmap= ranges
  'range start not 2M-aligned': bad((t) => (t.pmem[0].start = '4097M'), 'pmem[0].start', /^4097M is not a multiple of 2M/),
  'range size not in memory blocks': bad((t) => (t.pmem[0].size = '600M'), 'pmem[0].size', /600M is not a multiple of 128M \(kmem onlines whole memory blocks/),
  'range start off a block boundary': bad((t) => (t.hmem[0].start = '4866M'), 'hmem[0].start', /4866M is not a multiple of 128M/),
  'empty range': bad((t) => (t.hmem[0].size = 0), 'hmem[0].size', 'must be larger than 0'),
  'range outside RAM': bad((t) => (t.hmem[0].start = '8G'), 'hmem[0].start', "[8G, 9G) is not inside one node's guest RAM; RAM is node 0 [0, 2G), node 1 [4G, 6G)"),
  'range running past the node': bad((t) => (t.hmem[0].start = '5632M'), 'hmem[0].start', /\[5632M, 6656M\) is not inside one node's guest RAM/),
  'range in boot RAM': bad((t) => (t.pmem[0] = { start: '1G', size: '512M' }), 'pmem[0].start', "[1G, 1536M) is node 0's boot RAM; place it in the RAM of a node listed under nodes"),
  'overlapping ranges': bad((t) => (t.hmem[0].start = '4352M'), 'hmem[0].start', '[4352M, 5376M) overlaps pmem[0] [4G, 4736M); move one of them'),
  'touching ranges of one type': bad(
    (t) => t.pmem.push({ start: '4736M', size: '128M' }),
    'pmem[1].start',
    '[4736M, 4864M) touches pmem[0] [4G, 4736M); adjacent memmap= ranges of one type merge into one region, leave a gap of at least 128M',
  ),
  'legacy namespace align': bad((t) => (t.pmem[0].namespace = { align: '64K' }), 'pmem[0].namespace.align', '64K is not a dax page size; use 4K, 2M, 1G'),
  // NVDIMM
  'label area too small': bad((t) => (t.nvdimms[0].labelSize = '64K'), 'nvdimms[0].labelSize', "64K is below QEMU's minimum label area of 128K"),
  'NVDIMM size off 2M': bad((t) => (t.nvdimms[0].size = '1025M'), 'nvdimms[0].size', /1025M is not a multiple of 2M/),
  'NVDIMM without room for data': bad((t) => (t.nvdimms[0] = { id: 'nv0', size: '128M', node: 2 }), 'nvdimms[0].size', '128M leaves less than 128M after the 128K label area; use at least 131200K'),
  'NVDIMM on a missing node': bad((t) => (t.nvdimms[0].node = 5), 'nvdimms[0].node', 'node 5 does not exist; add it under nodes (a node without memory is enough)'),
  'namespace off the region alignment': bad((t) => (t.nvdimms[0].namespaces[0].size = '520M'), 'nvdimms[0].namespaces[0].size', '520M is not a multiple of 16M (the nd region alignment)'),
  'namespace off its own align': bad((t) => (t.nvdimms[0].namespaces[0] = { size: '512M', align: '1G' }), 'nvdimms[0].namespaces[0].size', '512M is not a multiple of 1G (its align)'),
  'namespaces overflowing the region': bad(
    (t) => (t.nvdimms[0].namespaces = [{ size: '512M' }, { size: '512M' }]),
    'nvdimms[0].namespaces[1].size',
    '512M does not fit: the region has 1008M usable and earlier namespaces take 512M',
  ),
  'sizeless namespace not last': bad((t) => (t.nvdimms[0].namespaces = [{}, { size: '256M' }]), 'nvdimms[0].namespaces[0].size', /^only the last namespace may omit its size/),
  'sizeless namespace with no room': bad((t) => (t.nvdimms[0].namespaces = [{ size: '1008M' }, {}]), 'nvdimms[0].namespaces[1].size', /no room left/),
  'too few hotplug slots': bad(
    (t) => {
      t.nvdimms.push({ id: 'nv1', size: '1G', node: 2 });
      t.hotplug = { slots: 1, maxmem: '16G' };
    },
    'hotplug.slots',
    '1 slots cannot take 2 NVDIMMs; use at least 2',
  ),
  'maxmem without room for NVDIMMs': bad((t) => (t.hotplug = { slots: 2, maxmem: '4G' }), 'hotplug.maxmem', '4G leaves no room for 1G of NVDIMMs above 4G of RAM; use at least 5G'),
  // CXL topology
  'overlapping bus ranges': bad((t) => (t.cxl.hostBridges[1].busNr = 14), 'cxl.hostBridges[1].busNr', "buses 14-16 overlap hb0's 12-14; start at 15 or above"),
  'buses past 255': bad((t) => (t.cxl.hostBridges[1].busNr = 254), 'cxl.hostBridges[1].busNr', /runs past bus 255/),
  'device on an unknown host bridge': bad((t) => (t.cxl.devices[0].hostBridge = 'hb9'), 'cxl.devices[0].hostBridge', 'no host bridge hb9; define it under cxl.hostBridges'),
  'root port out of range': bad((t) => (t.cxl.devices[0].rootPort = 2), 'cxl.devices[0].rootPort', 'hb0 has root ports 0..1'),
  'two devices on one root port': bad((t) => (t.cxl.devices[2].rootPort = 0), 'cxl.devices[2].rootPort', 'root port 0 of hb0 already holds a; one device or switch per root port'),
  'a device plugged in twice': bad((t) => Object.assign(t.cxl.devices[0], { switch: 'sw0', port: 0 }), 'cxl.devices[0]', 'plug it in one place: hostBridge and rootPort, or switch and port'),
  'a device on a switch port without the port': bad((t) => (t.cxl.devices[0] = { id: 'a', type: 'volatile', switch: 'sw0', size: '512M' }), 'cxl.devices[0]', 'plug it in one place: hostBridge and rootPort, or switch and port'),
  'a device on an unknown switch': bad((t) => (t.cxl.devices[0] = { id: 'a', type: 'volatile', switch: 'sw9', port: 0, size: '512M' }), 'cxl.devices[0].switch', 'no switch sw9; define it under cxl.switches'),
  ...switched(),
  'a switch on a root port a device holds': bad((t) => (t.cxl.switches = [{ id: 'sw0', hostBridge: 'hb0', rootPort: 0, downstreamPorts: 2 }]), 'cxl.devices[0].rootPort', 'root port 0 of hb0 already holds switch sw0; one device or switch per root port'),
  "a switch's buses overlap the next host bridge's": bad((t) => (t.cxl.switches = [{ id: 'sw0', hostBridge: 'hb0', rootPort: 1, downstreamPorts: 8 }]), 'cxl.hostBridges[1].busNr', "buses 20-22 overlap hb0's 12-23; start at 24 or above"),
  'device capacity off 256M': bad((t) => (t.cxl.devices[1].size = '300M'), 'cxl.devices[1].size', '300M is not a multiple of 256M'),
  'LSA too small': bad((t) => (t.cxl.devices[2].lsa = '64K'), 'cxl.devices[2].lsa', '64K is too small for namespace labels; use at least 128K'),
  'window target unknown': bad((t) => (t.cxl.windows[0].targets[1] = 'hb7'), 'cxl.windows[0].targets[1]', 'no host bridge hb7; define it under cxl.hostBridges'),
  'window target twice': bad((t) => (t.cxl.windows[0].targets[1] = 'hb0'), 'cxl.windows[0].targets[1]', 'hb0 is listed twice'),
  'window interleave ways': bad(
    (t) => {
      bridgesWithDevices(t, 5);
      t.cxl.windows = [{ id: 'w0', size: '5G', targets: ['hb0', 'hb1', 'hb2', 'hb3', 'hb4'] }];
    },
    'cxl.windows[0].targets',
    '5 host bridges is not a CXL interleave; use 1, 2, 3, 4, 6, 8, 12, 16',
  ),
  'window granularity not a power of two': bad((t) => (t.cxl.windows[0].granularity = 384), 'cxl.windows[0].granularity', '384 is not a power of two from 256 to 16K'),
  'window granularity too big': bad((t) => (t.cxl.windows[0].granularity = '32K'), 'cxl.windows[0].granularity', '32768 is not a power of two from 256 to 16K'),
  'window size per interleaved host bridge': bad((t) => (t.cxl.windows[0].size = '4352M'), 'cxl.windows[0].size', '4352M is not a multiple of 512M (256M per interleaved host bridge)'),
  'window size off 256M': bad((t) => (t.cxl.windows[1].size = '1100M'), 'cxl.windows[1].size', '1100M is not a multiple of 256M'),
  // CXL regions
  'region in an unknown window': bad((t) => (t.cxl.regions[0].window = 'w9'), 'cxl.regions[0].window', 'no window w9; define it under cxl.windows'),
  'region with an unknown device': bad((t) => (t.cxl.regions[0].devices[1] = 'zz'), 'cxl.regions[0].devices[1]', 'no device zz; define it under cxl.devices'),
  'device twice in a region': bad((t) => (t.cxl.regions[0].devices[1] = 'a'), 'cxl.regions[0].devices[1]', 'a is listed twice'),
  'device in two regions': bad((t) => (t.cxl.regions[1].devices = ['a']), 'cxl.regions[1].devices[0]', "a is already in region r0; a device's capacity goes to one region"),
  'device type against region type': bad(
    (t) => {
      t.cxl.devices.push({ id: 'c', type: 'volatile', hostBridge: 'hb0', rootPort: 1, size: '512M' });
      t.cxl.devices.splice(2, 1);
      t.cxl.regions[1].devices = ['c'];
    },
    'cxl.regions[1].devices[0]',
    'c is volatile; a pmem region needs persistent devices',
  ),
  'region interleave ways': bad(
    (t) => {
      manyPorts(t, 5);
      t.cxl.regions = [{ id: 'r0', type: 'ram', window: 'w0', devices: ['v0', 'v1', 'v2', 'v3', 'v4'] }];
    },
    'cxl.regions[0].devices',
    '5 devices is not a CXL interleave; use 1, 2, 3, 4, 6, 8, 12, 16',
  ),
  'region ways against window ways': bad((t) => (t.cxl.regions[0].devices = ['a']), 'cxl.regions[0].devices', "1 devices cannot spread evenly over window w0's 2 host bridges"),
  'interleave position on the wrong host bridge': bad(
    (t) => (t.cxl.regions[0].devices = ['b', 'a']),
    'cxl.regions[0].devices[0]',
    'b is behind hb1, but position 0 of window w0 goes to hb0; reorder the devices',
  ),
  'device behind a bridge the window does not decode': bad(
    (t) => {
      t.cxl.devices.push({ id: 'q', type: 'persistent', hostBridge: 'hb1', rootPort: 1, size: '512M', lsa: '128K' });
      t.cxl.regions[1].devices = ['q'];
    },
    'cxl.regions[1].devices[0]',
    'q is behind hb1, but window w1 only decodes hb0',
  ),
  'interleaved devices of different sizes': bad((t) => (t.cxl.devices[1].size = '1G'), 'cxl.regions[0].devices[1]', 'b is 1G but a is 512M; interleaved devices must be the same size'),
  'region granularity': bad((t) => (t.cxl.regions[1].granularity = 100), 'cxl.regions[1].granularity', '100 is not a power of two from 256 to 16K'),
  'region granularity in a host-bridge interleave': bad(
    (t) => (t.cxl.regions[0].granularity = 512),
    'cxl.regions[0].granularity',
    "512 differs from window w0's 256; a window interleaved over host bridges fixes the region granularity",
  ),
  'window too small for its regions': bad((t) => (t.cxl.windows[1].size = '256M'), 'cxl.regions[1].window', 'w1 (256M) cannot hold r1 (512M); grow the window to at least 512M'),
  'more regions than host bridge decoders': bad(
    (t) => {
      manyPorts(t, 5);
      t.cxl.regions = [0, 1, 2, 3, 4].map((i) => ({ id: `r${i}`, type: 'ram', window: 'w0', devices: [`v${i}`] }));
    },
    'cxl.regions[4]',
    'host bridge hb0 would need 5 HDM decoders; QEMU gives each 4',
  ),
  'namespaces in a ram region': bad((t) => (t.cxl.regions[0].namespaces = [{}]), 'cxl.regions[0].namespaces', 'only pmem regions have namespaces; a ram region becomes a dax region by itself'),
  'pmem namespace larger than its region': bad(
    (t) => (t.cxl.regions[1].namespaces = [{ size: '1G' }]),
    'cxl.regions[1].namespaces[0].size',
    '1G does not fit: the region has 512M usable and earlier namespaces take 0',
  ),
  // boot
  'cmdline entry with a space': bad((t) => (t.boot = { cmdline: ['quiet splash'] }), 'boot.cmdline[0]', '"quiet splash" is not one word; give each kernel parameter as its own entry'),
  'cmdline memmap=': bad((t) => (t.boot = { cmdline: ['memmap=1G!8G'] }), 'boot.cmdline[0]', 'memmap= comes from pmem and hmem; describe the range there'),
  'cmdline memmap_on_memory': bad((t) => (t.boot = { cmdline: ['memory_hotplug.memmap_on_memory=1'] }), 'boot.cmdline[0]', 'set boot.memmapOnMemory (or a +mom topology) instead'),
  'cmdline memmap-on-memory, as parameq reads it': bad((t) => (t.boot = { cmdline: ['memory_hotplug.memmap-on-memory=1'] }), 'boot.cmdline[0]', 'set boot.memmapOnMemory (or a +mom topology) instead'),
  'cmdline console': bad((t) => (t.boot = { cmdline: ['console=tty0'] }), 'boot.cmdline[0]', 'the harness reads the kernel log from console=ttyS0'),
  'hotplug maxmem at the RAM': bad((t) => ((t.nvdimms = []), (t.hotplug = { slots: 1, maxmem: '4G' })), 'hotplug.maxmem', /is not above the .* of RAM, which QEMU needs for hotplug slots/),
  'cmdline memhp_default_state': bad((t) => (t.boot = { cmdline: ['memhp_default_state=offline'] }), 'boot.cmdline[0]', 'set boot.online (or a +movable topology) instead'),
  'online policy': bad((t) => (t.boot = { online: { policy: 'later', via: 'auto_online_blocks' } }), 'boot.online.policy', 'must be one of offline, online, online_kernel, online_movable'),
  'memmap_on_memory value': bad((t) => (t.boot = { memmapOnMemory: 'yes' }), 'boot.memmapOnMemory', 'must be one of N, Y, force'),
};

for (const [name, rule] of Object.entries(RULES)) {
  test(`rejects ${name} in one line naming ${rule.field}`, (t) => {
    const input = base();
    rule.mutate(input);
    const r = validateTopology(input);
    if (r.ok) return t.fail('accepted');
    t.is(r.field, rule.field);
    t.true(r.error.startsWith(`${rule.field}: `), r.error);
    const reason = r.error.slice(rule.field.length + 2);
    if (typeof rule.reason === 'string') t.is(reason, rule.reason);
    else t.regex(reason, rule.reason);
    t.false(r.error.includes('\n'));
  });
}

test('ranges of different types may touch; only same-type ranges merge', (t) => {
  const input = base();
  input.hmem[0].start = '4736M';
  t.true(validateTopology(input).ok);
});

test('a small guest keeps node 1 below 4G, and ranges must follow it there', (t) => {
  const input = base();
  input.nodes[0].memory = '512M';
  delete input.nvdimms;
  delete input.hmem;
  input.pmem = [{ start: '2G', size: '384M' }];
  t.true(validateTopology(input).ok);
  input.pmem = [{ start: '4G', size: '384M' }];
  const r = validateTopology(input);
  t.false(r.ok);
  if (!r.ok) t.regex(r.error, /RAM is node 0 \[0, 2G\), node 1 \[2G, 2560M\)/);
});

test('hotplug room is optional and checked only when given', (t) => {
  const input = base();
  input.hotplug = { slots: 4, maxmem: '8G' };
  t.true(validateTopology(input).ok);
});

test('the address-space ceiling sits where QEMU 10 puts it: maxmem=970G with 6G of RAM starts', (t) => {
  const input = { ...base(), nvdimms: [], cxl: undefined, nodes: [{ id: 1, memory: '4G' }, { id: 2 }], hotplug: { slots: 1, maxmem: '970G' } };
  const r = validateTopology(input);
  t.true(r.ok, r.ok ? '' : r.error);
});

test('parseTopology throws the same one-line TopologyError, and fills defaults', (t) => {
  const input = base();
  input.cxl.devices[1].size = '300M';
  const err = t.throws(() => parseTopology(input), { instanceOf: TopologyError });
  t.is(err.message, 'cxl.devices[1].size: 300M is not a multiple of 256M');
  t.is(err.field, 'cxl.devices[1].size');
  const ok = parseTopology({ name: 'tiny', description: 'x', ram: '1G' });
  t.is(ok.cpus, undefined, 'vCPUs left to the host share');
  t.deepEqual([ok.nodes, ok.pmem, ok.hmem, ok.nvdimms, ok.boot.cmdline], [[], [], [], [], []]);
  t.is(ok.cxl, undefined);
});

test('a TopologyError can name the file it came from', (t) => {
  const err = new TopologyError('ram', 'is required').from('my.yaml');
  t.is(err.message, 'my.yaml: ram: is required');
  t.is(err.origin, 'my.yaml');
});

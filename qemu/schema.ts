// The declarative shape of a guest topology file (YAML or JSON). This module checks shape only: types,
// required fields, enums, size syntax. Rules that relate fields to each other (alignment, overlap, what sits
// behind which host bridge) live in validate.ts, so each message can name the fix.
import { z } from 'zod';
import { KiB, parseSize, SizeError } from './size.ts';

/** A size field: "512M", "4G", 4096. Parsed to bigint bytes; the message says how to write it. */
const size = z.unknown().transform((value, ctx): bigint => {
  if (value === undefined) {
    ctx.addIssue({ code: 'custom', message: 'is required (a size like 512M or 4G)' });
    return z.NEVER;
  }
  if (typeof value !== 'string' && typeof value !== 'number') {
    ctx.addIssue({ code: 'custom', message: `expected a size like 512M or 4G, got ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  try {
    return parseSize(value);
  } catch (err) {
    if (!(err instanceof SizeError)) throw err;
    ctx.addIssue({ code: 'custom', message: err.message });
    return z.NEVER;
  }
});

// Ids become parts of QEMU ids and guest file names; generated ids join them with '-', which ids may not
// contain, so a user id can never collide with a generated one.
const id = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, { error: 'must start with a letter and hold only letters, digits and _' });

const count = (min: number, max: number) => z.number().int().min(min).max(max);

/** How a devdax namespace is laid out (ndctl create-namespace -m devdax -a ALIGN -M MAP). */
const devdaxLayout = {
  /** Page size of the dax device: 4K, 2M or 1G (ndctl -a). Omitted: ndctl's default, 2M. */
  align: size.optional(),
  /** Where the struct pages live (ndctl -M): 'mem' = system RAM, 'dev' = the namespace itself. Omitted: ndctl's default. */
  map: z.enum(['mem', 'dev']).optional(),
};

/** A devdax namespace carved out of a labelled region (NVDIMM, CXL pmem). No size = the rest of the region. */
const namespace = z.strictObject({ size: size.optional(), ...devdaxLayout });

const memmapRange = {
  /** Guest-physical start; must lie inside RAM that a NUMA node other than 0 provides. */
  start: size,
  size,
};

export const ONLINE_POLICIES = ['offline', 'online', 'online_kernel', 'online_movable'] as const;

const cxlDeviceCommon = {
  id,
  /** Where the device plugs in: a host bridge's root port (hostBridge, rootPort), or a switch's downstream port (switch, port). */
  hostBridge: id.optional(),
  rootPort: count(0, 255).optional(),
  switch: id.optional(),
  port: count(0, 255).optional(),
  size,
};

const cxl = z.strictObject({
  hostBridges: z
    .array(
      z.strictObject({
        id,
        /** First PCI bus number of the pxb-cxl; its root ports take the next busNr+1 .. busNr+rootPorts. */
        busNr: count(1, 254),
        rootPorts: count(1, 16),
      }),
    )
    .min(1, { error: 'needs at least one host bridge' }),
  /** CXL switches, each on a host bridge's root port: an upstream port, its mailbox CCI, and downstream ports. */
  switches: z
    .array(
      z.strictObject({
        id,
        hostBridge: id,
        rootPort: count(0, 255),
        downstreamPorts: count(1, 8),
      }),
    )
    .default([]),
  devices: z
    .array(
      z.discriminatedUnion(
        'type',
        [
          z.strictObject({ ...cxlDeviceCommon, type: z.literal('volatile') }),
          /** Persistent capacity needs a label storage area (LSA) to hold namespace labels. */
          z.strictObject({ ...cxlDeviceCommon, type: z.literal('persistent'), lsa: size }),
        ],
        { error: 'must be volatile or persistent' },
      ),
    )
    .default([]),
  /** CXL fixed memory windows (CFMWS): host-physical ranges decoded by the listed host bridges. */
  windows: z
    .array(
      z.strictObject({
        id,
        size,
        targets: z.array(id).min(1, { error: 'needs at least one target host bridge' }),
        /** Interleave granularity across the targets; omitted: QEMU's default, 256. */
        granularity: size.optional(),
      }),
    )
    .default([]),
  /** Regions to create in the guest (cxl create-region), in this order. */
  regions: z
    .array(
      z.strictObject({
        id,
        type: z.enum(['ram', 'pmem']),
        window: id,
        /** Type-3 devices in interleave position order. */
        devices: z.array(id).min(1, { error: 'needs at least one device' }),
        granularity: size.optional(),
        /** pmem regions only: devdax namespaces to create in the region's nd region. */
        namespaces: z.array(namespace).default([]),
      }),
    )
    .default([]),
});

export const TopologySchema = z.strictObject({
  /** Lower-case words joined by '-'; '+' is reserved for variants such as hmem+mom. */
  name: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, { error: 'must be lower-case letters and digits joined by -' }),
  description: z.string().min(1, { error: 'must not be empty' }),
  /** Boot RAM: NUMA node 0, which also gets every CPU. */
  ram: size,
  /** vCPUs. Omitted: the harness gives each guest its share of the host's cores (harness/lab/host-share.ts). */
  cpus: count(1, 64).optional(),
  /** NUMA nodes 1..N. A node with memory is RAM that pmem/hmem ranges may claim; without memory it only gives NVDIMMs a node. */
  nodes: z.array(z.strictObject({ id: count(1, 63), memory: size.optional() })).default([]),
  /** Legacy persistent memory, e820 type 12 (memmap=SIZE!START), each range converted to one devdax namespace. */
  pmem: z.array(z.strictObject({ ...memmapRange, namespace: z.strictObject(devdaxLayout).default({}) })).default([]),
  /** Soft-reserved memory (memmap=SIZE%START-1+0xefffffff), picked up by dax_hmem. */
  hmem: z.array(z.strictObject(memmapRange)).default([]),
  nvdimms: z
    .array(
      z.strictObject({
        id,
        size,
        labelSize: size.default(128n * KiB),
        node: count(0, 63),
        namespaces: z.array(namespace).default([]),
      }),
    )
    .default([]),
  /** Memory hotplug room (-m RAM,slots=N,maxmem=M). Omitted: exactly enough for the NVDIMMs. */
  hotplug: z.strictObject({ slots: count(1, 256), maxmem: size }).optional(),
  cxl: cxl.optional(),
  boot: z
    .strictObject({
      /** memory_hotplug.memmap_on_memory; omitted: the kernel's default (N). */
      memmapOnMemory: z.enum(['N', 'Y', 'force']).optional(),
      /** Memory online policy, set before kmem loads: at boot (memhp_default_state=) or by writing auto_online_blocks. */
      online: z.strictObject({ policy: z.enum(ONLINE_POLICIES), via: z.enum(['memhp_default_state', 'auto_online_blocks']) }).optional(),
      /** Extra kernel command-line words. */
      cmdline: z.array(z.string()).default([]),
    })
    .default({ cmdline: [] }),
});

/** A topology as written: shape-checked, sizes in bytes, but not yet checked against QEMU's and the kernel's rules. */
export type TopologyShape = z.output<typeof TopologySchema>;
export type CxlTopology = NonNullable<TopologyShape['cxl']>;
export type CxlDevice = CxlTopology['devices'][number];
export type CxlRegion = CxlTopology['regions'][number];
export type NamespaceSpec = z.output<typeof namespace>;
export type DevdaxLayout = Pick<NamespaceSpec, 'align' | 'map'>;
export type OnlinePolicy = (typeof ONLINE_POLICIES)[number];

// The QEMU side of a topology: machine flags, NUMA nodes, NVDIMMs and the CXL hierarchy, plus the sparse
// files QEMU maps for them. Arguments are the ones measured to boot under TCG (docs/speed.md).
import { attachment } from './cxl-fabric.ts';
import { posix } from 'node:path';
import type { CxlTopology } from './schema.ts';
import { formatSize } from './size.ts';
import { totalRam, type GuestTopology } from './validate.ts';

export interface BackingFile {
  path: string;
  size: bigint;
}

export interface MachineArgs {
  /** Value for -machine, e.g. 'q35,cxl=on'. */
  machine: string;
  /** Value for -cpu; null = QEMU's default. */
  cpu: string | null;
  /** Value for -m, e.g. '2G' or '2G,slots=1,maxmem=4G'. */
  memory: string;
  smp: number;
  /** Every other topology argument: -object/-numa/-device/-M cxl-fmw... */
  args: string[];
  /** Sparse files under workDir to create (zero-filled) before every boot: NVDIMM images, CXL pmem and LSA. */
  backingFiles: BackingFile[];
  /**
   * Whether savevm/loadvm bring the whole machine back. QEMU's cxl-type3 registers no vmstate at all
   * (hw/mem/cxl_type3.c: ct3_class_init sets no dc->vmsd; QEMU 10.0.2's -dump-vmstate lists no cxl-type3,
   * cxl-rp or cxl switch port), so neither its memory, its HDM decoders nor its PCI config space are in a
   * snapshot, and savevm does not refuse. Measured here (QEMU 10.0), a loadvm'd guest read zeros from a tmpfs
   * file it had written into CXL-backed memory before savevm, and a 7.3 guest whose slab lived there crashed
   * after restore. A saved machine resumed by another QEMU would also find its decoders uncommitted and its
   * BARs unassigned, so CXL machines are never saved on disk either.
   */
  snapshotSafe: boolean;
}

// Linux refuses to commit CXL regions when CPUID says "hypervisor": it cannot flush caches by
// invalidating memory regions in a VM (cpu_cache_has_invalidate_memregion), and Debian does not build
// CONFIG_CXL_REGION_INVALIDATION_TEST. TCG runs fine without the bit.
export const CXL_CPU = 'qemu64,hypervisor=off';

/** `vcpus` applies when the topology does not fix its own. */
export function machineArgs(t: GuestTopology, workDir: string, vcpus: number): MachineArgs {
  const smp = t.cpus ?? vcpus;
  const files: BackingFile[] = [];
  const file = (name: string, size: bigint): string => {
    const path = posix.join(workDir, name);
    files.push({ path, size });
    return path;
  };
  const args = [...numaArgs(t, smp), ...nvdimmArgs(t, file), ...(t.cxl ? cxlArgs(t.cxl, file) : [])];
  return {
    machine: ['q35', ...(t.nvdimms.length ? ['nvdimm=on'] : []), ...(t.cxl ? ['cxl=on'] : [])].join(','),
    cpu: t.cxl ? CXL_CPU : null,
    memory: memoryArg(t),
    smp,
    args,
    backingFiles: files,
    snapshotSafe: !t.cxl || t.cxl.devices.length === 0,
  };
}

function memoryArg(t: GuestTopology): string {
  const ram = totalRam(t);
  if (!t.hotplug && t.nvdimms.length === 0) return formatSize(ram);
  const slots = t.hotplug?.slots ?? t.nvdimms.length;
  const maxmem = t.hotplug?.maxmem ?? t.nvdimms.reduce((sum, n) => sum + n.size, ram);
  return `${formatSize(ram)},slots=${slots},maxmem=${formatSize(maxmem)}`;
}

// Every guest gets an SRAT, even with one node: kmem rejects ranges without a target node, and with an
// SRAT the kernel gives each CXL window a node of its own.
function numaArgs(t: GuestTopology, smp: number): string[] {
  const cpus = smp === 1 ? '0' : `0-${smp - 1}`;
  const node = (id: number, memory: bigint | undefined, extra: string): string[] =>
    memory === undefined
      ? ['-numa', `node,nodeid=${id}${extra}`]
      : ['-object', `memory-backend-ram,id=ram-node${id},size=${formatSize(memory)}`, '-numa', `node,nodeid=${id}${extra},memdev=ram-node${id}`];
  return [...node(0, t.ram, `,cpus=${cpus}`), ...[...t.nodes].sort((a, b) => a.id - b.id).flatMap((n) => node(n.id, n.memory, ''))];
}

type FileMaker = (name: string, size: bigint) => string;

function nvdimmArgs(t: GuestTopology, file: FileMaker): string[] {
  return t.nvdimms.flatMap((nv) => [
    '-object',
    `memory-backend-file,id=nvdimm-${nv.id}-mem,share=on,mem-path=${file(`nvdimm-${nv.id}.img`, nv.size)},size=${formatSize(nv.size)}`,
    '-device',
    `nvdimm,id=nvdimm-${nv.id},memdev=nvdimm-${nv.id}-mem,label-size=${formatSize(nv.labelSize)},node=${nv.node}`,
  ]);
}

/** Serial numbers of the type-3 devices (1, 2, ... in file order); provisioning finds memdevs by them. */
export function cxlSerial(cxl: CxlTopology, deviceId: string): number {
  return cxl.devices.findIndex((d) => d.id === deviceId) + 1;
}

/** The guest's name for a window: the CXL root's decoders follow the CFMWS order. */
export function cxlRootDecoder(cxl: CxlTopology, windowId: string): string {
  return `decoder0.${cxl.windows.findIndex((w) => w.id === windowId)}`;
}

/** A switch's upstream port number (any value; run_qemu uses 4), and serial numbers apart from the type-3 devices' 1..N. */
const SWITCH_UPSTREAM_PORT = 4;
const SWITCH_SERIAL_BASE = 0x5000;

function cxlArgs(cxl: CxlTopology, file: FileMaker): string[] {
  const hbId = (id: string) => `cxl-${id}`;
  const rpId = (hb: string, port: number) => `cxl-${hb}-rp${port}`;
  const swId = (sw: string) => `cxl-sw-${sw}`;
  const dspId = (sw: string, port: number) => `cxl-sw-${sw}-dsp${port}`;
  let slot = 0; // chassis 0 slot numbers must be unique across all root ports
  const bridges = cxl.hostBridges.flatMap((hb) => [
    '-device',
    `pxb-cxl,bus_nr=${hb.busNr},bus=pcie.0,id=${hbId(hb.id)}`,
    ...Array.from({ length: hb.rootPorts }, (_, port) => ['-device', `cxl-rp,port=${port},bus=${hbId(hb.id)},id=${rpId(hb.id, port)},chassis=0,slot=${slot++}`]).flat(),
  ]);
  // A switch: its upstream port and mailbox CCI as two functions of one slot on the root port (as run_qemu
  // plugs them), then its downstream ports.
  const switches = cxl.switches.flatMap((s, i) => [
    '-device',
    `cxl-upstream,port=${SWITCH_UPSTREAM_PORT},bus=${rpId(s.hostBridge, s.rootPort)},id=${swId(s.id)},multifunction=on,addr=0.0,sn=${SWITCH_SERIAL_BASE + i}`,
    '-device',
    `cxl-switch-mailbox-cci,bus=${rpId(s.hostBridge, s.rootPort)},addr=0.1,target=${swId(s.id)}`,
    ...Array.from({ length: s.downstreamPorts }, (_, port) => ['-device', `cxl-downstream,port=${port},bus=${swId(s.id)},id=${dspId(s.id, port)},chassis=0,slot=${slot++}`]).flat(),
  ]);
  const devices = cxl.devices.flatMap((d) => {
    const mem = `cxl-${d.id}-mem`;
    const at = attachment(cxl, d)!;
    const bus = at.switch ? dspId(at.switch.id, at.switch.port) : rpId(at.hostBridge, at.rootPort);
    const common = `bus=${bus},id=cxl-${d.id},sn=${cxlSerial(cxl, d.id)}`;
    if (d.type === 'volatile') {
      return ['-object', `memory-backend-ram,id=${mem},share=on,size=${formatSize(d.size)}`, '-device', `cxl-type3,${common},volatile-memdev=${mem}`];
    }
    const lsa = `cxl-${d.id}-lsa`;
    return [
      '-object',
      `memory-backend-file,id=${mem},share=on,mem-path=${file(`cxl-${d.id}.img`, d.size)},size=${formatSize(d.size)}`,
      '-object',
      `memory-backend-file,id=${lsa},share=on,mem-path=${file(`cxl-${d.id}-lsa.img`, d.lsa)},size=${formatSize(d.lsa)}`,
      '-device',
      `cxl-type3,${common},persistent-memdev=${mem},lsa=${lsa}`,
    ];
  });
  // Every window in one -M: QEMU refuses cxl-fmw.* spread over several ("used inconsistently").
  const fmw = cxl.windows.flatMap((w, i) => [
    ...w.targets.map((target, k) => `cxl-fmw.${i}.targets.${k}=${hbId(target)}`),
    `cxl-fmw.${i}.size=${formatSize(w.size)}`,
    ...(w.granularity !== undefined ? [`cxl-fmw.${i}.interleave-granularity=${w.granularity}`] : []),
  ]);
  const windows = fmw.length ? ['-M', fmw.join(',')] : [];
  return [...bridges, ...switches, ...devices, ...windows];
}

// Where a CXL type-3 device sits in the fabric: behind which host bridge and root port, and through which
// switch port if any. Pure: validation, QEMU arguments and the expected inventory read it alike.
import type { CxlDevice, CxlTopology } from './schema.ts';

export interface Attachment {
  hostBridge: string;
  rootPort: number;
  /** The switch downstream port the device plugs into, when it is behind a switch. */
  switch?: { id: string; port: number };
}

/** The device's place; undefined when it names neither a root port nor a known switch (validation says why). */
export function attachment(cxl: CxlTopology, d: CxlDevice): Attachment | undefined {
  if (d.switch !== undefined) {
    const sw = cxl.switches.find((s) => s.id === d.switch);
    return sw && d.port !== undefined ? { hostBridge: sw.hostBridge, rootPort: sw.rootPort, switch: { id: sw.id, port: d.port } } : undefined;
  }
  return d.hostBridge !== undefined && d.rootPort !== undefined ? { hostBridge: d.hostBridge, rootPort: d.rootPort } : undefined;
}

/** PCI buses a host bridge's hierarchy takes after its own: one per root port, and per switch its internal bus and one per downstream port. */
export function busesBelow(cxl: CxlTopology, hostBridge: string): number {
  const hb = cxl.hostBridges.find((h) => h.id === hostBridge);
  const switches = cxl.switches.filter((s) => s.hostBridge === hostBridge);
  return (hb?.rootPorts ?? 0) + switches.reduce((n, s) => n + 1 + s.downstreamPorts, 0);
}

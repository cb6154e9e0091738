// How the kernel names dax devices: `dax%d.%d` with the region id and the device id
// (devm_create_dev_dax() in drivers/dax/bus.c), canonical decimal. One parser and one order for every stage.

/** Canonical `daxR.N`: the kernel prints it, so leading zeros or signs would be a format change. */
export const DEVICE_NAME = /^dax(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

/** [region id, device id], or null for a name that is not a dax device's. */
export function parseDeviceName(name: string): [number, number] | null {
  const m = DEVICE_NAME.exec(name);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/** Natural order of daxR.N names: dax0.2 < dax0.10 < dax1.0; anything else after them, by text. */
export function compareDeviceNames(a: string, b: string): number {
  const ka = parseDeviceName(a);
  const kb = parseDeviceName(b);
  if (ka && kb) return ka[0] - kb[0] || ka[1] - kb[1];
  if (ka || kb) return ka ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

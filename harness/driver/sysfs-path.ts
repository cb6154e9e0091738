// The one place that turns an AttrRef into a guest path. Device and mapping paths go through the bus's
// symlinks rather than the host's real path, because that is how user space (daxctl, scripts) reaches them.
import type { AttrRef } from '../model/ops.ts';

export const DAX_BUS = '/sys/bus/dax';
export const DAX_DEVICES = `${DAX_BUS}/devices`;
export const MEMORY_ROOT = '/sys/devices/system/memory';

/** A dax device's character device node (devtmpfs). */
export const devNodePath = (device: string): string => `/dev/${device}`;

export function sysfsPath(ref: AttrRef): string {
  switch (ref.kind) {
    case 'region':
      return `${ref.host}/dax_region/${ref.attr}`;
    case 'device':
      return `${DAX_DEVICES}/${ref.device}/${ref.attr}`;
    case 'mapping':
      return `${DAX_DEVICES}/${ref.device}/mapping${ref.index}/${ref.attr}`;
    case 'driver':
      return `${DAX_BUS}/drivers/${ref.driver}/${ref.attr}`;
    case 'bus':
      return `${DAX_BUS}/${ref.attr}`;
    case 'memblock':
      return `${MEMORY_ROOT}/memory${ref.index}/${ref.attr}`;
    case 'memory':
      return `${MEMORY_ROOT}/${ref.attr}`;
  }
}

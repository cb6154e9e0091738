import test from 'ava';
import type { AttrRef } from '../model/ops.ts';
import { sysfsPath } from './sysfs-path.ts';

const cases: [AttrRef, string][] = [
  [{ kind: 'region', host: '/sys/devices/platform/hmem.0', attr: 'create' }, '/sys/devices/platform/hmem.0/dax_region/create'],
  [
    { kind: 'region', host: '/sys/devices/platform/ACPI0017:00/root0/decoder0.0/region0/dax_region0', attr: 'available_size' },
    '/sys/devices/platform/ACPI0017:00/root0/decoder0.0/region0/dax_region0/dax_region/available_size',
  ],
  [{ kind: 'device', device: 'dax0.1', attr: 'size' }, '/sys/bus/dax/devices/dax0.1/size'],
  [{ kind: 'mapping', device: 'dax0.1', index: 2, attr: 'page_offset' }, '/sys/bus/dax/devices/dax0.1/mapping2/page_offset'],
  [{ kind: 'driver', driver: 'kmem', attr: 'new_id' }, '/sys/bus/dax/drivers/kmem/new_id'],
  [{ kind: 'bus', attr: 'drivers_autoprobe' }, '/sys/bus/dax/drivers_autoprobe'],
  [{ kind: 'memblock', index: 34, attr: 'state' }, '/sys/devices/system/memory/memory34/state'],
  [{ kind: 'memory', attr: 'auto_online_blocks' }, '/sys/devices/system/memory/auto_online_blocks'],
];

for (const [ref, path] of cases) {
  test(`${ref.kind} ref → ${path}`, (t) => {
    t.is(sysfsPath(ref), path);
  });
}

// Short constructors for the operations cases are written in. Every one is model-checked when stepped.
import type { BusAttr, DaxDriver, DeviceAttr, DriverAttr, MappingAttr, Op, RegionAttr } from '../harness/model/ops.ts';

export const write = {
  region: (host: string, attr: RegionAttr, value: string): Op => ({ op: 'write', ref: { kind: 'region', host, attr }, value }),
  device: (device: string, attr: DeviceAttr, value: string): Op => ({ op: 'write', ref: { kind: 'device', device, attr }, value }),
  driver: (driver: DaxDriver, attr: DriverAttr, value: string): Op => ({ op: 'write', ref: { kind: 'driver', driver, attr }, value }),
  bus: (attr: BusAttr, value: string): Op => ({ op: 'write', ref: { kind: 'bus', attr }, value }),
  memblock: (index: number, value: string): Op => ({ op: 'write', ref: { kind: 'memblock', index, attr: 'state' }, value }),
  autoOnline: (value: string): Op => ({ op: 'write', ref: { kind: 'memory', attr: 'auto_online_blocks' }, value }),
};

export const read = {
  region: (host: string, attr: RegionAttr): Op => ({ op: 'read', ref: { kind: 'region', host, attr } }),
  device: (device: string, attr: DeviceAttr): Op => ({ op: 'read', ref: { kind: 'device', device, attr } }),
  mapping: (device: string, index: number, attr: MappingAttr): Op => ({ op: 'read', ref: { kind: 'mapping', device, index, attr } }),
  driver: (driver: DaxDriver, attr: DriverAttr): Op => ({ op: 'read', ref: { kind: 'driver', driver, attr } }),
};

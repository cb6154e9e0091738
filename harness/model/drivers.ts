// The dax bus's driver side (drivers/dax/bus.c with drivers/base/{bus,dd}.c): matching, the bus probe gate,
// and the bind/unbind/new_id/remove_id/drivers_probe/drivers_autoprobe files.
import { BUS_ATTRS, DAX_DRIVERS, DRIVER_ATTRS } from '../abi/attributes.ts';
import { devdaxProbe, fsdevProbe } from './devdax.ts';
import { kmemProbe, kmemRemove } from './kmem.ts';
import type { DaxDriver, DriverAttr } from './ops.ts';
import { parseDaxIdName } from './parse.ts';
import { type Device, type State, deviceSize, findDeviceByName, putDevice, putRegion, regionOf } from './state.ts';
import { type Attr, line } from './sysfs.ts';
import { type ProbeOutcome, type Step, refuse, succeed, warned } from './step.ts';

/** dax_bus_match(): a new_id entry, else dax_match_type (fsdev_dax's type matches no region). */
function driverMatches(s: State, driver: DaxDriver, d: Device): boolean {
  if (s.newIds[driver].has(d.name)) return true;
  if (s.profile.abi.matching === 'device_dax-always') return driver === 'device_dax';
  const regionType = regionOf(s, d).kmemDefault ? 'kmem' : 'device';
  const type = DAX_DRIVERS[driver].type;
  return type === regionType || (type === 'device' && !s.profile.kmemConfigured);
}

const PROBES: Record<DaxDriver, (s: State, d: Device) => ProbeOutcome> = { device_dax: devdaxProbe, kmem: kmemProbe, fsdev_dax: fsdevProbe };

/** dax_bus_probe(): size 0 is ENXIO before the driver runs; a successful probe retires the region's seed. */
function busProbe(s: State, driver: DaxDriver, d: Device): ProbeOutcome {
  if (deviceSize(d) === 0n) return { ok: false, errno: 'ENXIO', next: s };
  const out = PROBES[driver](s, d);
  if (!out.ok) return out;
  const region = regionOf(out.next, d);
  if (!region.dynamic || region.seed !== d.name) return out;
  return { ok: true, next: putRegion(out.next, { ...region, seed: null }) };
}

/** Probes whose errors the caller ignores (driver_attach, device_attach): only warnings survive. */
interface Attempts {
  readonly next: State;
  readonly warning?: string;
}

function attempt(acc: Attempts, out: ProbeOutcome): Attempts {
  const warning = acc.warning ?? (out.ok ? undefined : out.warning);
  return warning === undefined ? { next: out.next } : { next: out.next, warning };
}

/** driver_attach() (new_id): every unbound matching device on the bus, in registration order. */
function driverAttach(s: State, driver: DaxDriver): Attempts {
  let acc: Attempts = { next: s };
  for (const name of [...s.devices.keys()]) {
    const d = acc.next.devices.get(name)!;
    if (d.binding === null && driverMatches(acc.next, driver, d)) acc = attempt(acc, busProbe(acc.next, driver, d));
  }
  return acc;
}

/** device_attach() (drivers_probe): drivers in registration order until one binds. */
function deviceAttach(s: State, name: string): Attempts {
  let acc: Attempts = { next: s };
  for (const driver of s.driverOrder) {
    const d = acc.next.devices.get(name)!;
    if (!driverMatches(acc.next, driver, d)) continue;
    const out = busProbe(acc.next, driver, d);
    acc = attempt(acc, out);
    if (out.ok) break;
  }
  return acc;
}

const fromAttempts = (a: Attempts): Step => warned(succeed(a.next), a.warning);

function bind(s: State, driver: DaxDriver, input: string): Step {
  const d = findDeviceByName(s.devices.values(), input);
  if (!d || !driverMatches(s, driver, d)) return refuse(s, 'ENODEV');
  if (d.binding !== null) return refuse(s, 'EBUSY');
  const out = busProbe(s, driver, d);
  return out.ok ? succeed(out.next) : warned(refuse(out.next, out.errno), out.warning);
}

/** The driver's remove: device_dax's and fsdev's only drop what probe requested (kill_dev_dax also clears a dynamic pgmap). */
const driverRemove = (s: State, d: Device): State => (d.binding?.driver === 'kmem' ? kmemRemove(s, d) : putDevice(s, { ...d, binding: null }));

function unbind(s: State, driver: DaxDriver, input: string): Step {
  const d = findDeviceByName(s.devices.values(), input);
  if (!d || d.binding?.driver !== driver) return refuse(s, 'ENODEV');
  return succeed(driverRemove(s, d));
}

/**
 * A bind whose probe succeeded and whose driver files then failed (really_probe(), drivers/base/dd.c: a
 * failed device_add_groups(dev, drv->dev_groups) goes to device_remove()): the driver's remove runs at
 * once and the bind answers the error. What the probe did that remove does not undo stays: the region's
 * seed retired by dax_bus_probe, kmem's memory that is online.
 */
export function probedAndRemoved(s: State, driver: DaxDriver, name: string): State {
  const d = s.devices.get(name);
  if (!d || d.binding !== null) return s;
  const out = busProbe(s, driver, d);
  return out.ok ? driverRemove(out.next, out.next.devices.get(name)!) : s;
}

function withIds(s: State, driver: DaxDriver, ids: ReadonlySet<string>): State {
  return { ...s, newIds: { ...s.newIds, [driver]: ids } };
}

/** do_id_store(ID_ADD): the device need not exist; then driver_attach, whose probe errors are dropped. */
function newId(s: State, driver: DaxDriver, input: string): Step {
  const name = parseDaxIdName(input);
  if (name === null) return refuse(s, 'EINVAL');
  const ids = s.newIds[driver];
  return fromAttempts(driverAttach(ids.has(name) ? s : withIds(s, driver, new Set([...ids, name])), driver));
}

/** do_id_store(ID_REMOVE): an absent entry is fine, and nothing is unbound. */
function removeId(s: State, driver: DaxDriver, input: string): Step {
  const name = parseDaxIdName(input);
  if (name === null) return refuse(s, 'EINVAL');
  const ids = s.newIds[driver];
  if (!ids.has(name)) return succeed(s);
  const rest = new Set(ids);
  rest.delete(name);
  return succeed(withIds(s, driver, rest));
}

const DRIVER_STORES: Record<DriverAttr, (s: State, driver: DaxDriver, input: string) => Step> = {
  bind,
  unbind,
  new_id: newId,
  remove_id: removeId,
};

export function driverAttr(s: State, driver: DaxDriver, attr: DriverAttr): Attr {
  return { mode: DRIVER_ATTRS[attr].mode, store: (input) => DRIVER_STORES[attr](s, driver, input) };
}

/** drivers_probe: returns the count even when nothing binds; an unknown name is ENODEV. */
export function driversProbeAttr(s: State): Attr {
  return {
    mode: BUS_ATTRS.drivers_probe.mode,
    store: (input) => {
      const d = findDeviceByName(s.devices.values(), input);
      if (!d) return refuse(s, 'ENODEV');
      return d.binding !== null ? succeed(s) : fromAttempts(deviceAttach(s, d.name));
    },
  };
}

/**
 * drivers_autoprobe: only the first character counts. It gates probing at device_add and driver load; both
 * happen here only for `create`, whose new device has size 0 and cannot bind anyway.
 */
export function driversAutoprobeAttr(s: State): Attr {
  return {
    mode: BUS_ATTRS.drivers_autoprobe.mode,
    show: () => line(s.autoprobe ? 1 : 0),
    store: (input) => succeed({ ...s, autoprobe: input[0] !== '0' }),
  };
}

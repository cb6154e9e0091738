// Every suite `daxh run` knows, in the order they run.
import { registerSuites } from '../harness/runner/catalog.ts';
import type { Suite } from '../harness/runner/suite.ts';
import { allocationFailures } from './cases/allocation-failures.ts';
import { concurrency } from './cases/concurrency.ts';
import { inventorySuite } from './cases/inventory.ts';
import { kmemHotplug } from './cases/kmem-hotplug.ts';
import { memmapOnMemory } from './cases/memmap-on-memory.ts';
import { modelBased } from './cases/model-based.ts';
import { regressions } from './cases/regressions.ts';
import { sysfsWrites } from './cases/sysfs-writes.ts';

export const ALL_SUITES: readonly Suite[] = [inventorySuite, sysfsWrites, kmemHotplug, memmapOnMemory, regressions, allocationFailures, modelBased, concurrency];

registerSuites(ALL_SUITES);

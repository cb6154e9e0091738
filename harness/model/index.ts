// The reference model of the Linux dax bus: start from a guest inventory, predict each operation, observe.
export { apply } from './apply.ts';
export { ALLOCATION_FAILURE_ERRNOS, allocationFailed, toleratedFailures, type ToleratedFailure } from './allocation-failure.ts';
export { mmapResult } from './devdax.ts';
export { type KnownDivergence, KNOWN_DIVERGENCES, divergenceKernels, expectedDivergence, lookupAllocationFailures, lookupDivergence, lookupReport, type KnownReport } from './divergences.ts';
export { initState } from './init.ts';
export { checkInvariants, checkStateInvariants } from './invariants.ts';
export { type InventoryRegion, type ModelInventory, type RegionFacts, modelInventoryFromObservation } from './inventory.ts';
export { observe } from './observe.ts';
export { type KernelAbi, type KernelProfile, type MemmapOnMemoryParam, type ProfileFacts, type Provider, profileFor } from './profiles.ts';
export type { Binding, ByteRange, Device, DevRange, LeakedRange, MemBlock, Region, State, State as ModelState, ZoneSpan } from './state.ts';
export type { Step } from './step.ts';

// Which built-in topologies carry which kind of dax region; cases pick from these lists.
export const DYNAMIC = ['hmem', 'cxl', 'cxl-interleave', 'mixed'] as const;
export const STATIC = ['pmem', 'nvdimm', 'cxl-pmem', 'mixed'] as const;
export const ALL = ['pmem', 'nvdimm', 'cxl', 'cxl-interleave', 'cxl-pmem', 'hmem', 'mixed'] as const;
export const KMEM_CAPABLE = ['pmem', 'nvdimm', 'cxl', 'hmem', 'mixed'] as const;

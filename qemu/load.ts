// The one module in qemu/ that touches the disk: built-in topologies live as YAML next to this file,
// and users may pass their own .yaml/.yml/.json file.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseTopologyText } from './topology-file.ts';
import { TopologyError, type GuestTopology } from './validate.ts';
import { applyVariants, splitVariants, VARIANTS, type VariantName } from './variants.ts';
import { MAX_BYTES, readUserFile } from '../harness/util/user-file.ts';

const BUILTIN_DIR = fileURLToPath(new URL('./topologies/', import.meta.url));
const FILE = /\.(ya?ml|json)$/;

export function builtinTopologyNames(): string[] {
  return readdirSync(BUILTIN_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}

/** A built-in name with optional variants (`hmem`, `hmem+mom`), or a topology file path (`my.yaml+mom` too). */
export function loadTopology(nameOrPath: string, label = 'topology'): GuestTopology {
  const { base, variants } = splitVariants(nameOrPath);
  return applyVariants(FILE.test(base) ? loadFile(base, label) : loadBuiltin(base, label), variants);
}

/** Every built-in and its variants, each with a one-line description. */
export function listTopologies(): { name: string; description: string }[] {
  const variants = Object.keys(VARIANTS) as VariantName[];
  return builtinTopologyNames().flatMap((builtin) => {
    const t = loadBuiltin(builtin);
    return [t, ...variants.map((v) => applyVariants(t, [v]))].map(({ name, description }) => ({ name, description }));
  });
}

function loadBuiltin(name: string, label = 'topology'): GuestTopology {
  const names = builtinTopologyNames();
  if (!names.includes(name)) {
    const variants = Object.keys(VARIANTS).map((v) => `+${v}`).join(', ');
    throw new TopologyError(`${label} ${name}`, `not a built-in topology (${names.join(', ')}; variants ${variants}) nor a .yaml/.yml/.json file`);
  }
  const origin = `qemu/topologies/${name}.yaml`;
  const t = parseTopologyText(readFileSync(`${BUILTIN_DIR}${name}.yaml`, 'utf8'), origin);
  if (t.name !== name) throw new TopologyError('name', `is '${t.name}' but the file is ${name}.yaml; they must match`, origin);
  return t;
}

function loadFile(path: string, label: string): GuestTopology {
  return parseTopologyText(readUserFile(label, path, 'a topology .yaml or .json file', MAX_BYTES.topology), path);
}

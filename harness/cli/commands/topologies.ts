import { listTopologies } from '../../../qemu/load.ts';
import { parseFlags, type Command } from '../command.ts';
import { EXIT } from '../errors.ts';

export const topologies: Command = {
  summary: 'list the built-in memory topologies',
  usage: '',
  help: 'One line each. Every topology also has a +mom variant booted with memory_hotplug.memmap_on_memory=1.',
  async run(args) {
    parseFlags('topologies', args, {});
    const list = listTopologies();
    const width = Math.max(...list.map((t) => t.name.length));
    for (const t of list) console.log(`${t.name.padEnd(width)}  ${t.description}`);
    return EXIT.ok;
  },
};

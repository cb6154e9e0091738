// Content hashes of files with a stat fast path: a file whose device, inode, size, mtime and ctime (ns) are
// what they were when it was last hashed is not read again. Any write changes ctime, which no tool can set
// back (`cp -p` and `touch -r` restore mtime only), so the fast path never hides a change the content hash
// would have shown; an unchanged tree costs stats only.
import { readFile, stat } from 'node:fs/promises';
import { sha256File } from './apt.ts';
import { atomicWriteFile } from '../harness/util/atomic.ts';
import { cachePath, ensureCacheRoot } from './cache.ts';

interface Entry {
  key: string;
  sha256: string;
}

export class FileHasher {
  private entries: Map<string, Entry> | null = null;
  private dirty = false;

  constructor(private readonly file = cachePath('file-hashes.json')) {}

  private async load(): Promise<Map<string, Entry>> {
    if (this.entries) return this.entries;
    const text = await readFile(this.file, 'utf8').catch(() => '{}');
    let data: Record<string, Entry> = {};
    try {
      data = JSON.parse(text) as Record<string, Entry>;
    } catch {
      // A damaged cache of hashes is only a slower run.
    }
    this.entries = new Map(Object.entries(data));
    return this.entries;
  }

  async hash(path: string): Promise<string> {
    const entries = await this.load();
    const st = await stat(path, { bigint: true });
    const key = `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
    const known = entries.get(path);
    if (known?.key === key) return known.sha256;
    const sha256 = await sha256File(path);
    entries.set(path, { key, sha256 });
    this.dirty = true;
    return sha256;
  }

  async save(): Promise<void> {
    if (!this.dirty || !this.entries) return;
    await ensureCacheRoot();
    await atomicWriteFile(this.file, JSON.stringify(Object.fromEntries(this.entries)));
    this.dirty = false;
  }
}

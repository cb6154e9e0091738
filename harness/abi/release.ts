// Kernel releases as uname prints them (`6.12.117+deb12-amd64`, `6.1.0-56-amd64`, `7.3.0-rc2-next-20261201`):
// the one place that reads and orders them.

export class ReleaseError extends Error {}

/** Leading `major.minor[.patch]` of a release. */
export function releaseParts(release: string): [major: number, minor: number, patch: number] {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(release);
  if (!m) throw new ReleaseError(`kernel release ${JSON.stringify(release)} does not start with major.minor`);
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

/** Compares releases component-wise; missing components count as 0. */
export function compareReleases(a: string, b: string): number {
  const x = releaseParts(a);
  const y = releaseParts(b);
  for (let i = 0; i < 3; i++) {
    const d = x[i]! - y[i]!;
    if (d !== 0) return d;
  }
  return 0;
}

export const atLeast = (release: string, since: string): boolean => compareReleases(release, since) >= 0;

/** `6.12` of `6.12.117+deb12-amd64`. */
export function seriesOf(release: string): string {
  const [major, minor] = releaseParts(release);
  return `${major}.${minor}`;
}

// The image's production dependencies as a lockfile cut from the repository's package-lock.json:
// the native packages and everything they need, at the versions and integrity hashes CI tested,
// so the image installs them with `npm ci` and never resolves a version of its own.

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dev?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  [key: string]: unknown;
}

export interface PackageLock {
  name?: string;
  lockfileVersion: number;
  packages: Record<string, LockEntry>;
}

/** Where Node resolves `name` from the package installed at `from` (nested first, then up the tree). */
function locate(lock: PackageLock, from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = `${dir ? `${dir}/` : ""}node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (!dir) return undefined;
    const at = dir.lastIndexOf("/node_modules/");
    dir = at < 0 ? "" : dir.slice(0, at);
  }
}

/**
 * A lockfile (version 3) holding `roots` and their dependency closure, copied entry by entry from
 * `lock`. A required dependency that the lock lacks is an error; an optional one (another
 * platform's binary) may be absent, as npm itself records only what it resolved.
 */
export function productionLock(lock: PackageLock, name: string, roots: readonly string[]): PackageLock {
  const packages: Record<string, LockEntry> = {};
  const dependencies: Record<string, string> = {};
  const queue: [string, string, boolean][] = roots.map((root) => ["", root, false]);
  while (queue.length > 0) {
    const [from, dependency, optional] = queue.shift()!;
    const path = locate(lock, from, dependency);
    if (!path) {
      if (optional) continue;
      throw new Error(`package-lock.json has no entry for ${dependency} (needed by ${from || name})`);
    }
    if (from === "") dependencies[dependency] = lock.packages[path]!.version!;
    if (packages[path]) continue;
    const { dev: _dev, devOptional: _devOptional, peer: _peer, ...entry } = lock.packages[path]!;
    packages[path] = entry;
    for (const next of Object.keys(entry.dependencies ?? {})) queue.push([path, next, false]);
    for (const next of Object.keys(entry.optionalDependencies ?? {})) queue.push([path, next, true]);
  }
  const sorted = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a < b ? -1 : 1)));
  return {
    name,
    lockfileVersion: 3,
    requires: true,
    packages: { "": { name, dependencies }, ...sorted },
  } as PackageLock;
}

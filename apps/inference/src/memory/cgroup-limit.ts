import { readFileSync } from "node:fs";
import { join } from "node:path";

/** Limits at or above this are the kernel's "no limit" (v1 writes 2^63 rounded down to a page). */
const UNLIMITED = 2 ** 62;

const readText = (path: string): string | undefined => {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return undefined;
  }
};

/** A limit file's value in bytes, or undefined for "max", no limit, or no such file. */
function limitIn(path: string): number | undefined {
  const text = readText(path);
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  const bytes = Number(text);
  return bytes > 0 && bytes < UNLIMITED ? bytes : undefined;
}

/** The cgroup path and every ancestor up to the root: "/a/b" → ["/a/b", "/a", "/"]. */
function lineage(path: string): string[] {
  const out: string[] = [];
  let at = path.startsWith("/") ? path : `/${path}`;
  for (;;) {
    out.push(at);
    if (at === "/") return out;
    at = at.slice(0, at.lastIndexOf("/")) || "/";
  }
}

/** The smallest limit among a cgroup and its ancestors; the mount root too (a container sees its own cgroup there). */
function smallest(mount: string, path: string, file: string): number | undefined {
  const limits = [...lineage(path).map((at) => join(mount, at, file)), join(mount, file)]
    .map(limitIn)
    .filter((v): v is number => v !== undefined);
  return limits.length > 0 ? Math.min(...limits) : undefined;
}

/**
 * This process's memory limit in bytes from its own cgroup (per /proc/self/cgroup): cgroup v2's
 * memory.max, else cgroup v1's memory.limit_in_bytes, the smallest along its ancestry; undefined
 * when there is none (or no cgroup filesystem, as on macOS). `root` is for tests.
 */
export function cgroupMemoryLimit(root = "/"): number | undefined {
  const table = readText(join(root, "proc/self/cgroup"));
  if (table === undefined) return undefined;
  let v1: number | undefined;
  let v2: number | undefined;
  for (const line of table.split("\n")) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
    if (path === undefined) continue;
    if (controllers === "") v2 = smallest(join(root, "sys/fs/cgroup"), path, "memory.max");
    else if (controllers!.split(",").includes("memory"))
      v1 = smallest(join(root, "sys/fs/cgroup/memory"), path, "memory.limit_in_bytes");
  }
  return v2 ?? v1;
}

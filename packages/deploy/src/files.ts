import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { GENERATED_DIRS } from "./render.js";

export interface RenderedDiff {
  /** Files whose committed text differs from the rendered text. */
  changed: string[];
  /** Rendered files that are not committed. */
  missing: string[];
  /** Committed files in generated folders that render no longer makes. */
  extra: string[];
}

async function listFiles(root: string, dir: string): Promise<string[]> {
  const entries = await readdir(join(root, dir), { withFileTypes: true }).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return [];
      throw error;
    },
  );
  const out: string[] = [];
  for (const entry of entries) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await listFiles(root, path)));
    else out.push(path);
  }
  return out;
}

/** Where committed files are read from: a working tree, or a git revision (read as data). */
export interface CommittedFiles {
  read(path: string): Promise<string | undefined>;
  /** Every file under a folder, as repository paths. */
  list(dir: string): Promise<string[]>;
}

/** The files under `root` on disk. */
export const workingTree = (root: string): CommittedFiles => ({
  read: (path) => readFile(join(root, path), "utf8").catch(() => undefined),
  list: (dir) => listFiles(root, dir),
});

/** What differs between the rendered files and the committed ones (nothing is written). */
export async function diffCommitted(
  committed: CommittedFiles,
  files: Map<string, string>,
): Promise<RenderedDiff> {
  const diff: RenderedDiff = { changed: [], missing: [], extra: [] };
  for (const [path, text] of files) {
    const current = await committed.read(path);
    if (current === undefined) diff.missing.push(path);
    else if (current !== text) diff.changed.push(path);
  }
  for (const dir of GENERATED_DIRS)
    for (const path of await committed.list(dir)) if (!files.has(path)) diff.extra.push(path);
  return diff;
}

/** What differs between the rendered files and those under `root` (nothing is written). */
export const diffRendered = (root: string, files: Map<string, string>) =>
  diffCommitted(workingTree(root), files);

export const isClean = (diff: RenderedDiff) =>
  diff.changed.length + diff.missing.length + diff.extra.length === 0;

/** Writes what changed and removes what render no longer makes (and folders left empty). */
export async function writeRendered(root: string, files: Map<string, string>): Promise<RenderedDiff> {
  const diff = await diffRendered(root, files);
  for (const path of [...diff.changed, ...diff.missing]) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), files.get(path)!);
  }
  for (const path of diff.extra) {
    await rm(join(root, path), { force: true });
    let dir = dirname(path);
    while (dir.split("/").length > 2 && (await readdir(join(root, dir)).catch(() => ["?"])).length === 0) {
      await rm(join(root, dir), { recursive: true, force: true });
      dir = dirname(dir);
    }
  }
  return diff;
}

/** A path under root as the repository names it (forward slashes). */
export const repoPath = (root: string, path: string) => relative(root, path).split(sep).join("/");

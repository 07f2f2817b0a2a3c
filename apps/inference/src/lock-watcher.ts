import { readFile } from "node:fs/promises";
import { createHash } from "node:crypto";

/**
 * Calls onChange when the lock file's content changes, checked every `intervalMs`. Polling by
 * content (not inotify) also sees a Kubernetes ConfigMap update, which swaps a symlink.
 */
export function watchLock(path: string, intervalMs: number, onChange: () => void): () => void {
  let last: string | undefined;
  let busy = false;
  const digest = async () =>
    createHash("sha256")
      .update(await readFile(path))
      .digest("hex");
  void digest().then(
    (d) => (last = d),
    () => undefined,
  );
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    digest()
      .then((d) => {
        if (last !== undefined && d !== last) onChange();
        last = d;
      })
      .catch(() => undefined) // a lock mid-rewrite or briefly missing is read on the next tick
      .finally(() => (busy = false));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

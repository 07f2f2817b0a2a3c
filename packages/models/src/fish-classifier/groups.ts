import { ModelError } from "../errors.js";
import type { ImageFolder } from "./image-folder.js";

/** Group id of each image: the regex's first capture group on the file name, else the image itself. */
export function groupsOf(folder: ImageFolder, pattern: string | null): string[] {
  if (!pattern) return folder.items.map((item) => item.path);
  const re = new RegExp(pattern);
  return folder.items.map((item) => {
    const m = re.exec(item.file);
    if (!m || m[1] === undefined) {
      throw new ModelError("DATA_INVALID", `the group pattern ${pattern} does not match "${item.file}"`);
    }
    return `${item.label}/${m[1]}`;
  });
}

import { classificationReport } from "@lockstep/ml";
import type { BatchAdapter } from "../serving-adapter.js";
import { loadImageFolder } from "./image-folder.js";
import type { FishServing } from "./serving.js";

/**
 * A folder of labelled photos (one folder per class, as training reads them) as requests: each
 * image is read when its turn comes, and its folder is its truth (the class id the answer names).
 */
export const fishBatch: BatchAdapter<FishServing> = {
  async rows(uri, _card, io) {
    const folder = await loadImageFolder(uri, io);
    return folder.items.map((item) => ({
      id: item.file,
      request: () => folder.read(item),
      truth: folder.classes[item.label]!.id,
    }));
  },
  realised: {
    metric: "macro_f1",
    goal: "maximize",
    score(rows) {
      if (rows.length === 0) return undefined;
      const ids = [
        ...new Set(rows.flatMap((r) => [String(r.truth), String(r.answer.predicted_class)])),
      ].sort();
      const index = (id: string) => ids.indexOf(id);
      const truth = rows.map((r) => index(String(r.truth)));
      // classes the folder holds: a prediction of a class absent from the batch counts against precision only
      const report = classificationReport(
        truth,
        rows.map((r) => index(String(r.answer.predicted_class))),
        ids.length,
      );
      const present = new Set(truth);
      const f1s = report.perClass.filter((_, c) => present.has(c)).map((s) => s.f1);
      return f1s.reduce((a, b) => a + b, 0) / f1s.length;
    },
  },
};

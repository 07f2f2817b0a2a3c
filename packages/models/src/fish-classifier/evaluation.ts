import type { ClassificationReport } from "@lockstep/ml";

/** What fish-classifier's cross-validation measured: the report renders it. */
export interface FishEvaluation {
  report: ClassificationReport;
  top3: number;
  folds: { images: number; groups: number; accuracy: number }[];
  baselines: { name: string; accuracy: number; macroF1: number; top3: number }[];
  groupsTotal: number;
}

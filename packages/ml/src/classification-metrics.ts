/**
 * Classification metrics. Labels are class indices 0..k-1; probabilities are rows of k numbers.
 */

function checkLabels(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, classes: number): void {
  if (yTrue.length !== yPred.length)
    throw new RangeError(`label arrays differ in length: ${yTrue.length} vs ${yPred.length}`);
  if (yTrue.length === 0) throw new RangeError("no labels");
  for (const y of [yTrue, yPred]) {
    for (let i = 0; i < y.length; i++) {
      if (!Number.isInteger(y[i]) || y[i]! < 0 || y[i]! >= classes) {
        throw new RangeError(`label ${y[i]} at ${i} is not a class index in 0..${classes - 1}`);
      }
    }
  }
}

function checkProbabilities(yTrue: ArrayLike<number>, probabilities: ArrayLike<number>[]): number {
  if (yTrue.length !== probabilities.length) {
    throw new RangeError(`${yTrue.length} labels but ${probabilities.length} probability rows`);
  }
  if (yTrue.length === 0) throw new RangeError("no labels");
  const classes = probabilities[0]!.length;
  if (probabilities.some((row) => row.length !== classes))
    throw new RangeError("probability rows differ in length");
  checkLabels(yTrue, yTrue, classes);
  return classes;
}

export function accuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  if (yTrue.length !== yPred.length || yTrue.length === 0)
    throw new RangeError("accuracy needs equal, non-empty label arrays");
  let hits = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) hits++;
  return hits / yTrue.length;
}

/** Rows are true classes, columns predicted classes. */
export function confusionMatrix(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  classes: number,
): number[][] {
  checkLabels(yTrue, yPred, classes);
  const matrix = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < yTrue.length; i++) matrix[yTrue[i]!]![yPred[i]!]!++;
  return matrix;
}

export interface ClassScores {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface ClassificationReport {
  accuracy: number;
  perClass: ClassScores[];
  macro: Omit<ClassScores, "support">;
  weighted: Omit<ClassScores, "support">;
  confusion: number[][];
}

/** Precision, recall and F1 per class, their macro and support-weighted means (0 where undefined, as sklearn's zero_division=0). */
export function classificationReport(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  classes: number,
): ClassificationReport {
  const confusion = confusionMatrix(yTrue, yPred, classes);
  const perClass = confusion.map((row, c) => {
    const tp = row[c]!;
    const support = row.reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((sum, r) => sum + r[c]!, 0);
    const precision = predicted === 0 ? 0 : tp / predicted;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { precision, recall, f1, support };
  });
  const total = yTrue.length;
  const mean = (key: "precision" | "recall" | "f1", weighted: boolean) =>
    perClass.reduce((sum, s) => sum + s[key] * (weighted ? s.support / total : 1 / classes), 0);
  return {
    accuracy: accuracy(yTrue, yPred),
    perClass,
    macro: { precision: mean("precision", false), recall: mean("recall", false), f1: mean("f1", false) },
    weighted: { precision: mean("precision", true), recall: mean("recall", true), f1: mean("f1", true) },
    confusion,
  };
}

/** Mean negative log-likelihood of the true class; probabilities are clipped to [eps, 1 - eps]. */
export function logLoss(yTrue: ArrayLike<number>, probabilities: ArrayLike<number>[], eps = 1e-15): number {
  checkProbabilities(yTrue, probabilities);
  let sum = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const p = Math.min(1 - eps, Math.max(eps, probabilities[i]![yTrue[i]!]!));
    sum -= Math.log(p);
  }
  return sum / yTrue.length;
}

/**
 * Binary ROC AUC from scores: the probability that a random positive outranks a random negative,
 * ties counting one half (the Mann–Whitney U statistic). Undefined (throws) without both classes.
 */
export function rocAuc(yTrue: ArrayLike<number>, scores: ArrayLike<number>): number {
  if (yTrue.length !== scores.length || yTrue.length === 0)
    throw new RangeError("rocAuc needs equal, non-empty arrays");
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  const ranks = new Array<number>(scores.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const rank = (i + j) / 2 + 1; // average rank of a tie group
    for (let k = i; k <= j; k++) ranks[order[k]!] = rank;
    i = j + 1;
  }
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < yTrue.length; i++) {
    if (yTrue[i] !== 0 && yTrue[i] !== 1)
      throw new RangeError(`binary labels must be 0 or 1, got ${yTrue[i]}`);
    if (yTrue[i] === 1) {
      positives++;
      rankSum += ranks[i]!;
    }
  }
  const negatives = yTrue.length - positives;
  if (positives === 0 || negatives === 0)
    throw new RangeError("ROC AUC is undefined with only one class present");
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** One-vs-rest ROC AUC, averaged over classes present (macro) or weighted by their support. */
export function rocAucOvr(
  yTrue: ArrayLike<number>,
  probabilities: ArrayLike<number>[],
  average: "macro" | "weighted" = "macro",
): number {
  const classes = checkProbabilities(yTrue, probabilities);
  let sum = 0;
  let weight = 0;
  for (let c = 0; c < classes; c++) {
    const binary = Array.from(yTrue, (y) => (y === c ? 1 : 0));
    const support = binary.reduce((a: number, b) => a + b, 0);
    if (support === 0 || support === yTrue.length) continue;
    const w = average === "macro" ? 1 : support;
    sum +=
      w *
      rocAuc(
        binary,
        probabilities.map((row) => row[c]!),
      );
    weight += w;
  }
  if (weight === 0) throw new RangeError("ROC AUC is undefined with only one class present");
  return sum / weight;
}

/** Index of the largest value (ties: the lower index). */
export function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

/** Indices of the k largest values, largest first (ties: lower index first). */
export function topK(row: ArrayLike<number>, k: number): number[] {
  return Array.from({ length: row.length }, (_, i) => i)
    .sort((a, b) => row[b]! - row[a]! || a - b)
    .slice(0, k);
}

/** Share of rows whose true class is among the k highest probabilities. */
export function topKAccuracy(
  yTrue: ArrayLike<number>,
  probabilities: ArrayLike<number>[],
  k: number,
): number {
  checkProbabilities(yTrue, probabilities);
  let hits = 0;
  for (let i = 0; i < yTrue.length; i++) if (topK(probabilities[i]!, k).includes(yTrue[i]!)) hits++;
  return hits / yTrue.length;
}

/** Months as integer indices (year * 12 + month - 1) and "YYYY-MM" labels. */

export function monthIndex(label: string): number {
  const match = /^(\d{4})-(\d{2})$/.exec(label);
  if (!match) throw new RangeError(`not a YYYY-MM month: ${JSON.stringify(label)}`);
  const month = Number(match[2]);
  if (month < 1 || month > 12) throw new RangeError(`month out of range in ${label}`);
  return Number(match[1]) * 12 + month - 1;
}

export function monthLabel(index: number): string {
  const year = Math.floor(index / 12);
  const month = index - year * 12 + 1;
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}`;
}

/** Rounds a metric for cards and pins (fixed digits keep the artifact byte-stable). */
export const round = (value: number, digits = 6) => Number(value.toFixed(digits));

/**
 * Times named training phases; `timings` holds seconds per phase for the report. `onStart` hears
 * each phase begin (the train action opens a log group per phase).
 */
export function phaseTimer(onStart?: (name: string) => void) {
  const timings: Record<string, number> = {};
  const phase = async <T>(name: string, work: () => T | Promise<T>): Promise<T> => {
    onStart?.(name);
    const started = performance.now();
    const result = await work();
    timings[name] = round((performance.now() - started) / 1000, 2);
    return result;
  };
  return { timings, phase };
}

export type Phase = ReturnType<typeof phaseTimer>["phase"];

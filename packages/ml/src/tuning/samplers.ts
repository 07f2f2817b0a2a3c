import type { Random } from "../random.js";
import {
  fromInternal,
  internalBounds,
  toInternal,
  type Distribution,
  type ParamValue,
} from "./distributions.js";

/** What a sampler sees of past trials: completed ones with their (minimised) loss. */
export interface Observation {
  params: Record<string, ParamValue>;
  /** The objective, sign-adjusted so lower is better. */
  loss: number;
}

export interface Sampler {
  sample(name: string, distribution: Distribution, history: Observation[], random: Random): ParamValue;
}

export class RandomSampler implements Sampler {
  sample(_name: string, d: Distribution, _history: Observation[], random: Random): ParamValue {
    if (d.type === "categorical") return d.choices[Math.floor(random.next() * d.choices.length)]!;
    const [low, high] = internalBounds(d);
    return fromInternal(d, low + random.next() * (high - low));
  }
}

const SQRT2 = Math.SQRT2;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** erf by Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7): enough for kernel masses. */
function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-x * x);
  return sign * y;
}
const normalCdf = (x: number) => 0.5 * (1 + erf(x / SQRT2));

interface Parzen {
  mus: number[];
  sigmas: number[];
  low: number;
  high: number;
}

/** A Parzen estimator on [low, high]: a Gaussian kernel per observation plus a wide prior kernel. */
function parzen(points: number[], low: number, high: number): Parzen {
  const range = high - low;
  const mus = [...points, (low + high) / 2];
  const order = mus.map((m, i) => [m, i] as const).sort((a, b) => a[0] - b[0]);
  const sigmas = new Array<number>(mus.length);
  const minSigma = range / Math.min(100, 1 + mus.length);
  order.forEach(([mu, index], k) => {
    const left = k > 0 ? mu - order[k - 1]![0] : mu - low;
    const right = k < order.length - 1 ? order[k + 1]![0] - mu : high - mu;
    sigmas[index] = Math.min(range, Math.max(minSigma, left, right));
  });
  sigmas[mus.length - 1] = range; // the prior
  return { mus, sigmas, low, high };
}

function logDensity(p: Parzen, x: number): number {
  let total = 0;
  for (let i = 0; i < p.mus.length; i++) {
    const mu = p.mus[i]!;
    const sigma = p.sigmas[i]!;
    const mass = normalCdf((p.high - mu) / sigma) - normalCdf((p.low - mu) / sigma);
    const z = (x - mu) / sigma;
    total += Math.exp(-0.5 * z * z - LOG_SQRT_2PI) / sigma / Math.max(mass, 1e-12);
  }
  return Math.log(total / p.mus.length + 1e-300);
}

function drawParzen(p: Parzen, random: Random): number {
  const i = Math.floor(random.next() * p.mus.length);
  for (let attempt = 0; attempt < 100; attempt++) {
    const x = p.mus[i]! + p.sigmas[i]! * random.normal();
    if (x >= p.low && x <= p.high) return x;
  }
  return Math.min(p.high, Math.max(p.low, p.mus[i]!));
}

/**
 * Tree-structured Parzen Estimator (Bergstra et al. 2011), independent per parameter: past trials
 * are split into the best γ and the rest; candidates drawn from the good density l(x) are scored by
 * l(x)/g(x) and the best is proposed. The first `startupTrials` are random.
 */
export class TpeSampler implements Sampler {
  private readonly fallback = new RandomSampler();

  constructor(
    private readonly options: {
      startupTrials?: number;
      candidates?: number;
      gamma?: (n: number) => number;
    } = {},
  ) {}

  sample(name: string, d: Distribution, history: Observation[], random: Random): ParamValue {
    const seen = history.filter((h) => name in h.params);
    if (seen.length < (this.options.startupTrials ?? 10))
      return this.fallback.sample(name, d, history, random);
    const sorted = [...seen].sort((a, b) => a.loss - b.loss);
    const gamma = this.options.gamma ?? ((n: number) => Math.min(Math.ceil(0.25 * n), 25));
    const nGood = Math.max(1, Math.min(sorted.length - 1, gamma(sorted.length)));
    const good = sorted.slice(0, nGood).map((h) => h.params[name]!);
    const bad = sorted.slice(nGood).map((h) => h.params[name]!);
    const candidates = this.options.candidates ?? 24;

    if (d.type === "categorical") {
      const weights = (values: ParamValue[]) =>
        d.choices.map(
          (c) => (values.filter((v) => v === c).length + 1 / d.choices.length) / (values.length + 1),
        );
      const l = weights(good);
      const g = weights(bad);
      let best = d.choices[0]!;
      let bestScore = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < candidates; k++) {
        let u = random.next();
        let index = 0;
        while (index < l.length - 1 && u >= l[index]!) u -= l[index++]!;
        const score = Math.log(l[index]!) - Math.log(g[index]!);
        if (score > bestScore) {
          bestScore = score;
          best = d.choices[index]!;
        }
      }
      return best;
    }

    const [low, high] = internalBounds(d);
    const lEstimator = parzen(
      good.map((v) => toInternal(d, v as number)),
      low,
      high,
    );
    const gEstimator = parzen(
      bad.map((v) => toInternal(d, v as number)),
      low,
      high,
    );
    let best = drawParzen(lEstimator, random);
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < candidates; k++) {
      const x = k === 0 ? best : drawParzen(lEstimator, random);
      const score = logDensity(lEstimator, x) - logDensity(gEstimator, x);
      if (score > bestScore) {
        bestScore = score;
        best = x;
      }
    }
    return fromInternal(d, best);
  }
}

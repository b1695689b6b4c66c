/**
 * Normal-distribution helpers for truncated normals, accurate far into the tails
 * (log-space throughout, so nothing underflows to log(0) inside [low, high]).
 */

/** Module-level aliases: inside Jest's vm sandbox every global lookup (Math, Infinity) in a hot loop is ~10x slower. */
const M = Math;
const INF = Number.POSITIVE_INFINITY;

const SQRT2 = M.SQRT2;
const LOG_SQRT_PI = 0.5 * M.log(M.PI);
const LOG_SQRT_2PI = 0.5 * M.log(2 * M.PI);
const LOG_HALF = M.log(0.5);

/** erf(x) for 0 <= x < 3 by the all-positive series e^{-x^2} sum 2^n x^{2n+1} / (1*3*...*(2n+1)). */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return (2 / M.sqrt(M.PI)) * M.exp(-x2) * sum;
}

/** log(erfc(x)) for x >= 3 by the continued fraction erfc(x) = e^{-x^2}/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + ...))). */
function logErfcCF(x: number): number {
  // Modified Lentz on K = x + a1/(x + a2/(x + ...)), a_k = k/2.
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 300; k++) {
    const a = k / 2;
    d = x + a * d;
    d = M.abs(d) < tiny ? tiny : d;
    c = x + a / c;
    c = M.abs(c) < tiny ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (M.abs(delta - 1) < 4e-16) break;
  }
  return -x * x - LOG_SQRT_PI - M.log(f);
}

/** log(erfc(x)) for any x. */
export function logErfc(x: number): number {
  if (x >= 3) return logErfcCF(x);
  if (x >= 0) return M.log1p(-erfSeries(x));
  if (x > -3) return M.log1p(erfSeries(-x));
  return M.log(2 - M.exp(logErfcCF(-x)));
}

/** erfc(x) for x >= 0, in linear space (underflows to 0 beyond x ~ 27). */
function erfcPositive(x: number): number {
  return x >= 3 ? M.exp(logErfcCF(x)) : 1 - erfSeries(x);
}

/** Beyond this many standard deviations a normal tail is below 1e-16 and is dropped next to 1. */
const NEGLIGIBLE_TAIL_Z = 8.3;

/** Standard normal CDF Phi(z). */
export function ndtr(z: number): number {
  return M.exp(logNdtr(z));
}

/** log Phi(z). */
export function logNdtr(z: number): number {
  if (z < 0) return LOG_HALF + logErfc(-z / SQRT2);
  return M.log1p(-0.5 * M.exp(logErfc(z / SQRT2)));
}

/** log(1 - exp(d)) for d <= 0. */
function log1mexp(d: number): number {
  return d > -M.LN2 ? M.log(-M.expm1(d)) : M.log1p(-M.exp(d));
}

/** log(Phi(b) - Phi(a)) for a <= b, accurate when both lie in the same tail. */
export function logNormalMass(a: number, b: number): number {
  if (!(b > a)) return -INF;
  const w = b - a;
  const m = 0.5 * (a + b);
  if (w < 0.3 && w * M.abs(m) < 0.3) {
    // Narrow interval: midpoint rule with its second-order correction, log phi(m) + log w +
    // log(1 + w^2 (m^2 - 1) / 24); the neglected terms are below 5e-5 (relative) here.
    return logNormalPdf(m) + M.log(w) + M.log1p((w * w * (m * m - 1)) / 24);
  }
  if (a >= 0) return logNormalMass(-b, -a);
  if (b <= 0) {
    const lb = logNdtr(b);
    return lb + log1mexp(logNdtr(a) - lb);
  }
  // a < 0 < b: 1 - Phi(a) - Phi(-b), dropping tails too small to matter next to 1.
  const lower = a < -NEGLIGIBLE_TAIL_Z ? 0 : 0.5 * erfcPositive(-a / SQRT2);
  const upper = b > NEGLIGIBLE_TAIL_Z ? 0 : 0.5 * erfcPositive(b / SQRT2);
  return M.log1p(-(lower + upper));
}

/** log of the standard normal density. */
export function logNormalPdf(z: number): number {
  return -0.5 * z * z - LOG_SQRT_2PI;
}

/** Inverse of Phi: Acklam's rational approximation refined by one Halley step. */
export function ndtri(p: number): number {
  if (p <= 0) return -INF;
  if (p >= 1) return INF;
  const pLow = 0.02425;
  let x: number;
  if (p < pLow) {
    const q = M.sqrt(-2 * M.log(p));
    x = (((((-7.784894002430293e-3 * q - 3.223964580411365e-1) * q - 2.400758277161838) * q - 2.549732539343734) * q + 4.374664141464968) * q + 2.938163982698783) /
      ((((7.784695709041462e-3 * q + 3.224671290700398e-1) * q + 2.445134137142996) * q + 3.754408661907416) * q + 1);
  } else if (p <= 1 - pLow) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((-3.969683028665376e1 * r + 2.209460984245205e2) * r - 2.759285104469687e2) * r + 1.38357751867269e2) * r - 3.066479806614716e1) * r + 2.506628277459239) * q) /
      (((((-5.447609879822406e1 * r + 1.615858368580409e2) * r - 1.556989798598866e2) * r + 6.680131188771972e1) * r - 1.328068155288572e1) * r + 1);
  } else {
    return -ndtri(1 - p);
  }
  // Halley refinement: e = Phi(x) - p.
  const e = ndtr(x) - p;
  const u = e * M.sqrt(2 * M.PI) * M.exp(0.5 * x * x);
  return x - u / (1 + 0.5 * x * u);
}

/** Draws z from a standard normal truncated to [a, b], given a uniform u in [0, 1). */
export function truncnormPpf(u: number, a: number, b: number): number {
  if (a >= b) return a;
  if (a >= 0) return -truncnormPpf(1 - u, -b, -a);
  // Phi(a) < 0.5 here, so the lower CDF is well resolved in linear space.
  const pa = ndtr(a);
  const pb = ndtr(b);
  const z = ndtri(pa + u * (pb - pa));
  if (!Number.isFinite(z)) return u < 0.5 ? a : b;
  return M.min(b, M.max(a, z));
}

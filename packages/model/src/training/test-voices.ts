import { counted } from '@digitfuse/core';
import type { Calibration } from './calibrate';

/**
 * How familiar the test voices were to a model with a product of experts, as measured on the
 * unlabelled test rows when its weights were adapted to them (`adaptAudioWeight` in its calibration,
 * or `adaptFusion` before a prediction), and what that did to the weights chosen on validation.
 */
export function testVoicesLine(t: NonNullable<Calibration['target']>): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  if (t.confident === 0) return `test voices: not checked (the image expert is sure of none of the ${counted(t.n, 'test row')}); the weights chosen on validation are kept`;
  const agrees = `test voices: the audio expert agrees with ${pct(t.audioAgreement)} of the ${counted(t.confident, 'test row')} the image expert is sure of (${pct(t.audioValAccuracy)} right on validation)`;
  return t.audioScale >= 0.999
    ? `${agrees}: as familiar as the validation voices, the weights are kept`
    : `${agrees}: unfamiliar, the experts that hear keep ${Math.round(100 * t.audioScale)}% of their weight`;
}

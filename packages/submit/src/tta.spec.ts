import { IMAGE_SIZE } from '@digitfuse/data';
import { shiftImages, TTA_SHIFTS } from './tta';

/** One image whose pixel (x, y) holds 1 + x + 28 y. */
const ramp = () => Float32Array.from({ length: IMAGE_SIZE }, (_, i) => 1 + i);
const at = (img: Float32Array, x: number, y: number) => img[y * 28 + x];

describe('shiftImages()', () => {
  it('moves pixels right and down and fills the uncovered border with 0', () => {
    const out = shiftImages(ramp(), 1, 2);
    expect(at(out, 5, 7)).toBe(1 + 4 + 28 * 5);
    expect(at(out, 0, 10)).toBe(0);
    expect(at(out, 10, 1)).toBe(0);
  });

  it('moves left and up, and each image of a batch separately', () => {
    const two = new Float32Array(2 * IMAGE_SIZE);
    two.set(ramp(), 0);
    two.set(ramp().map((v) => -v), IMAGE_SIZE);
    const out = shiftImages(two, -1, -1);
    expect(at(out, 0, 0)).toBe(1 + 1 + 28);
    expect(at(out, 27, 27)).toBe(0);
    expect(out[IMAGE_SIZE]).toBe(-(1 + 1 + 28));
  });

  it('a shift and its opposite restore the inner pixels', () => {
    const img = ramp();
    const back = shiftImages(shiftImages(img, 1, -1), -1, 1);
    expect(at(back, 5, 5)).toBe(at(img, 5, 5));
  });

  it('averages the original and four one-pixel shifts', () => {
    expect(TTA_SHIFTS).toHaveLength(5);
    expect(TTA_SHIFTS[0]).toEqual([0, 0]);
  });
});

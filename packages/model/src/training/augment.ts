import { IMAGE_SIDE, IMAGE_SIZE } from '@digitfuse/data';
import type { Rng } from '@digitfuse/data';

/** Arguments of image augmentation. */
export interface AugmentArgs {
  /** Largest shift in pixels along each axis (uniform in [-maxShift, maxShift]). Default 2. */
  readonly maxShift?: number;
  /** Largest rotation in degrees (uniform in [-maxRotation, maxRotation]). Default 10. */
  readonly maxRotation?: number;
}

/**
 * Randomly shifts and rotates each 28x28 image (bilinear sampling about the centre, zeros outside),
 * drawing one shift and angle per image from `rng`. Pure apart from advancing `rng`: the same seed
 * gives the same output. `images` is [n*784]; returns a new array.
 */
export function augmentImages(images: Float32Array, rng: Rng, args: AugmentArgs = {}): Float32Array {
  const maxShift = args.maxShift ?? 2;
  const maxRot = ((args.maxRotation ?? 10) * Math.PI) / 180;
  const n = images.length / IMAGE_SIZE;
  const out = new Float32Array(images.length);
  const S = IMAGE_SIDE;
  const c = (S - 1) / 2;
  for (let k = 0; k < n; k++) {
    const dx = (rng.next() * 2 - 1) * maxShift;
    const dy = (rng.next() * 2 - 1) * maxShift;
    const a = (rng.next() * 2 - 1) * maxRot;
    const cos = Math.cos(a);
    const sin = Math.sin(a);
    const src = k * IMAGE_SIZE;
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        // Inverse map: output pixel (x, y) samples the source at R^-1 (p - c - d) + c.
        const px = x - c - dx;
        const py = y - c - dy;
        const sx = cos * px + sin * py + c;
        const sy = -sin * px + cos * py + c;
        const x0 = Math.floor(sx);
        const y0 = Math.floor(sy);
        const fx = sx - x0;
        const fy = sy - y0;
        let v = 0;
        for (let j = 0; j < 2; j++) {
          const yy = y0 + j;
          if (yy < 0 || yy >= S) continue;
          const wy = j === 0 ? 1 - fy : fy;
          for (let i = 0; i < 2; i++) {
            const xx = x0 + i;
            if (xx < 0 || xx >= S) continue;
            v += wy * (i === 0 ? 1 - fx : fx) * images[src + yy * S + xx];
          }
        }
        out[src + y * S + x] = v;
      }
    }
  }
  return out;
}

/**
 * float32 → float16 bits, rounded to nearest even. apache-arrow 18's own conversion (util.float64ToUint16, used
 * when numbers are put into a Float16 column) is wrong near powers of two: 0.49989 becomes 0.25 and values just
 * under 2^-14 become -Infinity, which poisoned stored memories. The store therefore writes the bits itself.
 */

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** The float16 bit pattern nearest to `value` (as float32), ties to even; overflow gives ±Infinity. */
export function float16Bits(value: number): number {
  F32[0] = value;
  const x = U32[0];
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 : 0); // Infinity or NaN
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // too large: Infinity
  if (e <= 0) {
    // float16 subnormal (or zero): the 24-bit significand shifted into 10 bits, rounded.
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    let half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && (half & 1) === 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (and reaches Infinity only past the largest half).
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half++;
  return sign | half;
}

/** The value of float16 bits. */
export function float16Value(bits: number): number {
  const exponent = (bits >>> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  const sign = bits & 0x8000 ? -1 : 1;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction !== 0 ? Number.NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** Writes `values` as float16 bits into `out` from `offset`. */
export function encodeFloat16(values: ArrayLike<number>, out: Uint16Array, offset = 0): void {
  for (let i = 0; i < values.length; i++) out[offset + i] = float16Bits(values[i]);
}

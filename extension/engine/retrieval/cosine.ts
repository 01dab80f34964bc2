/** Cosine of two flat memories (CLaRa's retrieval score: no pooling, over all L·d values). 0 when either is zero. */
export function flatCosine(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`memory sizes differ: ${a.length} vs ${b.length}`);
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

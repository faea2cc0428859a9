/**
 * Returns `vector` scaled to unit Euclidean length (a new array), as
 * torch.nn.functional.normalize does: the norm is clamped below at 1e-12, so
 * a zero vector stays zero instead of becoming NaN.
 */
export function l2Normalize(vector: Float32Array): Float32Array {
  let squares = 0;
  for (let i = 0; i < vector.length; i++) squares += vector[i]! * vector[i]!;
  const norm = Math.max(Math.sqrt(squares), 1e-12);
  const out = new Float32Array(vector.length);
  for (let i = 0; i < vector.length; i++) out[i] = vector[i]! / norm;
  return out;
}

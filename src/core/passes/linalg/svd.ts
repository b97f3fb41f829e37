import { tensorBackend } from '../../tensor/backend';
import { symEig } from './symEig';

type Tf = Awaited<ReturnType<typeof tensorBackend>>['tf'];

/** A rank-k factorisation W ≈ L·R of a row-major m×n matrix, with W's singular values it kept. */
export interface LowRank {
  m: number;
  n: number;
  k: number;
  /** m×k, = U·sqrt(Σ). */
  left: Float32Array;
  /** k×n, = sqrt(Σ)·Vᵀ. */
  right: Float32Array;
  /** The leading singular values found (at least k; more when the sketch was larger). */
  sigma: Float64Array;
  /** ||W||_F². */
  norm2: number;
  /** ||W - L·R||_F / ||W||_F. */
  relError: number;
}

export interface SvdOptions {
  /** Either a fixed rank, or the smallest rank keeping this fraction of Σσ² (energy). */
  rank?: number;
  energy?: number;
  /** Upper bound of the rank an energy target may choose (the sketch size). */
  maxRank?: number;
  oversample?: number;
  powerIters?: number;
  seed?: number;
}

/**
 * Truncated SVD with TensorFlow.js doing the large products (tf.linalg has no SVD, and its QR is far too
 * slow for tall matrices). Small side ≤ 2·sketch: the Gram matrix of the small side, eigen-decomposed in
 * float64. Otherwise Halko–Martinsson–Tropp randomized SVD: range finder Y = W·Ω with power iterations,
 * orthonormalised by CholeskyQR2, then the small matrix B = Qᵀ·W decomposed through B·Bᵀ.
 */
export async function truncatedSvd(W: Float32Array, m: number, n: number, opts: SvdOptions): Promise<LowRank> {
  const { tf } = await tensorBackend();
  const small = Math.min(m, n);
  const target = opts.rank ?? opts.maxRank ?? small;
  const l = Math.min(small, target + (opts.oversample ?? Math.max(10, Math.ceil(target * 0.1))));
  const w = tf.tensor2d(W, [m, n]);
  try {
    let norm2 = 0;
    for (let i = 0; i < W.length; i++) norm2 += W[i] * W[i];
    let U: Float32Array; // m×c, orthonormal columns
    let sigma: Float64Array;
    let Vt: Float32Array; // c×n
    let c: number;
    if (small <= 2 * l) {
      ({ U, sigma, Vt, c } = await viaGram(tf, w, m, n));
    } else {
      ({ U, sigma, Vt, c } = await randomized(tf, w, m, n, l, opts.powerIters ?? defaultPowerIters(m * n * l), opts.seed ?? 1));
    }
    let k: number;
    if (opts.rank !== undefined) k = Math.min(opts.rank, c);
    else {
      const want = (opts.energy ?? 1) * norm2;
      let acc = 0;
      k = 0;
      while (k < c && acc < want) acc += sigma[k] * sigma[k++];
      k = Math.max(1, Math.min(k, opts.maxRank ?? c));
    }
    const left = new Float32Array(m * k);
    const right = new Float32Array(k * n);
    for (let j = 0; j < k; j++) {
      const s = Math.sqrt(sigma[j]);
      for (let i = 0; i < m; i++) left[i * k + j] = U[i * c + j] * s;
      right.set(Vt.subarray(j * n, (j + 1) * n).map((v) => v * s), j * n);
    }
    const relError = await measure(tf, w, left, right, m, n, k, norm2, sigma);
    return { m, n, k, left, right, sigma, norm2, relError };
  } finally {
    w.dispose();
  }
}

/** Exact error when the product is affordable; else the projection identity ||W||² - Σ_{i≤k} σ_i². */
async function measure(tf: Tf, w: import('@tensorflow/tfjs').Tensor, left: Float32Array, right: Float32Array, m: number, n: number, k: number, norm2: number, sigma: Float64Array): Promise<number> {
  if (norm2 === 0) return 0;
  if (m * n * k <= 4e9) {
    const d = tf.tidy(() => tf.sum(tf.square(tf.sub(w, tf.matMul(tf.tensor2d(left, [m, k]), tf.tensor2d(right, [k, n]))))));
    const v = (await d.data())[0];
    d.dispose();
    return Math.sqrt(Math.max(0, v) / norm2);
  }
  let kept = 0;
  for (let i = 0; i < k; i++) kept += sigma[i] * sigma[i];
  return Math.sqrt(Math.max(0, norm2 - kept) / norm2);
}

async function viaGram(tf: Tf, w: import('@tensorflow/tfjs').Tensor, m: number, n: number) {
  // Decompose the Gram matrix of the small side; the other factor follows by one product.
  const tall = m >= n;
  const c = Math.min(m, n);
  const g = tf.tidy(() => (tall ? tf.matMul(tf.transpose(w), w) : tf.matMul(w, tf.transpose(w))));
  const G = Float64Array.from(await g.data());
  g.dispose();
  const { values, vectors } = symEig(G, c);
  const sigma = Float64Array.from(values, (v) => Math.sqrt(Math.max(0, v)));
  // E: c×c eigenvectors (columns). tall: V = E, U = W·V·Σ⁻¹. wide: U = E, Vᵀ = Σ⁻¹·Eᵀ·W.
  const E = Float32Array.from(vectors);
  const inv = Float32Array.from(sigma, (s) => (s > 1e-12 * sigma[0] ? 1 / s : 0));
  const t = tf.tidy(() => {
    const e = tf.tensor2d(E, [c, c]);
    const si = tf.tensor1d(inv);
    return tall ? tf.mul(tf.matMul(w, e), si) : tf.mul(tf.matMul(tf.transpose(e), w), tf.reshape(si, [c, 1]));
  });
  const other = (await t.data()) as Float32Array;
  t.dispose();
  if (tall) return { U: other, sigma, Vt: transpose(E, c, c), c };
  return { U: E, sigma, Vt: other, c };
}

async function randomized(tf: Tf, w: import('@tensorflow/tfjs').Tensor, m: number, n: number, l: number, q: number, seed: number) {
  // The wasm backend's transposed matmul is ~20x slower than a plain one: transpose explicitly, once.
  const wt = q > 0 ? tf.transpose(w) : undefined;
  // The first sketch is a sparse sign embedding (each column of W added, with random signs, to a few random
  // columns of Y): O(m·n) instead of a dense O(m·n·l) product. Power iterations, when the budget allows
  // them, then sharpen it as they would a Gaussian sketch.
  let Y = tf.tensor2d(countSketch(await w.data() as Float32Array, m, n, l, seed), [m, l]);
  for (let it = 0; it < q; it++) {
    const Q = await orth(tf, Y, l);
    Y.dispose();
    const Z = tf.matMul(wt!, Q);
    Q.dispose();
    const Qz = await orth(tf, Z, l);
    Z.dispose();
    Y = tf.matMul(w, Qz);
    Qz.dispose();
  }
  wt?.dispose();
  const Q = await orth(tf, Y, l);
  Y.dispose();
  const B = tf.tidy(() => tf.matMul(tf.transpose(Q), w)); // l×n
  const bb = tf.tidy(() => tf.matMul(B, tf.transpose(B)));
  const BBt = Float64Array.from(await bb.data());
  bb.dispose();
  const { values, vectors } = symEig(BBt, l);
  const sigma = Float64Array.from(values, (v) => Math.sqrt(Math.max(0, v)));
  const inv = Float32Array.from(sigma, (s) => (s > 1e-12 * sigma[0] ? 1 / s : 0));
  const [u, vt] = tf.tidy(() => {
    const e = tf.tensor2d(Float32Array.from(vectors), [l, l]);
    return [tf.matMul(Q, e), tf.mul(tf.matMul(tf.transpose(e), B), tf.reshape(tf.tensor1d(inv), [l, 1]))];
  });
  Q.dispose();
  B.dispose();
  const U = (await u.data()) as Float32Array;
  const Vt = (await vt.data()) as Float32Array;
  u.dispose();
  vt.dispose();
  return { U, sigma, Vt, c: l };
}

/**
 * Orthonormal basis of the columns of Y (rows×l) by shifted CholeskyQR3: passes of Q = Y·R⁻¹ with
 * G = YᵀY = RᵀR. The first pass shifts G by a multiple of its trace, which keeps the factorisation finite
 * for a numerically rank-deficient float32 sketch; the next two restore orthogonality.
 */
async function orth(tf: Tf, Y: import('@tensorflow/tfjs').Tensor, l: number): Promise<import('@tensorflow/tfjs').Tensor> {
  let cur = Y;
  for (let pass = 0; pass < 3; pass++) {
    const g = tf.tidy(() => tf.matMul(tf.transpose(cur), cur));
    const G = Float64Array.from(await g.data());
    g.dispose();
    const Rinv = invUpperCholesky(G, l, pass === 0 ? 1e-5 : 1e-7);
    const next = tf.tidy(() => tf.matMul(cur, tf.tensor2d(Rinv, [l, l])));
    if (cur !== Y) cur.dispose();
    cur = next;
  }
  return cur;
}

/** R⁻¹ for G = RᵀR (R upper triangular); a tiny diagonal shift keeps rank-deficient sketches factorable. */
function invUpperCholesky(G: Float64Array, l: number, rel: number): Float32Array {
  let tr = 0;
  for (let i = 0; i < l; i++) tr += G[i * l + i];
  const shift = rel * tr + 1e-30;
  const R = new Float64Array(l * l);
  for (let i = 0; i < l; i++) {
    for (let j = i; j < l; j++) {
      let s = G[i * l + j] + (i === j ? shift : 0);
      for (let k = 0; k < i; k++) s -= R[k * l + i] * R[k * l + j];
      if (i === j) R[i * l + i] = Math.sqrt(Math.max(s, shift));
      else R[i * l + j] = s / R[i * l + i];
    }
  }
  // Invert the upper-triangular R by back substitution, one column of the identity at a time.
  const inv = new Float32Array(l * l);
  const col = new Float64Array(l);
  for (let c = 0; c < l; c++) {
    for (let i = l - 1; i >= 0; i--) {
      let s = i === c ? 1 : 0;
      for (let k = i + 1; k < l; k++) s -= R[i * l + k] * col[k];
      col[i] = s / R[i * l + i];
    }
    for (let i = 0; i < l; i++) inv[i * l + c] = i <= c ? col[i] : 0;
  }
  return inv;
}

function transpose(a: Float32Array, r: number, c: number): Float32Array {
  const t = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) t[j * r + i] = a[i * c + j];
  return t;
}

/** Power iterations sharpen the sketch but each costs two full products: spend them on small matrices. */
function defaultPowerIters(work: number): number {
  return work <= 2e9 ? 2 : work <= 5e9 ? 1 : 0;
}

/**
 * Y = W·S with S an n×l sparse sign matrix with `s` nonzeros (±1/√s) per row (an OSNAP embedding). One
 * nonzero per row (plain CountSketch) would collapse two top singular directions that hash to the same
 * column, and no power iteration can separate them again; a few nonzeros per row avoid that at O(s·m·n).
 */
function countSketch(W: Float32Array, m: number, n: number, l: number, seed: number, s = Math.min(4, l)): Float32Array {
  let st = (seed * 2654435761) >>> 0 || 1;
  const next = () => {
    st ^= st << 13;
    st >>>= 0;
    st ^= st >>> 17;
    st ^= st << 5;
    st >>>= 0;
    return st;
  };
  const bucket = new Int32Array(n * s);
  const sign = new Float32Array(n * s);
  const amp = 1 / Math.sqrt(s);
  for (let j = 0; j < n; j++) {
    for (let t = 0; t < s; t++) {
      bucket[j * s + t] = next() % l;
      sign[j * s + t] = next() & 1 ? amp : -amp;
    }
  }
  const Y = new Float32Array(m * l);
  for (let i = 0; i < m; i++) {
    const row = i * n;
    const out = i * l;
    for (let j = 0; j < n; j++) {
      const v = W[row + j];
      if (v === 0) continue;
      for (let t = 0; t < s; t++) Y[out + bucket[j * s + t]] += sign[j * s + t] * v;
    }
  }
  return Y;
}

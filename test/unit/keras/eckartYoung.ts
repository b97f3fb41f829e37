// The test's own reference for low-rank errors: the best rank-r error of a small matrix from the
// eigenvalues of its Gram matrix (Jacobi), independent of the product's randomized SVD.

/** Eigenvalues of a symmetric n×n matrix (cyclic Jacobi, float64): the test's own SVD of small kernels. */
export function symEigenvalues(a: Float64Array, n: number): number[] {
  const m = Float64Array.from(a);
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p * n + q] ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const sn = t * c;
        for (let k = 0; k < n; k++) {
          const akp = m[k * n + p];
          const akq = m[k * n + q];
          m[k * n + p] = c * akp - sn * akq;
          m[k * n + q] = sn * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = m[p * n + k];
          const aqk = m[q * n + k];
          m[p * n + k] = c * apk - sn * aqk;
          m[q * n + k] = sn * apk + c * aqk;
        }
      }
    }
  }
  return Array.from({ length: n }, (_v, i) => m[i * n + i]).sort((x, y) => y - x);
}

/** ‖W − W_r‖/‖W‖ of the best rank-r approximation (Eckart–Young) of a rows×cols matrix. */
export function optimalRankError(w: Float32Array, rows: number, cols: number, r: number): number {
  const g = new Float64Array(cols * cols);
  for (let i = 0; i < rows; i++) for (let a = 0; a < cols; a++) for (let b = 0; b < cols; b++) g[a * cols + b] += w[i * cols + a] * w[i * cols + b];
  const ev = symEigenvalues(g, cols).map((x) => Math.max(0, x));
  const total = ev.reduce((x, y) => x + y, 0);
  return Math.sqrt(ev.slice(r).reduce((x, y) => x + y, 0) / total);
}

/** Small shared helpers of the cell implementations (internal). */
import { ShapeError } from '../errors.js';

/** Throws ShapeError unless `a.length === n`. */
export function checkLen(a: ArrayLike<number>, n: number, what: string): void {
  if (a.length !== n) throw new ShapeError(`${what} has length ${a.length}, expected ${n}`);
}

/**
 * Carves the per-step cache vectors of a cell's forward out of large shared buffers: `take(n)`
 * returns a fresh zeroed view of n entries (never handed out twice), so a rollout allocates one
 * buffer per `size` entries instead of small typed arrays at every step (each a separate backing
 * store in V8). A view keeps its whole buffer alive. Cost O(1) amortised per call.
 */
export class Slab {
  private buf = new Float64Array(0);
  private pos = 0;
  constructor(private readonly size = 16384) {}

  /** A zeroed view of `n` entries. */
  take(n: number): Float64Array {
    if (this.pos + n > this.buf.length) {
      this.buf = new Float64Array(Math.max(this.size, n));
      this.pos = 0;
    }
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
}

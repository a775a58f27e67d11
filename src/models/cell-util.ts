/** Small shared helpers of the cell implementations (internal). */
import { ShapeError } from '../errors.js';

/** Throws ShapeError unless `a.length === n`. */
export function checkLen(a: ArrayLike<number>, n: number, what: string): void {
  if (a.length !== n) throw new ShapeError(`${what} has length ${a.length}, expected ${n}`);
}

/**
 * The adapter from a Model, a constant input `x̄` and a parameter path θ(s) to a ParamSystem: the
 * map `f(h, x̄; θ(s))` of the cell, or (`time: 'continuous'`, leaky and rate cells) the vector
 * field `g = (f − h)/α` from `flowField`. Derivatives come from the Cell's analytic methods:
 * `f_s = f_θ·θ′(s)` (jvpTheta), `f_hs[r] = f_hθ[r, θ′(s)]` (hessianHTheta), `f_hh`, `f_hhh`.
 */
import type { Cell, Model, StepCache } from '../models/types.js';
import { createCell, flowField, hasFlow } from '../models/index.js';
import type { Matrix } from '../linalg/index.js';
import { InputError, ShapeError, assertFinite } from '../errors.js';
import type { ParamSystem, TimeKind } from './system.js';
import type { ParameterPath } from './path.js';
import { constantPath } from './path.js';

/** Options of `modelSystem`. */
export interface ModelSystemOptions {
  /** Constant input `x̄` (length D; default zeros). */
  input?: Float64Array;
  /** `'discrete'` (default, the cell's map, for every cell) or `'continuous'` (leaky/rate flow). */
  time?: TimeKind;
}

/** The default analysis time of a model: the map (`'discrete'`) for every cell kind. */
export const DEFAULT_TIME: TimeKind = 'discrete';

/**
 * A ParamSystem for `path` (whose spec gives the cell) at constant input. Throws ShapeError for a
 * wrong input length, InputError for `'continuous'` on a cell without a flow. Each call costs one
 * cell step O(N² + ND) (cached for repeated calls at the same (h, s)) plus the derivative.
 *
 * @param path - a one-parameter family of models `θ(s)`, e.g. {@link linePath}.
 * @param opts - the constant input (length `D`, default zeros) and map or flow time.
 * @returns the system `F(h, s)` in `N` dimensions with its exact derivatives in `h` and `s` (docs/theory.md §6).
 * @throws {@link sntk!ShapeError} for an input of the wrong length.
 * @throws {@link sntk!InputError} for `'continuous'` on a cell without a flow.
 */
export function pathSystem(path: ParameterPath, opts: ModelSystemOptions = {}): ParamSystem {
  const spec = path.spec;
  const time = opts.time ?? DEFAULT_TIME;
  if (time === 'continuous' && !hasFlow(spec)) throw new InputError(`--time continuous needs a leaky or rate cell; this model is ${spec.cell}`);
  const cell: Cell = time === 'continuous' ? flowField(spec) : createCell(spec);
  const N = cell.N, D = spec.inputSize;
  const x = opts.input ? opts.input.slice() : new Float64Array(D);
  if (x.length !== D) throw new ShapeError(`input has length ${x.length}, the model has D = ${D} inputs`);
  assertFinite(x, 'input');
  let lastS = NaN;
  let lastH: Float64Array | undefined;
  let lastTheta: Float64Array = new Float64Array(0);
  let lastCache: StepCache | undefined;
  const step = (h: Float64Array, s: number): { th: Float64Array; c: StepCache } => {
    if (h.length !== N) throw new ShapeError(`state has length ${h.length}, the model has N = ${N}`);
    if (lastCache && s === lastS && lastH && lastH.every((v, i) => v === h[i])) return { th: lastTheta, c: lastCache };
    const th = path.theta(s);
    const hc = h.slice();
    const c = cell.forward(th, hc, x);
    lastS = s;
    lastH = hc;
    lastTheta = th;
    lastCache = c;
    return { th, c };
  };
  return {
    N,
    time,
    ...(cell.fixedPointBox !== undefined ? { stateBox: cell.fixedPointBox } : {}),
    value(h, s) {
      return step(h, s).c.out.slice();
    },
    jacobian(h, s): Matrix {
      const { th, c } = step(h, s);
      return cell.jacobianH(th, c);
    },
    ds(h, s) {
      const { th, c } = step(h, s);
      const out = new Float64Array(N);
      cell.jvpTheta(th, c, path.dtheta(s), out);
      return out;
    },
    hessian(h, s, u, v) {
      const { th, c } = step(h, s);
      const out = new Float64Array(N);
      cell.hessianH(th, c, u, v, out);
      return out;
    },
    third(h, s, u, v, w) {
      const { th, c } = step(h, s);
      const out = new Float64Array(N);
      cell.thirdH(th, c, u, v, w, out);
      return out;
    },
    hessianS(h, s, u) {
      const { th, c } = step(h, s);
      const out = new Float64Array(N);
      cell.hessianHTheta(th, c, u, path.dtheta(s), out);
      return out;
    },
    distance(s0, s1) {
      return path.distance(s0, s1);
    },
  };
}

/**
 * A ParamSystem for one model at constant input (the path is constant; `s` is ignored), for
 * fixed-point searches. Same costs as `pathSystem`.
 *
 * @param model - the network.
 * @param opts - the constant input (length `D`, default zeros) and `time`: `'discrete'` (the map,
 *   default) or `'continuous'` (the flow of leaky and rate cells).
 * @returns the system `h ↦ f(h, x̄; θ)` (or `g`) with its exact derivatives, in `N` dimensions.
 * @throws {@link sntk!ShapeError} for an input of the wrong length.
 * @throws {@link sntk!InputError} for `'continuous'` on a cell without a flow.
 */
export function modelSystem(model: Model, opts: ModelSystemOptions = {}): ParamSystem {
  return pathSystem(constantPath(model), opts);
}

/**
 * The sntk JSON model format `sntk-model/1`, as plain data (spec + flat parameter vector), with
 * validation (zod v4 for the top level, a shape walker for the weights) and serialisation.
 *
 * ```json
 * {"format": "sntk-model/1", "cell": "vanilla"|"leaky"|"rate"|"gru",
 *  "activation": "tanh"|"relu"|"identity"|"softplus", "hiddenSize": N, "inputSize": D,
 *  "outputSize": O?, "alpha": a?,
 *  "params": {"W": [[..N..]×N], "U": [[..D..]×N], "b": [..N..], "C": [[..N..]×O]?, "d": [..O..]?}}
 * ```
 * GRU params: `Wr, Wz, Wn` (N×N), `Ur, Uz, Un` (N×D), `br, bz, bn` (N), gates r, z, n as in
 * PyTorch with one bias per gate. `activation` defaults to tanh; leaky and rate cells need
 * `alpha` in (0, 1]; `outputSize` defaults to the rows of `C` (0 without a readout).
 * Matrices are arrays of rows; every weight must be a finite JSON number.
 */
import { z } from 'zod';
import type { ActivationName, CellKind, ModelSpec } from '../models/types.js';
import { createLayout } from '../models/layout.js';
import { CELL_KINDS, isTorchCell } from '../models/spec.js';
import { InputError, NonFiniteError } from '../errors.js';
import { MODEL_FORMAT, modelDocumentText } from '../models/document.js';

/** A model as data: its spec and flat parameter vector in the layout order of `createLayout(spec)`. */
export interface ModelData {
  spec: ModelSpec;
  params: Float64Array;
}

export { MODEL_FORMAT };
export const CELLS: readonly CellKind[] = CELL_KINDS;
export const ACTIVATIONS: readonly ActivationName[] = ['tanh', 'relu', 'identity', 'softplus'];

const intField = (min: number) => {
  const error = (iss: { input: unknown }) => `must be an integer ≥ ${min}, got ${describe(iss.input)}`;
  return z.number({ error }).int({ error }).min(min, { error });
};

const TopSchema = z.strictObject({
  format: z.literal(MODEL_FORMAT, {
    error: (iss) => `expected "${MODEL_FORMAT}", got ${describe(iss.input)}`,
  }),
  cell: z.enum(CELLS as [CellKind, ...CellKind[]], {
    error: (iss) => `unknown cell ${quote(iss.input)} (allowed: ${CELLS.join(', ')})`,
  }),
  activation: z
    .enum(ACTIVATIONS as [ActivationName, ...ActivationName[]], {
      error: (iss) => `unknown activation ${quote(iss.input)} (allowed: ${ACTIVATIONS.join(', ')})`,
    })
    .optional(),
  hiddenSize: intField(1),
  inputSize: intField(0),
  outputSize: intField(0).optional(),
  alpha: z.number({ error: (iss) => `must be a number in (0, 1], got ${describe(iss.input)}` }).optional(),
  numLayers: intField(1).optional(),
  bias: z.boolean({ error: (iss) => `must be true or false, got ${describe(iss.input)}` }).optional(),
  params: z.record(z.string(), z.unknown(), { error: (iss) => `expected an object of named weights, got ${describe(iss.input)}` }),
});

const SENTINEL = '\u0000sntk:';

function quote(v: unknown): string {
  return typeof v === 'string' && !v.startsWith(SENTINEL) ? JSON.stringify(v) : describe(v);
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing (missing)';
  if (v === null) return 'null';
  if (typeof v === 'string') {
    if (v.startsWith(SENTINEL)) return v.slice(SENTINEL.length);
    return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  }
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === 'object') return 'an object';
  return String(v);
}

/**
 * JSON.parse that also accepts the bare `NaN`, `Infinity`, `-Infinity` tokens Python's json
 * module writes, turning them into sentinel strings so the validator can reject them by name.
 */
function parseLenientJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    let out = '';
    let i = 0;
    let replaced = false;
    while (i < text.length) {
      const c = text[i]!;
      if (c === '"') {
        let j = i + 1;
        while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
        out += text.slice(i, j + 1);
        i = j + 1;
        continue;
      }
      const m = /^(-?Infinity|NaN)\b/.exec(text.slice(i, i + 10));
      if (m) {
        out += JSON.stringify(SENTINEL + m[1]);
        i += m[1]!.length;
        replaced = true;
        continue;
      }
      out += c;
      i++;
    }
    if (replaced) {
      try {
        return JSON.parse(out);
      } catch {
        /* fall through to the original error */
      }
    }
    throw new InputError(`${source}: not valid JSON (${(err as Error).message})`);
  }
}

function pathString(path: readonly PropertyKey[]): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s === '' ? String(p) : `.${String(p)}`;
  return s || '(top level)';
}

function badNumber(v: unknown): string | null {
  if (typeof v === 'number') return Number.isFinite(v) ? null : `${v} (weights must be finite)`;
  if (typeof v === 'string' && v.startsWith(SENTINEL)) return `${v.slice(SENTINEL.length)} (weights must be finite numbers)`;
  return `${describe(v)} (expected a number)`;
}

/** Reads a `rows × cols` matrix (array of rows) or a vector (`cols = 1`, plain array) into `dst`. */
function readBlock(
  source: string,
  params: Record<string, unknown>,
  name: string,
  rows: number,
  cols: number,
  isVector: boolean,
  shapeNote: string,
  dst: Float64Array | null,
): void {
  const field = `params.${name}`;
  const v = params[name];
  if (v === undefined) throw new InputError(`${source}: ${field}: missing (expected ${shapeNote})`);
  if (!Array.isArray(v)) throw new InputError(`${source}: ${field}: expected ${shapeNote}, got ${describe(v)}`);
  if (isVector) {
    if (v.length !== rows) throw new InputError(`${source}: ${field}: expected ${shapeNote}, got ${v.length} entries`);
    if (!dst) return;
    for (let i = 0; i < rows; i++) {
      const bad = badNumber(v[i]);
      if (bad) throw new InputError(`${source}: ${field}[${i}] is ${bad}`);
      dst[i] = v[i] as number;
    }
    return;
  }
  if (v.length !== rows) throw new InputError(`${source}: ${field}: expected ${shapeNote}, got ${v.length} rows`);
  for (let i = 0; i < rows; i++) {
    const row = v[i];
    if (!Array.isArray(row)) throw new InputError(`${source}: ${field}[${i}]: expected a row of ${cols} numbers (${shapeNote}), got ${describe(row)}`);
    if (row.length !== cols) {
      throw new InputError(`${source}: ${field}[${i}]: expected ${cols} numbers (${shapeNote}), got ${row.length}`);
    }
    if (!dst) continue;
    for (let j = 0; j < cols; j++) {
      const bad = badNumber(row[j]);
      if (bad) throw new InputError(`${source}: ${field}[${i}][${j}] is ${bad}`);
      dst[i * cols + j] = row[j] as number;
    }
  }
}

const DIM_NAMES: Record<string, [string, string]> = {
  W: ['hiddenSize', 'hiddenSize'], U: ['hiddenSize', 'inputSize'], b: ['hiddenSize', ''],
  C: ['outputSize', 'hiddenSize'], d: ['outputSize', ''],
};

function shapeNoteFor(name: string, rows: number, cols: number, isVector: boolean): string {
  if (name.startsWith('weight_') || name.startsWith('bias_')) {
    // PyTorch blocks: G·hiddenSize rows; weight_ih_l0 reads the input, the others hiddenSize
    const c = name.startsWith('weight_ih_l0') ? 'inputSize' : 'hiddenSize';
    return isVector ? `${rows} entries (gates × hiddenSize)` : `${rows}×${cols} (gates × hiddenSize × ${c})`;
  }
  const dims = DIM_NAMES[name] ?? DIM_NAMES[name[0]!]!;
  return isVector ? `${rows} entries (${dims[0]})` : `${rows}×${cols} (${dims[0]} × ${dims[1]})`;
}

/**
 * Validates a parsed JSON value as an `sntk-model/1` document and packs its weights into the flat
 * layout order. `source` names the file in messages. Throws `InputError` with one message naming
 * the file, the field path (e.g. `params.W[3]`) and the expected vs actual shape; non-finite,
 * null or string weights are named. Cost O(P).
 */
export function modelDataFromValue(value: unknown, source: string): ModelData {
  const r = TopSchema.safeParse(value);
  if (!r.success) {
    const iss = r.error.issues[0]!;
    const more = r.error.issues.length > 1 ? ` (and ${r.error.issues.length - 1} more problem${r.error.issues.length > 2 ? 's' : ''})` : '';
    throw new InputError(`${source}: ${pathString(iss.path)}: ${iss.message}${more}`);
  }
  const top = r.data;
  const cell = top.cell;
  const leakyLike = cell === 'leaky' || cell === 'rate';
  if (leakyLike) {
    const a = top.alpha;
    if (a === undefined) throw new InputError(`${source}: alpha: a ${cell} cell needs "alpha" in (0, 1] (the Euler step Δt/τ), got nothing`);
    if (!(a > 0 && a <= 1)) throw new InputError(`${source}: alpha: must be in (0, 1] for a ${cell} cell, got ${a}`);
  }
  const params = top.params;
  let O = top.outputSize;
  if (O === undefined) {
    const C = params['C'];
    O = Array.isArray(C) ? C.length : 0;
  }
  const spec: ModelSpec = {
    cell,
    activation: top.activation ?? 'tanh',
    hiddenSize: top.hiddenSize,
    inputSize: top.inputSize,
    outputSize: O,
    // vanilla/GRU ignore alpha; keep a given finite value so specs round-trip.
    alpha: leakyLike ? top.alpha! : top.alpha !== undefined && Number.isFinite(top.alpha) ? top.alpha : 1,
    ...(top.numLayers !== undefined && top.numLayers !== 1 ? { numLayers: top.numLayers } : {}),
    ...(top.bias === false ? { bias: false } : {}),
  };
  if (!isTorchCell(cell) && (spec.numLayers !== undefined || spec.bias === false)) {
    throw new InputError(`${source}: ${spec.numLayers !== undefined ? 'numLayers' : 'bias'}: only the PyTorch cells (torch-rnn, torch-gru, torch-lstm) have layers or optional biases`);
  }
  if (isTorchCell(cell)) {
    const ok = cell === 'torch-rnn' ? spec.activation === 'tanh' || spec.activation === 'relu' : spec.activation === 'tanh';
    if (!ok) throw new InputError(`${source}: activation: a ${cell} cell uses ${cell === 'torch-rnn' ? 'tanh or relu' : 'tanh'}, got ${JSON.stringify(spec.activation)}`);
  }
  const layout = createLayout(spec);
  const known = new Set(layout.blocks.map((b) => b.name));
  for (const k of Object.keys(params)) {
    if (!known.has(k)) {
      const hint = (k === 'C' || k === 'd') && O === 0 ? ' (outputSize is 0)' : '';
      throw new InputError(`${source}: params.${k}: unknown weight for a ${cell} cell${hint} (expected ${[...known].join(', ')})`);
    }
  }
  // Pass 1 checks every shape (so the allocation below is bounded by the text actually present,
  // whatever hiddenSize claims); pass 2 checks and copies the values.
  for (const pass of [1, 2]) {
    const flat = pass === 2 ? new Float64Array(layout.size) : null;
    for (const b of layout.blocks) {
      const isVector = b.cols === 1 && (b.name === 'd' || b.name.startsWith('b'));
      const note = shapeNoteFor(b.name, b.rows, b.cols, isVector);
      readBlock(source, params, b.name, b.rows, b.cols, isVector, note, flat ? flat.subarray(b.offset, b.offset + b.rows * b.cols) : null);
    }
    if (flat) return { spec, params: flat };
  }
  throw new InputError(`${source}: internal error reading params`);
}

/** Parses `sntk-model/1` JSON text (see modelDataFromValue). Cost O(text length). */
export function parseModelData(text: string, source: string): ModelData {
  return modelDataFromValue(parseLenientJson(text, source), source);
}

/** Serialises a model as `sntk-model/1` JSON text (see `modelDocumentText` in src/models/document.ts). */
export function modelDataToJson(data: { spec: ModelSpec; params: Float64Array }): string {
  return modelDocumentText(data.spec, data.params);
}

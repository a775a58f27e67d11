/**
 * JAX/Flax parameter trees (`flax.linen` `SimpleCell`, `GRUCell`, `LSTMCell`, optional `Dense`
 * readout) saved flat to safetensors or `.npz` (keys joined by `/` or `.`, e.g.
 * `params/cell/ir/kernel`), mapped to PyTorch state dict names so that torch.ts reads them
 * (docs/interop.md "JAX / Flax"). Flax kernels are `in × out` and are transposed; Flax's missing
 * bias vectors are written as zeros (GRU `b_hr`, `b_hz`; SimpleCell and LSTM `bias_ih`).
 */
import { InputError } from '../errors.js';
import type { SafeTensor, SafetensorsContent } from './safetensors.js';

const CELLS = {
  gru: { gates: ['r', 'z', 'n'], marker: 'hn' },
  lstm: { gates: ['i', 'f', 'g', 'o'], marker: 'hi' },
  simple: { gates: [''], marker: 'h' },
} as const;

/** Splits a flat Flax key into its path parts. */
function parts(key: string): string[] {
  return key.split(/[/.]/);
}

/** The cell kind and the key prefix (path before the gate module) of a Flax tree, or null. */
function detect(keys: readonly string[]): { kind: keyof typeof CELLS; prefix: string[] } | null {
  for (const kind of ['gru', 'lstm', 'simple'] as const) {
    const ih = kind === 'gru' ? 'ir' : kind === 'lstm' ? 'ii' : 'i';
    for (const k of keys) {
      const p = parts(k);
      if (p.length >= 2 && p[p.length - 1] === 'kernel' && p[p.length - 2] === ih) {
        const prefix = p.slice(0, -2);
        const has = (mod: string) => keys.some((q) => parts(q).join('/') === [...prefix, mod, 'kernel'].join('/'));
        if (has(CELLS[kind].marker)) return { kind, prefix };
      }
    }
  }
  return null;
}

/** True when the tensors look like a flax.linen RNN cell's parameters. */
export function isFlaxParams(content: SafetensorsContent): boolean {
  return detect([...content.tensors.keys()]) !== null;
}

function transpose(t: SafeTensor, key: string, source: string): { data: Float64Array; rows: number; cols: number } {
  if (t.shape.length !== 2) throw new InputError(`${source}: Flax kernel '${key}' has ${t.shape.length} dimensions, expected 2 (in × out)`);
  const [r, c] = t.shape as [number, number];
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = t.data[i * c + j]!;
  return { data: out, rows: c, cols: r };
}

/**
 * The PyTorch-named tensors of a Flax cell tree (`weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`,
 * `bias_hh_l0`, and `fc.weight`/`fc.bias` from a `Dense` readout next to the cell). Throws
 * InputError naming the missing Flax key. Cost O(P).
 */
export function flaxToTorchContent(content: SafetensorsContent, source: string): SafetensorsContent {
  const keys = [...content.tensors.keys()];
  const found = detect(keys);
  if (!found) throw new InputError(`${source}: not a flax.linen SimpleCell/GRUCell/LSTMCell parameter tree`);
  const { kind, prefix } = found;
  const byPath = new Map(keys.map((k) => [parts(k).join('/'), k]));
  const used = new Set<string>();
  const get = (mod: string, leaf: 'kernel' | 'bias', required: boolean): SafeTensor | null => {
    const key = byPath.get([...prefix, mod, leaf].join('/'));
    if (!key) {
      if (required) throw new InputError(`${source}: Flax ${kind} cell: '${[...prefix, mod, leaf].join('/')}' missing`);
      return null;
    }
    used.add(key);
    return content.tensors.get(key)!;
  };
  const gates = CELLS[kind].gates;
  const ih = gates.map((g) => transpose(get(`i${g}`, 'kernel', true)!, `i${g}/kernel`, source));
  const hh = gates.map((g) => transpose(get(`h${g}`, 'kernel', true)!, `h${g}/kernel`, source));
  const H = hh[0]!.rows;
  const cat = (xs: Float64Array[]) => {
    const out = new Float64Array(xs.reduce((n, x) => n + x.length, 0));
    let o = 0;
    for (const x of xs) {
      out.set(x, o);
      o += x.length;
    }
    return out;
  };
  const bias = (mod: string, required: boolean) => get(mod, 'bias', required)?.data ?? new Float64Array(H);
  const G = gates.length;
  const tensors = new Map<string, SafeTensor>();
  tensors.set('weight_ih_l0', { data: cat(ih.map((t) => t.data)), shape: [G * H, ih[0]!.cols], dtype: 'F64' });
  tensors.set('weight_hh_l0', { data: cat(hh.map((t) => t.data)), shape: [G * H, H], dtype: 'F64' });
  // Flax: GRU biases on the input side (ir, iz, in) plus hn; LSTM and SimpleCell on the hidden side
  const bih = kind === 'gru' ? gates.map((g) => bias(`i${g}`, true)) : gates.map(() => new Float64Array(H));
  const bhh = kind === 'gru' ? [new Float64Array(H), new Float64Array(H), bias('hn', true)] : gates.map((g) => bias(`h${g}`, true));
  tensors.set('bias_ih_l0', { data: cat(bih), shape: [G * H], dtype: 'F64' });
  tensors.set('bias_hh_l0', { data: cat(bhh), shape: [G * H], dtype: 'F64' });
  // an optional Dense readout beside the cell: <parent>/<name>/kernel with name Dense_0 or a readout name
  const parent = prefix.slice(0, -1);
  for (const name of ['Dense_0', 'fc', 'readout', 'linear', 'out', 'output', 'head', 'decoder']) {
    const key = byPath.get([...parent, name, 'kernel'].join('/'));
    if (!key) continue;
    used.add(key);
    const W = transpose(content.tensors.get(key)!, key, source);
    tensors.set('fc.weight', { data: W.data, shape: [W.rows, W.cols], dtype: 'F64' });
    const bkey = byPath.get([...parent, name, 'bias'].join('/'));
    if (bkey) {
      used.add(bkey);
      tensors.set('fc.bias', { ...content.tensors.get(bkey)! });
    }
    break;
  }
  const extra = keys.filter((k) => !used.has(k));
  if (extra.length > 0) throw new InputError(`${source}: unexpected Flax parameter${extra.length > 1 ? 's' : ''} ${extra.map((k) => `'${k}'`).join(', ')} besides the ${kind} cell and a Dense readout`);
  return { tensors, metadata: { ...content.metadata, nonlinearity: 'tanh' } };
}

/**
 * Rendering: vega-lite spec → vega → SVG string (headless, no browser), and SVG → PNG bytes with
 * resvg. Text in PNGs uses the font from `findFont()`; without one, shapes still render.
 */
import { compile, type TopLevelSpec } from 'vega-lite';
import * as vega from 'vega';
import { Resvg } from '@resvg/resvg-js';
import { ShapeError } from '../errors.js';
import { findFont } from './fonts.js';

/** A vega-lite top-level specification (what every `xxxSpec(data)` returns). */
export type PlotSpec = TopLevelSpec;

/** Options of `renderPng`. */
export interface PngOptions {
  /** Output width in pixels (the height follows the SVG's aspect ratio). Default 900. */
  width?: number;
  /** Background colour. Default white. */
  background?: string;
}

/**
 * Compiles a vega-lite spec and renders it to a standalone SVG string with vega's headless SVG
 * renderer. Cost: linear in the number of marks (data rows); tens of ms for typical plots.
 */
export async function renderSvg(spec: PlotSpec): Promise<string> {
  // vega-lite's own warnings (e.g. merged legend settings of small multiples) are not errors of
  // the caller; keep them off stdout/stderr.
  const logger = vega.logger(vega.None);
  const vg = compile(spec, { logger }).spec;
  const view = new vega.View(vega.parse(vg), { renderer: 'none', logLevel: vega.Warn });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Rasterises an SVG string to PNG bytes of the given pixel width with resvg. Cost: O(width²).
 * Throws ShapeError for a width outside 16..8192.
 */
export function renderPng(svg: string, opts: PngOptions = {}): Uint8Array {
  const width = opts.width ?? 900;
  if (!Number.isInteger(width) || width < 16 || width > 8192) {
    throw new ShapeError(`PNG width must be an integer in 16..8192, got ${width}`);
  }
  const font = findFont(process.env.SNTK_FONT === 'none');
  const r = new Resvg(svg, {
    fitTo: { mode: 'width', value: width },
    background: opts.background ?? 'white',
    font: font
      ? { loadSystemFonts: false, fontFiles: [font.file], defaultFontFamily: font.family, sansSerifFamily: font.family }
      : { loadSystemFonts: process.env.SNTK_FONT !== 'none' },
    logLevel: 'off',
  });
  return new Uint8Array(r.render().asPng());
}

/** Reads width and height from a PNG's IHDR chunk; null if `bytes` is not a PNG. Cost O(1). */
export function pngSize(bytes: Uint8Array): { width: number; height: number } | null {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 24 || sig.some((b, i) => bytes[i] !== b)) return null;
  const type = String.fromCharCode(bytes[12]!, bytes[13]!, bytes[14]!, bytes[15]!);
  if (type !== 'IHDR') return null;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: dv.getUint32(16), height: dv.getUint32(20) };
}

/**
 * Font discovery for PNG rendering. resvg draws text only with fonts it is given; on a bare
 * Debian machine the guaranteed choice is the `fonts-dejavu-core` package
 * (`/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf`). Order of search: `$SNTK_FONT` (a .ttf/.otf
 * path), a list of well-known files (DejaVu, Liberation, FreeFont, Noto, macOS, Windows), then the
 * first .ttf/.otf found under the usual font folders. Without any font, PNGs still render every
 * shape, only the text is missing (`findFont()` returns null and callers may warn).
 * `SNTK_FONT=none` disables text fonts on purpose (used to test that fallback).
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** A usable font file and the family name stored in its `name` table. */
export interface FontChoice {
  /** Absolute path of the .ttf/.otf file. */
  file: string;
  /** Family name (nameID 1) read from the file, e.g. "DejaVu Sans". */
  family: string;
}

const KNOWN_FONTS = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/TTF/DejaVuSans.ttf',
  '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf',
  '/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf',
  '/usr/share/fonts/truetype/freefont/FreeSans.ttf',
  '/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf',
  '/usr/share/fonts/opentype/noto/NotoSans-Regular.otf',
  '/Library/Fonts/Arial.ttf',
  '/System/Library/Fonts/Supplemental/Arial.ttf',
  'C:\\Windows\\Fonts\\arial.ttf',
];

const FONT_DIRS = ['/usr/share/fonts', '/usr/local/share/fonts', '/System/Library/Fonts', '/Library/Fonts', 'C:\\Windows\\Fonts'];

/**
 * Reads the family name (nameID 1, else 16) from a TrueType/OpenType file's `name` table.
 * Returns null for anything that is not a readable sfnt font. Cost O(file size) to read it.
 */
export function fontFamilyOf(file: string): string | null {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch {
    return null;
  }
  if (buf.length < 12) return null;
  const tag = buf.readUInt32BE(0);
  // 0x00010000 TrueType, 'OTTO' CFF, 'true' (Apple).
  if (tag !== 0x00010000 && tag !== 0x4f54544f && tag !== 0x74727565) return null;
  const numTables = buf.readUInt16BE(4);
  let nameOff = -1;
  for (let i = 0; i < numTables; i++) {
    const rec = 12 + 16 * i;
    if (rec + 16 > buf.length) return null;
    if (buf.toString('latin1', rec, rec + 4) === 'name') nameOff = buf.readUInt32BE(rec + 8);
  }
  if (nameOff < 0 || nameOff + 6 > buf.length) return null;
  const count = buf.readUInt16BE(nameOff + 2);
  const strOff = nameOff + buf.readUInt16BE(nameOff + 4);
  let best: string | null = null;
  for (const wanted of [1, 16]) {
    for (let i = 0; i < count; i++) {
      const r = nameOff + 6 + 12 * i;
      if (r + 12 > buf.length) break;
      const platform = buf.readUInt16BE(r);
      const nameId = buf.readUInt16BE(r + 6);
      const len = buf.readUInt16BE(r + 8);
      const off = strOff + buf.readUInt16BE(r + 10);
      if (nameId !== wanted || off + len > buf.length) continue;
      if (platform === 3 || platform === 0) {
        // UTF-16BE
        let s = '';
        for (let k = 0; k + 1 < len; k += 2) s += String.fromCharCode(buf.readUInt16BE(off + k));
        if (s) return s;
      } else if (platform === 1 && best === null) {
        best = buf.toString('latin1', off, off + len);
      }
    }
    if (best) return best;
  }
  return best;
}

function scanDir(dir: string, depth: number): string | null {
  if (depth > 4) return null;
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch {
    return null;
  }
  // Prefer regular sans faces found at this level.
  const files = entries.filter((e) => /\.(ttf|otf)$/i.test(e));
  const pref = files.find((f) => /sans/i.test(f) && !/(bold|italic|oblique|mono|light|condensed)/i.test(f)) ?? files[0];
  if (pref) return join(dir, pref);
  for (const e of entries) {
    const p = join(dir, e);
    try {
      if (statSync(p).isDirectory()) {
        const f = scanDir(p, depth + 1);
        if (f) return f;
      }
    } catch {
      /* unreadable entry: skip */
    }
  }
  return null;
}

let cached: FontChoice | null | undefined;

/**
 * Finds one font for PNG text (see the module comment for the search order); cached after the
 * first call. Returns null when the machine has no usable font. Cost: a few file reads.
 */
export function findFont(refresh = false): FontChoice | null {
  if (cached !== undefined && !refresh) return cached;
  if (process.env.SNTK_FONT === 'none') return (cached = null);
  const candidates: string[] = [];
  if (process.env.SNTK_FONT) candidates.push(process.env.SNTK_FONT);
  candidates.push(...KNOWN_FONTS);
  for (const file of candidates) {
    if (!existsSync(file)) continue;
    const family = fontFamilyOf(file);
    if (family) return (cached = { file, family });
  }
  for (const dir of FONT_DIRS) {
    const file = scanDir(dir, 0);
    if (!file) continue;
    const family = fontFamilyOf(file);
    if (family) return (cached = { file, family });
  }
  return (cached = null);
}

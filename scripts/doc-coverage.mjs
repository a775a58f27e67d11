/**
 * Counts the public functions of each package entry (the main entry and its subpaths) and how many
 * of them have a doc comment, `@param`, `@returns`, `@throws` and `@example` tags.
 * Run: `npm run docs:coverage` (add `list` to name the main-entry functions without `@param`).
 */
import ts from 'typescript';
const entries = { 'sntk': 'src/index.ts', 'sntk/linalg': 'src/linalg/public.ts', 'sntk/operators': 'src/operators/index.ts', 'sntk/io': 'src/io/index.ts', 'sntk/train': 'src/train/index.ts', 'sntk/report': 'src/report/index.ts' };
const prog = ts.createProgram(Object.values(entries), { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true, skipLibCheck: true, types: ['node'] });
const c = prog.getTypeChecker();
const seen = new Map();
for (const [name, f] of Object.entries(entries)) {
  const ex = c.getExportsOfModule(c.getSymbolAtLocation(prog.getSourceFile(f)));
  let n = 0;
  for (const s of ex) {
    const t = s.flags & ts.SymbolFlags.Alias ? c.getAliasedSymbol(s) : s;
    if (!(t.flags & ts.SymbolFlags.Function)) continue;
    n++;
    const decl = t.declarations?.[0]; if (!decl) continue;
    const key = decl.getSourceFile().fileName + ':' + t.name;
    if (seen.has(key)) { seen.get(key).entries.add(name); continue; }
    const tags = ts.getJSDocTags(decl).map((x) => x.tagName.text);
    const doc = ts.getJSDocCommentsAndTags(decl).length > 0;
    seen.set(key, { name: t.name, entries: new Set([name]), doc, param: tags.includes('param'), returns: tags.includes('returns'), throws: tags.includes('throws'), example: tags.includes('example') });
  }
  console.log(name, 'functions:', n);
}
const all = [...seen.values()];
const main = all.filter((x) => x.entries.has('sntk'));
for (const [label, set] of [['all entries', all], ['main entry', main]]) {
  const cnt = (k) => set.filter((x) => x[k]).length;
  console.log(`${label}: ${set.length} distinct public functions; doc comment ${cnt('doc')}, @param ${cnt('param')}, @returns ${cnt('returns')}, @throws ${cnt('throws')}, @example ${cnt('example')}`);
}
if (process.argv[2] === 'list') console.log(main.filter((x) => !x.param).map((x) => x.name).join(' '));

// Writes a brotli (.br) and a gzip (.gz) copy beside each text or WebAssembly file of
// the built app, at the strongest settings: compressing once at build time lets the
// server send the smallest form with no work per request. A copy that would not be
// smaller is not written (the server then sends the file as it is).
//
// Usage: node scripts/precompress.mjs DIR   (prints one line per file: raw, gzip, brotli)
import { readdirSync, readFileSync, writeFileSync, rmSync, statSync } from 'node:fs';
import { join, extname } from 'node:path';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.wasm', '.json', '.svg', '.txt', '.map', '.webmanifest']);
const dir = process.argv[2];
if (!dir) {
  console.error('usage: node scripts/precompress.mjs DIR');
  process.exit(2);
}

function* files(root) {
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const path = join(root, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (entry.isFile()) yield path;
  }
}

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
for (const path of [...files(dir)]) {
  if (path.endsWith('.br') || path.endsWith('.gz')) {
    // A copy left from an earlier build of a file that is gone.
    const original = path.slice(0, -3);
    try { statSync(original); } catch { rmSync(path); }
    continue;
  }
  if (!COMPRESSIBLE.has(extname(path).toLowerCase())) continue;
  const raw = readFileSync(path);
  const text = extname(path) !== '.wasm';
  const br = brotliCompressSync(raw, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_LGWIN]: constants.BROTLI_MAX_WINDOW_BITS,
      [constants.BROTLI_PARAM_MODE]: text ? constants.BROTLI_MODE_TEXT : constants.BROTLI_MODE_GENERIC,
      [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
    },
  });
  const gz = gzipSync(raw, { level: constants.Z_BEST_COMPRESSION, memLevel: 9 });
  for (const [suffix, bytes] of [['.br', br], ['.gz', gz]]) {
    if (bytes.length < raw.length) writeFileSync(path + suffix, bytes);
    else rmSync(path + suffix, { force: true });
  }
  console.log(`${path.slice(dir.length + 1)}\traw ${kb(raw.length)}\tgzip ${kb(gz.length)}\tbrotli ${kb(br.length)}`);
}

// Seeds for corpus/encoding_roundtrip and corpus/encoding_differential from Node's
// vectors (node codecs.js PATH/TO/vectors.json): every vector's input becomes a payload
// for its encoding (bytes for toString vectors, UTF-8 text for Buffer.from vectors),
// with the backend cycling through every id and variant and the code path through the
// capacity modes.  Lone surrogates have no UTF-8 form: those vectors are skipped.
const path = require('path');
const { emit } = require('./emit');

const encodings = ['utf8', 'utf16le', 'latin1', 'ascii', 'hex', 'base64', 'base64url'];
const aliases = { 'utf-8': 'utf8', ucs2: 'utf16le', 'ucs-2': 'utf16le', 'utf-16le': 'utf16le', binary: 'latin1' };
const vectors = require(path.resolve(process.argv[2] || '../../../shared/node/vectors.json'));
const backends = [[0], [1], [2], [3], [0x12], [0x21, 2, 5, 0]];

let n = 0, skipped = 0;
for (const vector of vectors) {
  const name = vector.encoding.toLowerCase();
  const encoding = encodings.indexOf(aliases[name] || name);
  let payload;
  if (/toString/.test(vector.api) && vector.input_hex !== undefined) payload = Buffer.from(vector.input_hex, 'hex');
  else if (vector.input_js !== undefined && !/[\ud800-\udfff]/.test(vector.input_js.replace(/[\ud800-\udbff][\udc00-\udfff]/g, '')))
    payload = Buffer.from(vector.input_js, 'utf8');
  if (encoding < 0 || payload === undefined) { skipped++; continue; }
  const backend = backends[n % backends.length];
  const path_ = n % 3; // capacity mode: bound, exact, in between
  emit('encoding_roundtrip', [...backend, encoding + 7 * path_, ...payload]);
  emit('encoding_differential', [...backend, encoding + 7 * path_, n % 64, ...payload]);
  n++;
}
console.error(`codecs.js: ${n} vectors as seeds, ${skipped} skipped`);

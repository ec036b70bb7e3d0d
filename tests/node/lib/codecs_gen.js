// codecs_gen.js — input generators of the codecs suite (a module for codecs.js, not a suite).
//
// Every generator takes the seeded PRNG, so a seed reproduces a run exactly.  Inputs are
// Buffers: bytes for encode (raw -> E), UTF-8 text (often ill-formed on purpose) for decode
// (E -> raw) and conversions.  The adversarial pools follow the quirks Node has and the
// ways text goes wrong: ill-formed UTF-8 (overlongs, surrogates, truncations, 5- and 6-byte
// forms, F5..FF), lone and paired surrogates, BOMs, base64 with whitespace, garbage, '='
// in the middle, mixed alphabets and non-ASCII characters whose low byte is meaningful
// (U+013D reads as '=', U+0131 as '1', U+1F600's D83D as '='), odd and broken hex.
'use strict';
if (require.main === module) {
  process.stderr.write('codecs_gen.js is a helper module of the codecs suite: run scripts/node-diff codecs\n');
  process.exit(2);
}

const ENCODINGS = ['utf8', 'utf16le', 'latin1', 'ascii', 'hex', 'base64', 'base64url'];
const ALIASES = {
  utf8: ['utf8', 'utf-8'], utf16le: ['utf16le', 'utf-16le', 'ucs2', 'ucs-2'], latin1: ['latin1', 'binary'],
  ascii: ['ascii'], hex: ['hex'], base64: ['base64'], base64url: ['base64url'],
};
const CANONICAL = new Map();
for (const [canon, names] of Object.entries(ALIASES)) for (const n of names) CANONICAL.set(n, canon);
const canonical = name => CANONICAL.get(String(name).toLowerCase()) || name;

// ---- PRNG: sfc32, seeded from a 32-bit seed --------------------------------------------
function makeRng(seed) {
  let a = seed >>> 0, b = 0x9E3779B9, c = 0x243F6A88, d = 0xB7E15162;
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 20; i++) next();
  const rng = {
    next,
    int: n => Math.floor(next() * n),
    pick: list => list[Math.floor(next() * list.length)],
    chance: p => next() < p,
  };
  return rng;
}

// A random spelling of an encoding: any alias, in any case.
function spelling(rng, encoding) {
  if (encoding === 'raw') return 'raw';
  const name = rng.pick(ALIASES[encoding]);
  if (rng.chance(0.7)) return name;
  return Array.from(name, ch => (rng.chance(0.5) ? ch.toUpperCase() : ch)).join('');
}

// Names Node accepts or rejects; C must agree with Buffer.isEncoding on each.
function nameProbes(rng) {
  const probes = [];
  for (const names of Object.values(ALIASES)) for (const n of names) probes.push(n, n.toUpperCase(), spelling(rng, canonical(n)));
  probes.push('utf-16', 'utf16', 'latin-1', 'base64-url', 'base-64', 'utf32', 'ucs-4', 'utf8x', 'he', 'hexx', 'asci',
    'binary2', 'utf_8', 'UTF8\u0130'.replace('\u0130', 'I'), 'raw', '-', 'utf-8-', 'Ucs2', 'uTF-16lE');
  return probes;
}

// ---- Byte pools ------------------------------------------------------------------------
const hexBuf = h => Buffer.from(h, 'hex');
const ILL_FORMED_UTF8 = [
  'c0af', 'c080', 'c181', 'c1bf',                         // overlong 2-byte (C0, C1 never lead)
  'e080af', 'e09fbf', 'e08080', 'f0808080', 'f08fbfbf',   // overlong 3- and 4-byte
  'eda080', 'edbfbf', 'edb080', 'eda0bdedb880',           // surrogates (CESU-8 pair too)
  'e282', 'f09f98', 'f09f', 'c2', 'e0a0', 'f4', 'f48f',   // truncations (valid prefixes)
  'f888808080', 'fbbfbfbfbf', 'fc8480808080', 'fdbfbfbfbfbf', // 5- and 6-byte forms
  'f5', 'f7bfbfbf', 'f8', 'fe', 'ff', 'feff', 'fffe',     // never valid leads
  '80', 'bf', 'bf80', '8080', 'f4908080', 'f4bfbfbf',     // stray continuations, > U+10FFFF
  'e2ff', 'e282ff', 'f09fff', 'c2c2', 'e2e282ac', 'f0f09f9880',
].map(hexBuf);

// Code points whose UTF-16 low bytes matter to the low-byte decoders, and edge values.
const SPECIAL_CODE_POINTS = [
  0x00, 0x09, 0x0A, 0x0D, 0x20, 0x3D, 0x7F, 0x80, 0x9F, 0xA0, 0xE9, 0xFF, 0x100, 0x131, 0x13D, 0x144,
  0x151, 0x161, 0x12B, 0x12F, 0x15F, 0x230, 0x239, 0x430, 0x441, 0x7FF, 0x800, 0x20AC, 0xD7FF, 0xE000,
  0xFEFF, 0xFF10, 0xFF21, 0xFF41, 0xFF3D, 0xFFFD, 0xFFFE, 0xFFFF, 0x10000, 0x1F600, 0x1003D, 0x10FFFF,
];
// Low bytes worth hitting inside a surrogate pair: digits, hex letters, base64 specials.
const INTERESTING_LOW_BYTES = [...Buffer.from('0123456789abcdefABCDEF=+/-_QUJD \n*', 'latin1'), 0x00, 0x80, 0xFD, 0xFF];

function randomCodePoint(rng) {
  switch (rng.int(8)) {
    case 0: case 1: return 0x20 + rng.int(0x5F);
    case 2: return rng.int(0x80);
    case 3: return 0x80 + rng.int(0x780);
    case 4: { let cp; do cp = 0x800 + rng.int(0xF800); while (cp >= 0xD800 && cp <= 0xDFFF); return cp; }
    case 5: return 0x10000 + rng.int(0x100000);
    case 6: return rng.pick(SPECIAL_CODE_POINTS);
    default: { // a supplementary code point whose surrogates' low bytes are chosen
      const high = rng.pick(INTERESTING_LOW_BYTES) | (rng.int(4) << 8);
      const low = rng.pick(INTERESTING_LOW_BYTES) | (rng.int(4) << 8);
      return 0x10000 + ((high << 10) | low);
    }
  }
}

const utf8Of = cp => Buffer.from(String.fromCodePoint(cp), 'utf8');

function randomBytes(rng, n) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = rng.int(256);
  return b;
}

function validText(rng, codePoints) {
  const parts = [];
  if (rng.chance(0.1)) parts.push(hexBuf('efbbbf')); // a BOM, kept by Node
  for (let i = 0; i < codePoints; i++) parts.push(utf8Of(randomCodePoint(rng)));
  return Buffer.concat(parts);
}

// ---- Encoding-specific text --------------------------------------------------------------
function hexText(rng) {
  const digits = rng.chance(0.5) ? '0123456789abcdef' : '0123456789abcdefABCDEF';
  let n = rng.int(28);
  if (rng.chance(0.2)) n |= 1; // odd: the last digit is dropped
  let s = '';
  for (let i = 0; i < n; i++) s += digits[rng.int(digits.length)];
  return Buffer.from(s, 'latin1');
}

function base64Text(rng, encoding) {
  const bytes = randomBytes(rng, rng.int(31));
  let s = bytes.toString(rng.chance(0.5) ? encoding : rng.pick(['base64', 'base64url']));
  if (rng.chance(0.25)) s = s.replace(/=+$/, '');
  if (rng.chance(0.15)) s = s.replace(/=+$/, '') + '='.repeat(rng.int(4));
  if (rng.chance(0.2)) s = Array.from(s, ch => rng.chance(0.5) ? ({ '+': '-', '/': '_', '-': '+', '_': '/' }[ch] || ch) : ch).join('');
  return Buffer.from(s, 'latin1');
}

function specificText(rng, encoding) {
  switch (encoding) {
    case 'hex': return hexText(rng);
    case 'base64': case 'base64url': return base64Text(rng, encoding);
    case 'latin1': case 'ascii': {
      const parts = [];
      for (let i = rng.int(20); i > 0; i--)
        parts.push(utf8Of(rng.chance(0.8) ? rng.int(rng.chance(0.5) ? 0x80 : 0x100) : randomCodePoint(rng)));
      return Buffer.concat(parts);
    }
    default: return validText(rng, rng.int(20));
  }
}

// Insertions that matter to each decoder.
const HEX_NOISE = ['g', 'z', ' ', '0x', 'x', '-', '\n', '\u0131', '\u0161', '\u0230', '\uff41', '\uff10', '\u00e9', 'G', '\u0000'];
const BASE64_NOISE = [' ', '\n', '\r\n', '\t', '*', '.', '$', ':', '!', '~', '\u0000', '=', '==', '===', '\u013d',
  '\u0144', '\u0151', '\u0100', '\u00e9', '\u{1F600}', '+', '/', '-', '_', 'A', '\u0141'];

function noise(rng, encoding) {
  const k = rng.int(10);
  if (k < 3) return rng.pick(ILL_FORMED_UTF8);
  if (k < 5) return utf8Of(randomCodePoint(rng));
  if (encoding === 'hex') return Buffer.from(rng.pick(HEX_NOISE), 'utf8');
  if (encoding === 'base64' || encoding === 'base64url') return Buffer.from(rng.pick(BASE64_NOISE), 'utf8');
  return rng.chance(0.5) ? utf8Of(rng.pick(SPECIAL_CODE_POINTS)) : randomBytes(rng, 1 + rng.int(3));
}

// Small edits: insert noise, delete a byte, replace a byte, cut the end.
function mutate(rng, buffer, encoding) {
  let b = buffer;
  for (let edits = 1 + rng.int(3); edits > 0; edits--) {
    const at = rng.int(b.length + 1);
    switch (rng.int(5)) {
      case 0: case 1: b = Buffer.concat([b.subarray(0, at), noise(rng, encoding), b.subarray(at)]); break;
      case 2: if (b.length) b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]); break;
      case 3: if (at < b.length) { b = Buffer.from(b); b[at] = rng.int(256); } break;
      default: b = b.subarray(0, at);
    }
  }
  return b;
}

function fragmentSoup(rng, count) {
  const parts = [];
  for (let i = 0; i < count; i++) {
    switch (rng.int(6)) {
      case 0: parts.push(rng.pick(ILL_FORMED_UTF8)); break;
      case 1: parts.push(utf8Of(randomCodePoint(rng))); break;
      case 2: parts.push(hexText(rng)); break;
      case 3: parts.push(base64Text(rng, rng.pick(['base64', 'base64url']))); break;
      case 4: parts.push(noise(rng, rng.pick(ENCODINGS))); break;
      default: parts.push(validText(rng, 1 + rng.int(4)));
    }
  }
  return Buffer.concat(parts);
}

// Long inputs cross Node's internal thresholds (the 4 KiB pool path of Buffer.from, the
// base64 fast loop) and our ASCII fast paths; a third are 32..350 bytes, a few SIMD blocks
// (16 to 64 bytes each), so an odd character lands at every offset of a block.
function longText(rng, encoding) {
  const target = rng.chance(0.33) ? 32 + rng.int(319) : 1000 + rng.int(7000);
  const parts = [];
  let size = 0;
  while (size < target) {
    const part = rng.chance(0.97) ? specificText(rng, encoding) : noise(rng, encoding);
    const clean = (encoding === 'base64' || encoding === 'base64url') ? Buffer.from(part.toString('latin1').replace(/=/g, ''), 'latin1') : part;
    parts.push(clean);
    size += clean.length;
  }
  let b = Buffer.concat(parts);
  if (encoding === 'hex' && rng.chance(0.5)) b = Buffer.from(randomBytes(rng, target >> 1).toString('hex'), 'latin1');
  if (encoding.startsWith('base64') && rng.chance(0.5)) b = Buffer.from(randomBytes(rng, target).toString(encoding), 'latin1');
  return rng.chance(0.3) ? mutate(rng, b, encoding) : b;
}

// ASCII with a rare other byte, 32..350 bytes: the blocks of the ASCII kernels (utf8,
// latin1, ascii; utf16le as code units below 0x80) with an odd byte at any offset.
function mostlyAscii(rng, encoding) {
  const n = 32 + rng.int(319);
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = rng.chance(0.01) ? rng.int(256) : 0x20 + rng.int(95);
  if (encoding === 'utf16le') for (let i = 1; i < n; i += 2) b[i] = rng.chance(0.02) ? rng.int(256) : 0;
  return b;
}

// ---- Inputs per direction --------------------------------------------------------------
// Text (UTF-8, possibly ill-formed) to decode from `encoding`.
function textInput(rng, encoding) {
  const k = rng.int(100);
  if (k < 3) return Buffer.alloc(0);
  if (k < 40) return mutate(rng, specificText(rng, encoding), encoding);
  if (k < 55) return specificText(rng, encoding);
  if (k < 72) return fragmentSoup(rng, 1 + rng.int(8));
  if (k < 85) return randomBytes(rng, rng.int(48));
  if (k < 93) return validText(rng, rng.int(24));
  if (k < 97) return mostlyAscii(rng, encoding);
  return longText(rng, encoding);
}

// UTF-16LE code units: BMP values, lone high/low surrogates, pairs, reversed pairs, BOMs.
function utf16Units(rng) {
  const units = [];
  for (let i = rng.int(16); i > 0; i--) {
    switch (rng.int(7)) {
      case 0: units.push(0xD800 + rng.int(0x400)); break;
      case 1: units.push(0xDC00 + rng.int(0x400)); break;
      case 2: units.push(0xD800 + rng.int(0x400), 0xDC00 + rng.int(0x400)); break;
      case 3: units.push(0xDC00 + rng.int(0x400), 0xD800 + rng.int(0x400)); break;
      case 4: units.push(rng.pick([0xFEFF, 0xFFFE, 0xFFFD, 0xFFFF, 0x0000, 0x007F, 0x0080, 0x07FF, 0x0800])); break;
      default: units.push(rng.int(0x10000));
    }
  }
  const b = Buffer.alloc(units.length * 2 + (rng.chance(0.3) ? 1 : 0));
  units.forEach((u, i) => b.writeUInt16LE(u, 2 * i));
  if (b.length % 2) b[b.length - 1] = rng.int(256);
  return b;
}

// Bytes to encode into `encoding`.
function bytesInput(rng, encoding) {
  const k = rng.int(100);
  if (k < 3) return Buffer.alloc(0);
  if (k < 40) {
    if (encoding === 'utf16le') return utf16Units(rng);
    if (encoding === 'utf8') return rng.chance(0.5) ? fragmentSoup(rng, 1 + rng.int(8)) : mutate(rng, validText(rng, rng.int(16)), 'utf8');
    return randomBytes(rng, rng.int(64));
  }
  if (k < 70) return randomBytes(rng, rng.int(64));
  if (k < 82) { // a few telling byte values
    const values = [0x00, 0x3D, 0x41, 0x7F, 0x80, 0xBF, 0xC0, 0xC3, 0xD8, 0xDC, 0xDF, 0xE0, 0xED, 0xF0, 0xF4, 0xFF];
    return Buffer.from(Array.from({ length: rng.int(32) }, () => rng.pick(values)));
  }
  if (k < 91) return validText(rng, rng.int(24));
  if (k < 95) return mostlyAscii(rng, encoding);
  return randomBytes(rng, 1000 + rng.int(8000));
}

module.exports = { ENCODINGS, ALIASES, canonical, makeRng, spelling, nameProbes, textInput, bytesInput };

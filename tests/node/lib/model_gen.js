'use strict';
// Random operation programs for the model harness (model.js).  A program is a list of
// token arrays in the driver's language (tests/tools/model_driver.c).  Deterministic in
// (seed, program index).  The generator tracks what each slot probably holds (kind,
// Buffer or not) only to pick sensible operations; when a creation fails both sides
// empty the slot, so a wrong guess just gives "x" on both sides.

function rng32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KINDS = ['Int8', 'Uint8', 'Uint8Clamped', 'Int16', 'Uint16', 'Int32', 'Uint32', 'Float32', 'Float64', 'BigInt64', 'BigUint64'];
const DV_KINDS = ['Int8', 'Uint8', 'Int16', 'Uint16', 'Int32', 'Uint32', 'Float32', 'Float64', 'BigInt64', 'BigUint64'];
const ENCODINGS = ['utf8', 'utf8', 'utf-8', 'UTF8', 'ucs2', 'utf16le', 'utf-16le', 'latin1', 'binary', 'ascii', 'hex', 'hex',
  'base64', 'base64url', 'u', 'bogus'];
const RW = ['uintle', 'uintbe', 'intle', 'intbe', 'floatle', 'floatbe', 'doublele', 'doublebe', 'bigint64le', 'bigint64be',
  'biguint64le', 'biguint64be'];
const SPECIAL = [0, -0, 0.5, 1.5, 2.5, -0.5, -1.5, 127, 128, 255, 256, 257, -1, -128, -129, 32767, 32768, 65535, 65536,
  -32769, 2 ** 31, 2 ** 31 - 1, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 5, -(2 ** 31) - 1, 1e20, -1e20, 16777217, 1e40, -1e40,
  300.7, -300.7, 254.5, 255.5, 0.49999999999999994, NaN, Infinity, -Infinity, 2 ** 40, 2 ** 40 - 1, -(2 ** 39),
  2 ** 47, 2 ** 47 - 1, -(2 ** 47), 2 ** 48 - 1, 2 ** 48, 2 ** 53, 5e-324, -5e-324, 1.17549435e-38, 3.4028234663852886e38,
  3.4028235677973366e38, 3.402823567797337e38, 1.7976931348623157e308, 0.1, -(2 ** 32) + 0.5];
const BIGS = ['0', '1', '-1', '255', '9223372036854775807', '-9223372036854775808', '9223372036854775808',
  '18446744073709551615', '4294967296', '-4294967297'];
const TEXTS = ['', 'a', 'abc', 'hello world', 'é', 'aé', '€uro', '😀', 'a😀b', 'ab12', 'deadBEEF', 'zz', 'abc=', 'QUJD',
  'QUJDRA==', 'SGk/Pw', '-_-_', ' a b ', '\u0000', '\u00ff\u0100', 'AAAA', 'ffff', '0'];
const RAW_TEXTS = ['ff', 'c3', 'e282', 'eda080', 'c0af', 'f4908080', '80']; // invalid UTF-8 as the text side

const fmt = (x) => (Object.is(x, -0) ? '-0' : String(x));

// backendCount: how many backends the driver was given (slots 0..backendCount-1).  The
// choice takes one random draw whatever the count, so a seed's programs keep their shape
// when a backend is added; only which backend each allocation names changes.
function genProgram(seed, index, length, backendCount) {
  if (!(backendCount >= 1)) throw new Error(`genProgram: backendCount must be >= 1, got ${backendCount}`);
  const r = rng32((seed * 2654435761 + index * 40503 + 17) >>> 0);
  const int = (lo, hi) => lo + Math.floor(r() * (hi - lo + 1));
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const chance = (p) => r() < p;
  const backend = () => int(0, backendCount - 1);
  const abs = new Map();   // slot -> {resizable}
  const views = new Map(); // slot -> {kind, buffer}
  const dvs = new Set();
  const ops = [];
  const anyOf = (m) => (m.size ? pick([...m.keys()]) : undefined);
  // Mostly Buffers; now and then any view (a Buffer function on an Int16Array is BUF_EINVAL).
  const bufferSlots = () => (chance(0.08) ? [...views.keys()] : [...views.entries()].filter(([, v]) => v.buffer).map(([k]) => k));
  const value = () => {
    if (chance(0.55)) return fmt(pick(SPECIAL));
    if (chance(0.5)) return fmt(int(-300, 300));
    if (chance(0.5)) return fmt((r() - 0.5) * 2 ** int(0, 70));
    return fmt(int(-70000, 70000) + pick([0, 0.5, 0.25, 0.75]));
  };
  const big = () => (chance(0.6) ? pick(BIGS) : String(BigInt(int(-1e6, 1e6)) * BigInt(int(1, 2 ** 31))));
  const offset = () => {
    if (chance(0.08)) return 'u';
    if (chance(0.06)) return fmt(pick([-(2 ** 31) - 5, 2 ** 31 + 5, 2 ** 40, -(2 ** 40), 4294967296, 4294967297]));
    return fmt(int(-4, 40));
  };
  const rel = () => (chance(0.15) ? 'u' : fmt(int(-14, 14)));
  const textHex = () => {
    if (chance(0.12)) return pick(RAW_TEXTS) + Buffer.from(pick(TEXTS)).toString('hex');
    const t = pick(TEXTS) + (chance(0.3) ? pick(TEXTS) : '');
    return t.length ? Buffer.from(t).toString('hex') : '-';
  };
  const newSlot = (n) => int(0, n - 1);
  const emit = (...t) => ops.push(t.map(String));

  const generators = [
    // ---- ArrayBuffers
    [3, () => { const id = newSlot(6); emit('ab', id, backend(), chance(0.04) ? pick([-1, 'u']) : int(0, 48)); abs.set(id, { resizable: false }); }],
    [3, () => {
      const id = newSlot(6); const len = int(0, 32);
      emit('abr', id, backend(), chance(0.04) ? pick([-1, 'u']) : len, chance(0.08) ? pick([int(0, len), 'u']) : int(len, 64));
      abs.set(id, { resizable: true });
    }],
    [4, () => { const a = anyOf(abs); if (a !== undefined) emit('resize', a, chance(0.05) ? pick([-1, 'u']) : int(0, 70)); }],
    [1, () => { const a = anyOf(abs); if (a !== undefined) { const id = newSlot(6); emit('abslice', id, a, rel(), rel()); abs.set(id, { resizable: false }); } }],
    [1, () => { const a = anyOf(abs); if (a !== undefined) emit('abinfo', a); }],
    [1, () => { const a = anyOf(abs); if (a !== undefined) emit('abdump', a); }],
    // ---- Typed views
    [6, () => {
      const a = anyOf(abs); if (a === undefined) return;
      const id = newSlot(12); const kind = pick(KINDS);
      emit('ta', id, kind, a, chance(0.3) ? 'u' : pick(['0', '1', '2', '3', '4', '6', '8', '16', '-1', '24']),
        chance(0.4) ? 'u' : fmt(chance(0.05) ? -1 : int(0, 10)));
      views.set(id, { kind, buffer: false });
    }],
    [2, () => { const id = newSlot(12); const kind = pick(KINDS); emit('tanew', id, kind, backend(), chance(0.04) ? pick([-1, 'u']) : int(0, 12)); views.set(id, { kind, buffer: false }); }],
    [2, () => { const v = anyOf(views); if (v !== undefined) emit('tinfo', v); }],
    [8, () => {
      const v = anyOf(views); if (v === undefined) return;
      const big = views.get(v).kind.startsWith('Big');
      emit(big && chance(0.8) ? 'getb' : 'get', v, int(-2, 12));
    }],
    [10, () => {
      const v = anyOf(views); if (v === undefined) return;
      const isBig = views.get(v).kind.startsWith('Big');
      if (isBig ? chance(0.85) : chance(0.05)) emit('setb', v, int(-2, 12), big());
      else emit('set', v, int(-2, 12), value());
    }],
    [4, () => {
      const v = anyOf(views); if (v === undefined) return;
      let id = newSlot(12); if (id === v) id = (id + 1) % 12;
      emit('sub', id, v, rel(), rel()); views.set(id, { ...views.get(v) });
    }],
    [3, () => { const a = anyOf(views), b = anyOf(views); if (a !== undefined) emit('tset', a, b, chance(0.1) ? pick([-1, 'u']) : int(0, 5)); }],
    [2, () => {
      const a = anyOf(views); if (a === undefined) return;
      const n = int(0, 5); const list = []; for (let i = 0; i < n; i++) list.push(value());
      emit('tseta', a, chance(0.1) ? pick([-1, 'u']) : int(0, 4), list.length ? list.join(',') : '-');
    }],
    [4, () => { const v = anyOf(views); if (v !== undefined) emit('dump', v); }],
    [1, () => { const v = anyOf(views); if (v !== undefined) { emit('free', v); views.delete(v); } }],
    // ---- DataView
    [3, () => {
      const a = anyOf(abs); if (a === undefined) return;
      const id = newSlot(4);
      emit('dv', id, a, chance(0.3) ? 'u' : fmt(int(-1, 20)), chance(0.4) ? 'u' : fmt(int(-1, 16))); dvs.add(id);
    }],
    [1, () => { if (dvs.size) emit('dvlen', pick([...dvs])); }],
    [5, () => { if (dvs.size) emit('dvget', pick([...dvs]), pick(DV_KINDS), chance(0.05) ? 'u' : int(-1, 20), int(0, 1)); }],
    [5, () => {
      if (!dvs.size) return;
      const kind = pick(DV_KINDS);
      const v = kind.startsWith('Big') && chance(0.9) ? big() + 'n' : value();
      emit('dvset', pick([...dvs]), kind, chance(0.05) ? 'u' : int(-1, 20), v, int(0, 1));
    }],
    // ---- Buffers
    [3, () => { const id = newSlot(12); emit('balloc', id, backend(), chance(0.04) ? pick([-1, 'u']) : int(0, 40)); views.set(id, { kind: 'Uint8', buffer: true }); }],
    [1, () => { const id = newSlot(12); emit('ballocu', id, backend(), int(0, 40)); emit('bfill', id, 'n', int(0, 255), 'u', 'u', 'u'); views.set(id, { kind: 'Uint8', buffer: true }); }],
    [2, () => {
      const id = newSlot(12); const n = int(0, 24); let hex = '';
      for (let i = 0; i < n; i++) hex += int(0, 255).toString(16).padStart(2, '0');
      emit('bfrom', id, backend(), hex || '-'); views.set(id, { kind: 'Uint8', buffer: true });
    }],
    [3, () => { const id = newSlot(12); emit('bfroms', id, backend(), pick(ENCODINGS), textHex()); views.set(id, { kind: 'Uint8', buffer: true }); }],
    [2, () => {
      const a = anyOf(abs); if (a === undefined) return;
      const id = newSlot(12); emit('bfromab', id, a, chance(0.3) ? 'u' : fmt(int(-2, 40)), chance(0.4) ? 'u' : fmt(int(-2, 30)));
      views.set(id, { kind: 'Uint8', buffer: true });
    }],
    [4, () => { const bs = bufferSlots(); if (bs.length) emit('btostr', pick(bs), pick(ENCODINGS), chance(0.3) ? 'u' : fmt(int(-3, 30)), chance(0.3) ? 'u' : fmt(int(-3, 30))); }],
    [1, () => emit('bbytelen', pick(ENCODINGS), textHex())],
    [4, () => {
      const bs = bufferSlots(); if (!bs.length) return;
      emit('bwrite', pick(bs), textHex(), chance(0.15) ? 'u' : fmt(int(-1, 30)), chance(0.4) ? 'u' : fmt(int(-1, 30)), pick(ENCODINGS));
    }],
    [2, () => {
      const bs = bufferSlots(); if (!bs.length) return;
      const src = pick(bs); let id = newSlot(12); if (id === src) id = (id + 1) % 12;
      emit('bslice', id, src, rel(), rel()); views.set(id, { kind: 'Uint8', buffer: true });
    }],
    [2, () => {
      const bs = bufferSlots(); const n = int(0, Math.min(4, bs.length)); const list = [];
      for (let i = 0; i < n; i++) list.push(pick(bs));
      const id = newSlot(12);
      emit('bconcat', id, backend(), chance(0.5) ? 'u' : fmt(chance(0.1) ? -1 : int(0, 50)), list.length ? list.join(',') : '-');
      views.set(id, { kind: 'Uint8', buffer: true });
    }],
    [2, () => { const bs = bufferSlots(); if (bs.length) emit(pick(['bcmp', 'beq']), pick(bs), pick(bs)); }],
    [2, () => {
      const bs = bufferSlots(); if (!bs.length) return;
      const o = () => (chance(0.4) ? 'u' : fmt(int(-1, 24)));
      emit('bcmpr', pick(bs), pick(bs), o(), o(), o(), o());
    }],
    [6, () => {
      const bs = bufferSlots(); if (!bs.length) return;
      const mode = pick(['n', 's', 's', 'b']);
      const needle = mode === 'n' ? (chance(0.7) ? fmt(int(-2, 260)) : value()) : mode === 's' ? textHex() : pick(bs);
      emit('bidx', pick(bs), pick(['f', 'l', 'i']), mode, needle, offset(), pick(ENCODINGS));
    }],
    [4, () => {
      const bs = bufferSlots(); if (!bs.length) return;
      const mode = pick(['n', 's', 's', 'b']);
      const v = mode === 'n' ? value() : mode === 's' ? textHex() : pick(bs);
      emit('bfill', pick(bs), mode, v, chance(0.3) ? 'u' : fmt(int(-1, 30)), chance(0.3) ? 'u' : fmt(int(-1, 30)), pick(ENCODINGS));
    }],
    [3, () => {
      const bs = bufferSlots(); if (!bs.length) return;
      const o = () => (chance(0.3) ? 'u' : fmt(int(-2, 30)));
      emit('bcopy', pick(bs), pick(bs), o(), o(), o());
    }],
    [7, () => {
      const bs = bufferSlots(); if (!bs.length) return;
      const fn = pick(RW);
      emit('bread', pick(bs), fn, chance(0.05) ? 'u' : fmt(int(-2, 40)), fn.includes('int') && !fn.startsWith('big') ? int(0, 7) : 'u');
    }],
    [8, () => {
      const bs = bufferSlots(); if (!bs.length) return;
      const fn = pick(RW);
      const width = int(0, 7);
      let v;
      if (fn.startsWith('big')) {
        v = fn.startsWith('bigint') ? pick(['0', '-1', '1', '9223372036854775807', '-9223372036854775808', String(int(-99999, 99999))])
          : pick(['0', '1', '18446744073709551615', '9223372036854775808', String(int(0, 99999))]);
      } else if (fn.includes('int') && chance(0.5)) {
        const bound = 2 ** (8 * Math.max(1, Math.min(width, 6)));
        v = fmt(pick([bound - 1, bound, bound / 2 - 1, bound / 2, -bound / 2, -bound / 2 - 1, -1, 0, 0.5, -0.5, NaN, bound / 2 - 0.5]));
      } else {
        v = value();
      }
      emit('bwriten', pick(bs), fn, v, chance(0.05) ? 'u' : fmt(int(-2, 40)), fn.includes('int') && !fn.startsWith('big') ? width : 'u');
    }],
    [2, () => { const bs = bufferSlots(); if (bs.length) emit('dump', pick(bs)); }],
  ];
  const total = generators.reduce((s, [w]) => s + w, 0);
  // Start every program with something to work on.
  emit('ab', 0, backend(), int(0, 32)); abs.set(0, { resizable: false });
  emit('abr', 1, backend(), int(0, 24), int(24, 48)); abs.set(1, { resizable: true });
  emit('balloc', 0, backend(), int(0, 24)); views.set(0, { kind: 'Uint8', buffer: true });
  while (ops.length < length) {
    let x = r() * total;
    for (const [w, g] of generators) {
      x -= w;
      if (x < 0) { g(); break; }
    }
  }
  // End with a look at every view's bytes: failed calls must have left memory alone.
  for (const v of views.keys()) emit('dump', v);
  for (const a of abs.keys()) emit('abdump', a);
  return ops;
}

module.exports = { genProgram };

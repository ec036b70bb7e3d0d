'use strict';
// The fixed Node v20 vectors of tests/data/node/typed_vectors.json, run through the model
// driver.  A vector has a C form when its arguments are what the C API takes (integer
// offsets, doubles, BigInts inside int64/uint64); the others (a string or a fraction as
// an offset, a Number where a BigInt is needed, ...) are skipped and counted.
const fs = require('fs');
const path = require('path');

const fmt = (x) => (Object.is(x, -0) ? '-0' : String(x));
const intArg = (x) => {
  if (x === Infinity) return '9223372036854775807';
  if (x === -Infinity) return '-9223372036854775807';
  return typeof x === 'number' && Number.isInteger(x) ? fmt(x) : null;
};
const fromBits = (line) => new DataView(new BigUint64Array([BigInt('0x' + line.slice(2))]).buffer).getFloat64(0, true);
const CODES = {
  BUF_EOUT_OF_RANGE: 'ERR_OUT_OF_RANGE', BUF_EBUFFER_OUT_OF_BOUNDS: 'ERR_BUFFER_OUT_OF_BOUNDS', BUF_ERANGE: 'RangeError',
  BUF_ETYPE: 'TypeError', BUF_EDETACHED: 'TypeError',
};
// The result line of the C driver as the vector spells it.
const spell = (line) => {
  if (line.startsWith('n ')) return fmt(fromBits(line));
  if (line.startsWith('b ')) return line.slice(2) + 'n';
  if (line.startsWith('e ')) return CODES[line.slice(2)] || line.slice(2);
  return line;
};

// Each vector becomes {ops, check(results) -> true/false} or null (no C form).
function translate(v) {
  if (v.kind === 'element_set') {
    const kind = v.type.replace(/Array$/, '');
    if (v.input.endsWith('n')) {
      const value = BigInt(v.input.slice(0, -1));
      if (value < -(2n ** 63n) || value >= 2n ** 64n) return null;
      return { ops: [['tanew', '0', kind, '0', '1'], ['setb', '0', '0', String(value)], ['getb', '0', '0']],
        check: (r) => r[1] === 'ok' && spell(r[2]) === v.output };
    }
    return { ops: [['tanew', '0', kind, '0', '1'], ['set', '0', '0', v.input], ['get', '0', '0']],
      check: (r) => r[1] === 'ok' && spell(r[2]) === v.output };
  }
  if (v.kind === 'ctor') {
    const m = /^new (\w+)Array\(new ArrayBuffer\((\d+)\), ([^,]+), ([^)]+)\)$/.exec(v.call);
    if (!m) return null;
    const off = intArg(Number(m[3]));
    const len = m[4] === 'undefined' ? 'u' : intArg(Number(m[4]));
    if (off === null || len === null) return null;
    return { ops: [['ab', '0', '0', m[2]], ['ta', '1', m[1], '0', off, len], ['tinfo', '1']],
      check: (r) => {
        if (v.output.startsWith('ok')) {
          const [, length, byteOffset] = /length=(\d+) byteOffset=(\d+)/.exec(v.output);
          return r[1] === 'ok' && r[2].split(' ')[1] === length && r[2].split(' ')[2] === byteOffset;
        }
        return spell(r[1]) === v.output.split(':')[0];
      } };
  }
  if (v.kind === 'subarray') {
    const m = /subarray\(([^,]+), ([^)]+)\)/.exec(v.call);
    const a = m[1] === 'undefined' ? 'u' : intArg(Number(m[1]));
    const b = m[2] === 'undefined' ? 'u' : intArg(Number(m[2]));
    if (a === null || b === null) return null;
    return { ops: [['bfrom', '0', '0', '00010203040506070809'], ['sub', '1', '0', a, b], ['dump', '1']],
      check: (r) => r[1] === 'ok' && Array.from(Buffer.from(r[2].slice(2), 'hex')).join(',') === v.output };
  }
  if (v.kind === 'buffer_rw') {
    const m = /^Buffer\.alloc\((\d+)\)\.(\w+)\((.*)\)$/.exec(v.call);
    if (!m) return null;
    const [, size, method, argText] = m;
    let argv;
    try { argv = eval(`[${argText}]`); } catch (e) { return null; }
    const rw = /^(read|write)(Big)?(U?Int|UInt|Float|Double)(\d*)(LE|BE)?$/.exec(method);
    if (!rw) return null;
    const [, dir, isBig, base, bitsText, order] = rw;
    const le = order === 'LE' || (!order);
    const unsigned = base.startsWith('U');
    let fn, width;
    if (isBig) { fn = `big${unsigned ? 'u' : ''}int64${le ? 'le' : 'be'}`; width = 'u'; }
    else if (base === 'Float' || base === 'Double') { fn = `${base.toLowerCase()}${le ? 'le' : 'be'}`; width = 'u'; }
    else { fn = `${unsigned ? 'u' : ''}int${le ? 'le' : 'be'}`; width = bitsText ? String(Number(bitsText) / 8) : null; }
    const ops = [['balloc', '0', '0', size]];
    if (dir === 'read') {
      if (width === null) { width = intArg(argv[1]); if (width === null) return null; }
      const off = intArg(argv[0]); if (off === null) return null;
      ops.push(['bread', '0', fn, off, width]);
    } else {
      if (width === null) { width = intArg(argv[2]); if (width === null) return null; }
      const value = argv[0];
      if (isBig ? typeof value !== 'bigint' : typeof value !== 'number') return null;
      if (isBig && (unsigned ? value < 0n || value >= 2n ** 64n : value < -(2n ** 63n) || value >= 2n ** 63n)) return null;
      const off = intArg(argv[1]); if (off === null) return null;
      ops.push(['bwriten', '0', fn, isBig ? String(value) : fmt(value), off, width]);
    }
    ops.push(['dump', '0']);
    return { ops, check: (r) => {
      const out = r[1];
      if (out.startsWith('e ')) return v.output.startsWith(spell(out) + ':');
      if (!v.output.startsWith('returned') && /^Buffer\.alloc\(\d+\)\.read/.test(v.call) && !v.output.includes(';')) {
        return spell(out) === v.output; // the short form: just the value
      }
      const [, returned, bytes] = /^returned (.*); bytes=(.*)$/.exec(v.output) || [];
      if (returned === undefined) return spell(out) === v.output;
      const got = out.startsWith('i ') ? out.slice(2) : spell(out);
      return got === returned && r[2] === `s ${bytes}`;
    } };
  }
  if (v.kind === 'dataview') {
    const m = /\.(get|set)(\w+)\((.*)\)$/.exec(v.call);
    if (!m) return null;
    const [, dir, kind, argText] = m;
    let argv;
    try { argv = eval(`[${argText}]`); } catch (e) { return null; }
    const index = argv.length === 0 ? 'u' : intArg(argv[0]); // getUint8(): ToIndex(undefined) = 0
    if (index === null) return null;
    const ops = [['ab', '0', '0', '8'], ['dv', '1', '0', '2', '4']];
    if (dir === 'get') ops.push(['dvget', '1', kind, index, argv[1] ? '1' : '0']);
    else {
      const value = argv[1];
      ops.push(['dvset', '1', kind, index, typeof value === 'bigint' ? `${value}n` : fmt(value), argv[2] ? '1' : '0']);
    }
    return { ops, check: (r) => {
      const out = r[2];
      if (out.startsWith('e ')) return v.output.startsWith(spell(out) + ':');
      if (out === 'ok') return v.output === 'undefined';
      return spell(out) === v.output;
    } };
  }
  return null;
}

function runVectors({ runC, root }) {
  const file = path.join(root, 'tests/data/node/typed_vectors.json');
  const vectors = JSON.parse(fs.readFileSync(file, 'utf8'));
  const runnable = [];
  let skipped = 0;
  for (const v of vectors) {
    const t = translate(v);
    if (t) runnable.push({ v, t }); else skipped++;
  }
  const c = runC(runnable.map(({ t }) => t.ops));
  let offset = 0, passed = 0, failed = 0;
  const mismatches = [];
  for (const { v, t } of runnable) {
    const results = c.results.slice(offset, offset + t.ops.length);
    offset += t.ops.length;
    let ok = false;
    try { ok = t.check(results); } catch (e) { ok = false; }
    if (ok) passed++;
    else { failed++; mismatches.push(`${v.call || `${v.type}[0] = ${v.input}`}: Node ${v.output}; C ${results.join(' | ')}`); }
  }
  return { passed, failed, skipped, mismatches };
}

module.exports = { runVectors, translate };

'use strict';
// Differential harness of the buffer model: random operation programs run in C
// (tests/tools/model_driver.c, one process per batch) and in Node v20, result by result
// and error class by error class; then every applicable vector of
// tests/data/node/typed_vectors.json.
//
//   scripts/node-diff model [--seed S] [--cases N] [--ops K] [--driver PATH] [--buf PATH]
//                           [--no-vectors]
//
// N programs of about K operations each, then the programs of every regression seed
// (REGRESSION_SEEDS below: seeds that once found a bug) and every argument combination
// of buf.fill (lib/model_fill_matrix.js).  Programs allocate from every
// base backend that `buf backends` lists (buf is found next to the driver, or given with
// --buf), plus the mmap:guard variant, so a new backend is covered with no edit here.
// On a mismatch it prints the seed, the first differing operation and a minimized
// program (delta debugging over the operations); when the driver crashes, how it died,
// its stderr and the minimized crashing program.  Exits 1 on any failure; ends with
// "N passed, N failed" (operations + vectors).
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { genProgram } = require('./lib/model_gen.js');
const { runVectors } = require('./lib/model_vectors.js');
const { fillMatrixPrograms } = require('./lib/model_fill_matrix.js');

const root = path.resolve(__dirname, '..', '..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
if (args.includes('--help')) {
  console.log('usage: scripts/node-diff model [--seed S] [--cases N] [--ops K] [--driver PATH] [--buf PATH] [--no-vectors]');
  process.exit(0);
}
const seed = Number(option('--seed', String(Date.now() % 2147483647)));
const cases = Number(option('--cases', '400'));
const opsPerProgram = Number(option('--ops', '55'));
const driver = option('--driver', process.env.MODEL_DRIVER || path.join(root, 'build/tests/model_driver'));
// build/tests/model_driver -> build/buf, build/asan/tests/model_driver -> build/asan/buf.
const bufTool = option('--buf', path.join(path.dirname(driver), '..', 'buf'));
// Variants are spelled, not registered (DESIGN.md): the guard-page one runs too.
const VARIANTS = { mmap: ['mmap:guard'] };

// The backends the driver opens, by index: `buf backends` prints one base backend per
// line, name first.
function listBackends() {
  if (!fs.existsSync(driver)) {
    console.error(`model: no driver at ${driver} (run make first, or pass --driver PATH)`);
    process.exit(2);
  }
  const r = spawnSync(bufTool, ['backends'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    const why = r.error ? r.error.message : `exit status ${r.status}: ${(r.stderr || '').trim()}`;
    console.error(`model: cannot list the backends with '${bufTool} backends' (${why}); run make first, or pass --buf PATH`);
    process.exit(2);
  }
  const names = r.stdout.split('\n').map((line) => line.trim().split(/\s+/)[0]).filter((name) => name);
  if (!names.length) { console.error(`model: '${bufTool} backends' listed no backend`); process.exit(2); }
  return names.concat(...names.map((name) => VARIANTS[name] || []));
}
let backends = null; // listed once, when the first batch runs

// Never take Buffers from Node's shared 8 KiB pool: a pooled Buffer's byteOffset and
// .buffer would differ from the C model's one-ArrayBuffer-per-Buffer for no reason.
Buffer.poolSize = 0;

// ==== The JavaScript twin of every driver operation ======================================
const KINDS = {
  Int8: Int8Array, Uint8: Uint8Array, Uint8Clamped: Uint8ClampedArray, Int16: Int16Array, Uint16: Uint16Array,
  Int32: Int32Array, Uint32: Uint32Array, Float32: Float32Array, Float64: Float64Array,
  BigInt64: BigInt64Array, BigUint64: BigUint64Array,
};
// `sub` is %TypedArray%.prototype.subarray even on a Buffer (Node overrides it there;
// `bslice` tests Node's version).
const TYPED_SUBARRAY = Object.getPrototypeOf(Uint8Array.prototype).subarray;
const isBigKind = (k) => k === 'BigInt64' || k === 'BigUint64';
const kindOf = (v) => Object.keys(KINDS).find((k) => v instanceof KINDS[k]);

const u = (t) => (t === 'u' ? undefined : Number(t));
const enc = (t) => (t === 'u' ? undefined : t);
const text = (hex) => Buffer.from(hex === '-' ? '' : hex, 'hex').toString('utf8');
const bits = (x) => {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x);
  return dv.getBigUint64(0).toString(16).padStart(16, '0');
};
const num = (x) => `n ${bits(x)}`;
const hexOf = (view) => Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString('hex');

const CODES = {
  ERR_OUT_OF_RANGE: 'BUF_EOUT_OF_RANGE', ERR_BUFFER_OUT_OF_BOUNDS: 'BUF_EBUFFER_OUT_OF_BOUNDS',
  ERR_INVALID_ARG_VALUE: 'BUF_EINVALID_ARG_VALUE', ERR_UNKNOWN_ENCODING: 'BUF_EUNKNOWN_ENCODING',
  ERR_INVALID_ARG_TYPE: 'BUF_EINVALID_ARG_TYPE',
};
function statusOf(e) {
  if (e && e.code && CODES[e.code]) return CODES[e.code];
  if (e instanceof RangeError) return 'BUF_ERANGE';
  if (e instanceof TypeError) return /detached|out of bounds/i.test(e.message) ? 'BUF_EDETACHED' : 'BUF_ETYPE';
  throw e;
}
// A typed array is out of bounds when %TypedArray%.prototype.at refuses it.
function isOutOfBounds(v) {
  try { v.at(0); return false; } catch (e) { return true; }
}
// ta[i] that gives undefined: the C API names the reason.
const missing = (v) => `e ${isOutOfBounds(v) ? 'BUF_EDETACHED' : 'BUF_ERANGE'}`;

function makeState() { return { abs: [], views: [], dvs: [] }; }

// In C a Buffer IS a Uint8 view, so a Uint8Array made by `ta` takes Buffer operations:
// give it Buffer's prototype (FastBuffer is a plain Uint8Array subclass).  Any other
// kind is a misuse of the C API (BUF_EINVAL).
const NOT_A_BUFFER = Symbol('not a buffer');
function asBuffer(v) {
  if (v === undefined || v instanceof Buffer) return v;
  if (kindOf(v) !== 'Uint8') return NOT_A_BUFFER;
  Object.setPrototypeOf(v, Buffer.prototype);
  return v;
}
const BUFFER_ARGS = {
  btostr: [1], bwrite: [1], bslice: [2], bcmp: [1, 2], beq: [1, 2], bcmpr: [1, 2], bcopy: [1, 2], bread: [1], bwriten: [1],
};

function runOp(st, t) {
  const op = t[0];
  const V = (i) => st.views[Number(i)];
  const need = (...xs) => xs.every((x) => x !== undefined);
  // Every view a Buffer operation takes must be a live Uint8 view, checked first.
  const bufferArgs = (BUFFER_ARGS[op] || []).map((i) => t[i]);
  if (op === 'bidx' || op === 'bfill') { bufferArgs.push(t[1]); if (t[op === 'bidx' ? 3 : 2] === 'b') bufferArgs.push(t[op === 'bidx' ? 4 : 3]); }
  if (op === 'bconcat' && t[4] !== '-') bufferArgs.push(...t[4].split(','));
  const asBuffers = bufferArgs.map((i) => asBuffer(V(i)));
  if (asBuffers.some((b) => b === undefined)) return 'x';
  if (asBuffers.includes(NOT_A_BUFFER)) {
    if (op === 'bslice' || op === 'bconcat') delete st.views[t[1]];
    return 'e BUF_EINVAL';
  }
  try {
    switch (op) {
      case 'ab': st.abs[t[1]] = new ArrayBuffer(u(t[3])); return 'ok';
      case 'abr': st.abs[t[1]] = new ArrayBuffer(u(t[3]), { maxByteLength: u(t[4]) }); return 'ok';
      case 'resize': if (!st.abs[t[1]]) return 'x'; st.abs[t[1]].resize(u(t[2])); return 'ok';
      case 'abslice': if (!st.abs[t[2]]) return 'x'; st.abs[t[1]] = st.abs[t[2]].slice(u(t[3]), u(t[4])); return 'ok';
      case 'abinfo': { const a = st.abs[t[1]]; if (!a) return 'x'; return `i ${a.byteLength} ${a.maxByteLength} ${a.resizable ? 1 : 0}`; }
      case 'abdump': { const a = st.abs[t[1]]; if (!a) return 'x'; return `s ${Buffer.from(a).toString('hex')}`; }
      case 'abfree': delete st.abs[t[1]]; return 'ok';
      case 'ta': if (!st.abs[t[3]]) return 'x'; st.views[t[1]] = new KINDS[t[2]](st.abs[t[3]], u(t[4]), u(t[5])); return 'ok';
      case 'tanew': st.views[t[1]] = new KINDS[t[2]](u(t[4])); return 'ok';
      case 'tinfo': { const v = V(t[1]); if (!v) return 'x'; return `i ${v.length} ${v.byteOffset} ${v.byteLength}`; }
      case 'get': {
        const v = V(t[1]); if (!v) return 'x';
        if (isBigKind(kindOf(v))) return 'e BUF_ETYPE';
        const r = v[u(t[2])];
        return r === undefined ? missing(v) : num(r);
      }
      case 'set': {
        const v = V(t[1]); if (!v) return 'x';
        const i = u(t[2]); const inRange = i >= 0 && i < v.length;
        v[i] = Number(t[3]);
        return inRange ? 'ok' : missing(v);
      }
      case 'getb': {
        const v = V(t[1]); if (!v) return 'x';
        if (!isBigKind(kindOf(v))) return 'e BUF_ETYPE';
        const r = v[u(t[2])];
        return r === undefined ? missing(v) : `b ${r}`;
      }
      case 'setb': {
        const v = V(t[1]); if (!v) return 'x';
        const i = u(t[2]); const inRange = i >= 0 && i < v.length;
        v[i] = BigInt(t[3]);
        return inRange ? 'ok' : missing(v);
      }
      case 'sub': { const v = V(t[2]); if (!v) return 'x'; st.views[t[1]] = TYPED_SUBARRAY.call(v, u(t[3]), u(t[4])); return 'ok'; }
      case 'tset': { const a = V(t[1]), b = V(t[2]); if (!need(a, b)) return 'x'; a.set(b, u(t[3])); return 'ok'; }
      case 'tseta': {
        const a = V(t[1]); if (!a) return 'x';
        a.set(t[3] === '-' ? [] : t[3].split(',').map(Number), u(t[2])); return 'ok';
      }
      case 'dump': { const v = V(t[1]); if (!v) return 'x'; return `s ${hexOf(v)}`; }
      case 'free': delete st.views[t[1]]; return 'ok';
      case 'dv': if (!st.abs[t[2]]) return 'x'; st.dvs[t[1]] = new DataView(st.abs[t[2]], u(t[3]), u(t[4])); return 'ok';
      case 'dvlen': { const d = st.dvs[t[1]]; if (!d) return 'x'; return `i ${d.byteLength}`; }
      case 'dvget': {
        const d = st.dvs[t[1]]; if (!d) return 'x';
        const r = d[`get${t[2]}`](u(t[3]), t[4] === '1');
        return typeof r === 'bigint' ? `b ${r}` : num(r);
      }
      case 'dvset': {
        const d = st.dvs[t[1]]; if (!d) return 'x';
        const value = t[4].endsWith('n') ? BigInt(t[4].slice(0, -1)) : Number(t[4]);
        d[`set${t[2]}`](u(t[3]), value, t[5] === '1'); return 'ok';
      }
      case 'balloc': st.views[t[1]] = Buffer.alloc(u(t[3])); return 'ok';
      case 'ballocu': st.views[t[1]] = Buffer.allocUnsafe(u(t[3])); return 'ok';
      case 'bfrom': st.views[t[1]] = Buffer.from([...Buffer.from(t[3] === '-' ? '' : t[3], 'hex')]); return 'ok';
      case 'bfroms': st.views[t[1]] = Buffer.from(text(t[4]), enc(t[3])); return 'ok';
      case 'bfromab': if (!st.abs[t[2]]) return 'x'; st.views[t[1]] = Buffer.from(st.abs[t[2]], u(t[3]), u(t[4])); return 'ok';
      case 'btostr': { const v = V(t[1]); if (!v) return 'x'; return `s ${Buffer.from(v.toString(enc(t[2]), u(t[3]), u(t[4])), 'utf8').toString('hex')}`; }
      case 'bbytelen': return `i ${Buffer.byteLength(text(t[2]), enc(t[1]))}`;
      case 'bwrite': { const v = V(t[1]); if (!v) return 'x'; return `i ${v.write(text(t[2]), u(t[3]), u(t[4]), enc(t[5]))}`; }
      case 'bslice': { const v = V(t[2]); if (!v) return 'x'; st.views[t[1]] = v.slice(u(t[3]), u(t[4])); return 'ok'; }
      case 'bconcat': {
        const list = t[4] === '-' ? [] : t[4].split(',').map((i) => V(i));
        if (!need(...list)) return 'x';
        st.views[t[1]] = Buffer.concat(list, u(t[3])); return 'ok';
      }
      case 'bcmp': { const a = V(t[1]), b = V(t[2]); if (!need(a, b)) return 'x'; return `i ${Buffer.compare(a, b)}`; }
      case 'beq': { const a = V(t[1]), b = V(t[2]); if (!need(a, b)) return 'x'; return `i ${a.equals(b) ? 1 : 0}`; }
      case 'bcmpr': {
        const a = V(t[1]), b = V(t[2]); if (!need(a, b)) return 'x';
        return `i ${a.compare(b, u(t[3]), u(t[4]), u(t[5]), u(t[6]))}`;
      }
      case 'bidx': {
        const v = V(t[1]); if (!v) return 'x';
        const needle = t[3] === 'n' ? Number(t[4]) : t[3] === 's' ? text(t[4]) : V(t[4]);
        if (needle === undefined) return 'x';
        // Node v20 bug: a ucs2 search of a string or Buffer in a Buffer at an odd
        // byteOffset reads misaligned code units: it hangs, aborts (string_search.h
        // "Assertion failed: (i) <= (n)") or answers -2.  Nothing to compare with.
        if (t[3] !== 'n' && /^(ucs-?2|utf-?16le)$/i.test(t[6]) && v.byteOffset % 2 === 1) return 'skip';
        const method = { f: 'indexOf', l: 'lastIndexOf', i: 'includes' }[t[2]];
        const r = v[method](needle, u(t[5]), enc(t[6]));
        return `i ${typeof r === 'boolean' ? (r ? 1 : 0) : r}`;
      }
      case 'bfill': {
        const v = V(t[1]); if (!v) return 'x';
        const value = t[2] === 'n' ? Number(t[3]) : t[2] === 's' ? text(t[3]) : V(t[3]);
        if (value === undefined) return 'x';
        v.fill(value, u(t[4]), u(t[5]), enc(t[6])); return 'ok';
      }
      case 'bcopy': { const a = V(t[1]), b = V(t[2]); if (!need(a, b)) return 'x'; return `i ${a.copy(b, u(t[3]), u(t[4]), u(t[5]))}`; }
      case 'bread': {
        const v = V(t[1]); if (!v) return 'x';
        const [name, withLength] = RW_NAMES[t[2]];
        const r = withLength ? v[`read${name}`](u(t[3]), u(t[4])) : v[`read${name}`](u(t[3]));
        return typeof r === 'bigint' ? `b ${r}` : num(r);
      }
      case 'bwriten': {
        const v = V(t[1]); if (!v) return 'x';
        const [name, withLength] = RW_NAMES[t[2]];
        const value = name.startsWith('Big') ? BigInt(t[3]) : Number(t[3]);
        const r = withLength ? v[`write${name}`](value, u(t[4]), u(t[5])) : v[`write${name}`](value, u(t[4]));
        return `i ${r}`;
      }
      default: return `unknown-op ${op}`;
    }
  } catch (e) {
    // A failed creation empties its slot, as the driver does.
    if (CREATES_VIEW.has(op)) delete st.views[t[1]];
    if (CREATES_AB.has(op)) delete st.abs[t[1]];
    if (op === 'dv') delete st.dvs[t[1]];
    return `e ${statusOf(e)}`;
  }
}
const CREATES_VIEW = new Set(['ta', 'tanew', 'sub', 'balloc', 'ballocu', 'bfrom', 'bfroms', 'bfromab', 'bslice', 'bconcat']);
const CREATES_AB = new Set(['ab', 'abr', 'abslice']);
const RW_NAMES = {
  uintle: ['UIntLE', true], uintbe: ['UIntBE', true], intle: ['IntLE', true], intbe: ['IntBE', true],
  floatle: ['FloatLE', false], floatbe: ['FloatBE', false], doublele: ['DoubleLE', false], doublebe: ['DoubleBE', false],
  bigint64le: ['BigInt64LE', false], bigint64be: ['BigInt64BE', false],
  biguint64le: ['BigUInt64LE', false], biguint64be: ['BigUInt64BE', false],
};

// ==== Running and comparing =============================================================
// How the driver ended: null for a clean exit, else "exit status N" / "killed by SIGx".
const exitOf = (c) => (c.signal ? `killed by ${c.signal}` : c.status !== 0 ? `exit status ${c.status}` : null);
// The driver died (as opposed to exiting 1 after reporting leaks).
const crashed = (c) => exitOf(c) !== null && !(c.status === 1 && c.leaks.length);

// One program alone (minimizing, showing) runs with every answer flushed, so a crash
// keeps the answers before it; a batch flushes per program, which is enough to find the
// program a crash happened in and costs one write per program instead of per line.
function runC(programs) {
  if (!backends) backends = listBackends();
  const input = programs.map((p) => 'P\n' + p.map((op) => op.join(' ')).join('\n')).join('\n') + '\n';
  const driverArgs = (programs.length === 1 ? ['--flush-each'] : []).concat(backends);
  const r = spawnSync(driver, driverArgs, { input, maxBuffer: 1 << 30, encoding: 'utf8' });
  // EPIPE: the driver died before reading all its input, a crash that status and signal
  // describe.  Anything else means it could not run at all.
  if (r.error && r.error.code !== 'EPIPE') {
    console.error(`model: cannot run ${driver}: ${r.error.message} (run make first, or pass --driver PATH)`);
    process.exit(2);
  }
  const lines = (r.stdout || '').split('\n').filter((l) => l.length > 0);
  const leaks = lines.filter((l) => l.startsWith('LEAK'));
  const results = lines.filter((l) => !l.startsWith('LEAK'));
  return { results, leaks, status: r.status, signal: r.signal, stderr: r.stderr || '' };
}

function runJs(program) {
  const st = makeState();
  return program.map((op) => runOp(st, op));
}

let skippedOps = 0;
function same(c, js) {
  if (c === js) return true;
  if (js === 'skip') { skippedOps++; return true; }
  if (c && js && c.startsWith('n ') && js.startsWith('n ')) {
    const f = (s) => new DataView(new BigUint64Array([BigInt('0x' + s.slice(2))]).buffer).getFloat64(0, true);
    return Number.isNaN(f(c)) && Number.isNaN(f(js));
  }
  return false;
}

// First differing operation of one program, or -1.
function firstMismatch(program, cResults) {
  const js = runJs(program);
  for (let i = 0; i < program.length; i++) if (!same(cResults[i], js[i])) return i;
  return -1;
}

// The kind of report a sanitizer, UBSan or BUF_ASSERT left on stderr (no addresses or
// values, so it survives minimizing), or ''.
function crashKind(stderr) {
  const m = /(ERROR: \w+Sanitizer: [\w-]+|runtime error: [a-z -]+|assertion failed: [^(\n]*)/.exec(stderr);
  return m ? m[1].trim() : '';
}

// What a failure looks like: the differing operation and both answers, or how the
// driver died.  Minimizing keeps this signature, so it cannot wander off to another bug.
function failureSignature(program) {
  const c = runC([program]);
  if (crashed(c)) return `driver ${exitOf(c)}${crashKind(c.stderr) ? `, ${crashKind(c.stderr)}` : ''}`;
  if (exitOf(c)) return `driver ${exitOf(c)} ${c.leaks.join(' ')}`;
  const at = firstMismatch(program, c.results);
  if (at < 0) return null;
  return `${program[at].join(' ')} | ${c.results[at]} | ${runJs(program)[at]}`;
}

// Delta debugging, one operation at a time, until no single removal keeps the failure.
function minimize(program) {
  const signature = failureSignature(program);
  const programFails = (candidate) => failureSignature(candidate) === signature;
  let current = program.slice();
  let changed = true;
  let runs = 0;
  while (changed && runs < 400) {
    changed = false;
    for (let i = current.length - 1; i >= 0 && runs < 400; i--) {
      const candidate = current.slice(0, i).concat(current.slice(i + 1));
      runs++;
      if (programFails(candidate)) { current = candidate; changed = true; }
    }
  }
  return current;
}

function showProgram(program) {
  const c = runC([program]).results;
  const js = runJs(program);
  return program.map((op, i) => {
    if (i >= c.length) return `  ${op.join(' ').padEnd(48)} C: (no answer: the driver died)`;
    return `  ${op.join(' ').padEnd(48)} C: ${c[i]}${same(c[i], js[i]) ? '' : `   Node: ${js[i]}   <-- differs`}`;
  }).join('\n');
}

// A driver's stderr, indented, up to a sanitizer's SUMMARY line (its shadow-byte map
// says nothing more to a reader) and at most 30 lines.
function stderrHead(text) {
  const lines = text.trim().split('\n');
  const summary = lines.findIndex((l) => l.startsWith('SUMMARY:'));
  return lines.slice(0, Math.min(summary >= 0 ? summary + 1 : lines.length, 30)).map((l) => `    ${l}`).join('\n');
}

// The driver died in the middle of a batch.  It flushes its answers at every program
// boundary, so the first program with missing answers is the one it was running (or,
// if that one passes alone, the one before, whose release ran last).  Reports how it
// died and its stderr, then shrinks the program as for a mismatch.
function reportCrash(name, programs, c, rerunOf) {
  let offset = 0, at = programs.length - 1;
  for (let p = 0; p < programs.length; p++) {
    if (offset + programs[p].length > c.results.length) { at = p; break; }
    offset += programs[p].length;
  }
  console.log(`CRASH ${name}: model_driver ${exitOf(c)} in program ${at} of ${programs.length}`);
  if (c.stderr.trim()) console.log(`  driver stderr:\n${stderrHead(c.stderr)}`);
  const alone = [at, at - 1].find((p) => p >= 0 && crashed(runC([programs[p]])));
  if (alone === undefined) {
    console.log(`  program ${at} does not crash on its own: the crash needs the programs before it (rerun: ${rerunOf(at)})`);
    return;
  }
  const small = minimize(programs[alone]);
  console.log(`minimal crashing program (${small.length} operations, from program ${alone}: ${failureSignature(small)};` +
    ` rerun: ${rerunOf(alone)}):`);
  console.log(showProgram(small));
}

// Runs a batch of programs through the driver and Node, compares every answer, prints
// the first mismatch (minimized) or the crash, and returns the counts.  rerunOf(p) says
// how to run program p again.
function runBatch(name, programs, rerunOf) {
  let passed = 0, failed = 0, operations = 0;
  const c = runC(programs);
  const died = crashed(c);
  if (c.stderr && !died) process.stderr.write(c.stderr);
  let offset = 0;
  let reported = 0;
  let unanswered = 0;
  for (let p = 0; p < programs.length; p++) {
    const program = programs[p];
    const slice = c.results.slice(offset, offset + program.length);
    offset += program.length;
    if (slice.length < program.length) { unanswered++; continue; } // the driver died before answering
    operations += program.length;
    const at = firstMismatch(program, slice);
    if (at < 0) { passed += program.length; continue; }
    failed += 1; passed += program.length - 1;
    if (reported++ < 1) {
      const js = runJs(program);
      console.log(`MISMATCH ${name} program ${p} op ${at}: ${program[at].join(' ')}\n  C:    ${slice[at]}\n  Node: ${js[at]}`);
      const small = minimize(program);
      console.log(`minimal failing program (${small.length} operations; rerun: ${rerunOf(p)}):`);
      console.log(showProgram(small));
    }
  }
  if (died) {
    reportCrash(name, programs, c, rerunOf);
    failed += 1;
  } else if (c.leaks.length) {
    console.log(`LEAKS in the C model:\n  ${c.leaks.join('\n  ')}`);
    failed += c.leaks.length;
  }
  const notRun = unanswered ? ` (${unanswered} programs not run: the driver died)` : '';
  console.log(`model: ${operations} operations in ${programs.length - unanswered} programs: ${passed} passed, ${failed} failed` +
    ` (${skippedOps} of the passed hit a Node bug and were not compared)${notRun}`);
  skippedOps = 0;
  return { passed, failed };
}

// Seeds that once found a bug, each with the number of programs that reaches it (and the
// program length it was found with): every run replays them besides the fresh seed, so
// a fixed bug stays fixed.  Add a line when a seed finds a bug.
const REGRESSION_SEEDS = [
  // buf.fill('a', undefined, 3, 'binary') on an out-of-bounds Buffer: a string resolves
  // the omitted offset to (0, buf.length) and returns before TypedArray.prototype.fill.
  { seed: 825803572, cases: 845, ops: 55 },
];

// Runs `cases` programs of one seed through the driver and Node; prints the first
// mismatch (minimized) and returns the counts.
// The random programs of one seed.
function runSeed(label, programSeed, programCount, programOps) {
  console.log(`model: ${label} ${programSeed}, ${programCount} programs of ~${programOps} operations, driver ${path.relative(root, driver)}`);
  if (!backends) backends = listBackends();
  const programs = [];
  for (let p = 0; p < programCount; p++) programs.push(genProgram(programSeed, p, programOps, backends.length));
  const rerunOf = (p) => `scripts/node-diff model --seed ${programSeed} --cases ${p + 1} --ops ${programOps}`;
  return runBatch(`seed ${programSeed}`, programs, rerunOf);
}

function main() {
  let passed = 0, failed = 0;
  const add = (r) => { passed += r.passed; failed += r.failed; };
  add(runSeed('seed', seed, cases, opsPerProgram));
  for (const r of REGRESSION_SEEDS) add(runSeed('regression seed', r.seed, r.cases, r.ops));
  const fills = fillMatrixPrograms();
  console.log(`model: fill matrix, ${fills.length} programs (every argument combination of buf.fill)`);
  add(runBatch('fill matrix', fills, (p) => `program ${p} of tests/node/lib/model_fill_matrix.js (any scripts/node-diff model run)`));
  if (!args.includes('--no-vectors')) {
    const v = runVectors({ runC, same, root });
    console.log(`vectors: ${v.passed} passed, ${v.failed} failed, ${v.skipped} skipped (no C form)`);
    for (const m of v.mismatches.slice(0, 5)) console.log(`  VECTOR MISMATCH ${m}`);
    passed += v.passed; failed += v.failed;
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

module.exports = { runOp, makeState, statusOf };
if (require.main === module) main();

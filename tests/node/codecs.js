#!/usr/bin/env node
// codecs — Node differential test of bufbench's codecs (impls/codec*.c).
//
//   scripts/node-diff codecs [--seed S] [--cases N] [--convert-cases M] [--driver PATH]
//   scripts/node-diff codecs --vectors [FILE]
//
// Random mode generates random and adversarial inputs for every (from, to) pair of
// {raw, utf8, utf16le, latin1, ascii, hex, base64, base64url}: N cases for each encode
// (raw -> E) and decode (E -> raw), M for each conversion A -> B.  Node computes every
// expected value in this process (DESIGN.md's contract, text side UTF-8); the C side is
// tests/tools/codec_driver, run once per batch.  Each decode case also checks
// Buffer.byteLength and the strict-mode offset (against an independent determination
// in JS, see strictOffset below).  A mismatch is shrunk to a minimal input and printed
// with the seed; the last line is "N passed, N failed"; the exit status is 1 on any failure.
//
// Vectors mode runs every vector of tests/data/node/vectors.json (Node v20.20, copied from
// ../shared/node), classified by its `api` field; vectors without a C form (a lone
// surrogate in input_js cannot be UTF-8 text) are skipped and counted.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { randomInt } = require('crypto');
const gen = require('./lib/codecs_gen.js');

const ROOT = path.resolve(__dirname, '..', '..');
const ENCODINGS = gen.ENCODINGS;

// ---- Command line ----------------------------------------------------------------------
function usage(out) {
  out.write(`usage: scripts/node-diff codecs [--seed S] [--cases N] [--convert-cases M]
                                 [--driver PATH] [--batch B] [--max-failures F]
       scripts/node-diff codecs --vectors [FILE] [--driver PATH]
  --seed S           PRNG seed (decimal or 0x hex, < 2^32); fresh and printed if omitted
  --cases N          cases per encoding and direction (raw->E, E->raw); default 1000
  --convert-cases M  cases per conversion A->B between two encodings; default N/5
  --driver PATH      C driver (default build/tests/codec_driver; the sanitizer build is
                     build/asan/tests/codec_driver)
  --batch B          cases per driver run (default 20000)
  --max-failures F   failures shrunk and printed in full (default 5)
  --vectors [FILE]   run the Node v20 vectors instead (default tests/data/node/vectors.json)
`);
}

function parseArgs(argv) {
  const opts = { seed: null, cases: 1000, convertCases: null, driver: path.join(ROOT, 'build/tests/codec_driver'),
    batch: 20000, maxFailures: 5, vectors: null };
  const number = (flag, text) => {
    if (text === undefined || !/^(0x[0-9a-f]+|[0-9]+)$/i.test(text)) die(`${flag} needs a non-negative integer, got '${text}'`);
    return Number(text);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') { usage(process.stdout); process.exit(0); }
    else if (arg === '--seed') opts.seed = number(arg, argv[++i]) >>> 0;
    else if (arg === '--cases') opts.cases = number(arg, argv[++i]);
    else if (arg === '--convert-cases') opts.convertCases = number(arg, argv[++i]);
    else if (arg === '--driver') opts.driver = path.resolve(argv[++i] || die('--driver needs a path'));
    else if (arg === '--batch') opts.batch = Math.max(1, number(arg, argv[++i]));
    else if (arg === '--max-failures') opts.maxFailures = number(arg, argv[++i]);
    else if (arg === '--vectors') opts.vectors = (argv[i + 1] && !argv[i + 1].startsWith('--')) ? path.resolve(argv[++i])
      : path.join(ROOT, 'tests/data/node/vectors.json');
    else die(`unknown option '${arg}' (try --help)`);
  }
  if (opts.convertCases === null) opts.convertCases = Math.ceil(opts.cases / 5);
  if (opts.seed === null) opts.seed = randomInt(0, 0xFFFFFFFF);
  return opts;
}

function die(message) {
  process.stderr.write(`node-diff codecs: ${message}\n`);
  process.exit(2);
}

// ---- Node's answers (the contract of DESIGN.md, computed by Node itself) ------------------
// encode E: Buffer.from(b.toString(E), 'utf8'); decode E: Buffer.from(Buffer.from(t).toString('utf8'), E)
function nodeConvert(from, to, input) {
  try {
    const bytes = from === 'raw' ? input : Buffer.from(input.toString('utf8'), from);
    return { ok: to === 'raw' ? bytes : Buffer.from(bytes.toString(to), 'utf8') };
  } catch (error) {
    if (error.code === 'ERR_UNKNOWN_ENCODING') return { err: 'BUF_EUNKNOWN_ENCODING' };
    throw error;
  }
}

// ---- Strict offsets, determined independently of the C code ------------------------------
// The text's code points come from V8's own UTF-8 decoder; a U+FFFD that is not a literal
// EF BF BD in the text is the first ill-formed subpart.  Byte offsets are exact up to that
// point and Infinity after it (every later offset is larger, so only the minimum matters).
function codeUnitsWithOffsets(text) {
  const string = text.toString('utf8');
  const units = [];
  let offset = 0, firstInvalid = Infinity;
  for (const char of string) {
    const cp = char.codePointAt(0);
    const at = offset;
    if (offset !== Infinity) {
      const literal = cp !== 0xFFFD || (text[offset] === 0xEF && text[offset + 1] === 0xBF && text[offset + 2] === 0xBD);
      if (!literal) { firstInvalid = offset; offset = Infinity; }
      else offset += Buffer.byteLength(char, 'utf8');
    }
    for (let i = 0; i < char.length; i++) units.push({ unit: char.charCodeAt(i), offset: at });
  }
  return { string, units, firstInvalid };
}

const SEXTET = (() => {
  const table = new Map();
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  for (let i = 0; i < 62; i++) table.set(alphabet.charCodeAt(i), i);
  for (const [c, v] of [['+', 62], ['-', 62], ['/', 63], ['_', 63]]) table.set(c.charCodeAt(0), v);
  return table;
})();

function strictOffset(encoding, text) {
  const { string, units, firstInvalid } = codeUnitsWithOffsets(text);
  const length = text.length;
  let bad = firstInvalid;
  const consider = offset => { if (offset < bad) bad = offset; };
  switch (gen.canonical(encoding)) {
    case 'utf8': case 'utf16le': break;
    case 'latin1': case 'ascii': {
      const max = gen.canonical(encoding) === 'latin1' ? 0xFF : 0x7F;
      const first = units.find(u => u.unit > max);
      if (first) consider(first.offset);
      break;
    }
    case 'hex': {
      // Node itself says how many pairs it took; the first unit it did not take is lost.
      const pairs = Buffer.from(string, 'hex').length;
      if (2 * pairs < units.length) consider(units[2 * pairs].offset);
      const truncated = units.slice(0, 2 * pairs).find(u => u.unit >= 0x80);
      if (truncated) consider(truncated.offset);
      break;
    }
    case 'base64': case 'base64url': {
      const stop = units.findIndex(u => (u.unit & 0xFF) === 0x3D);
      const before = stop < 0 ? units : units.slice(0, stop);
      const data = before.filter(u => SEXTET.has(u.unit & 0xFF));
      const lost = before.find(u => !SEXTET.has(u.unit & 0xFF) || u.unit >= 0x80);
      if (lost) consider(lost.offset);
      const rest = data.length % 4, last = data[data.length - 1];
      const unusedBits = rest === 2 ? 0x0F : rest === 3 ? 0x03 : 0;
      if (rest === 1 || (last && (SEXTET.get(last.unit & 0xFF) & unusedBits))) consider(last.offset);
      else if (stop >= 0) {
        if (units[stop].unit !== 0x3D || rest === 0) consider(units[stop].offset);
        else {
          const tail = units.slice(stop);
          const allowed = 4 - rest;
          const wrong = tail.findIndex((u, j) => j >= allowed || u.unit !== 0x3D);
          if (wrong >= 0) consider(tail[wrong].offset);
        }
      }
      if (bad === Infinity) {
        // Self-check against Node: strict text must be what Node re-encodes, up to the
        // alphabet and the padding.
        const canon = s => s.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
        if (canon(Buffer.from(string, 'base64').toString('base64')) !== canon(string))
          throw new Error(`harness self-check: strict base64 ${JSON.stringify(string)} does not round-trip in Node`);
      }
      break;
    }
    default: throw new Error(`no strict rule for ${encoding}`);
  }
  return bad === Infinity ? length : bad;
}

// ---- The C driver ----------------------------------------------------------------------
function runDriver(driver, lines) {
  const result = spawnSync(driver, [], { input: lines.join('\n') + '\n', encoding: 'latin1', maxBuffer: 1 << 30 });
  if (result.error) die(`cannot run ${driver}: ${result.error.message} (build it with 'make')`);
  if (result.status !== 0) {
    process.stderr.write(result.stderr);
    die(`${driver} exited with status ${result.status}${result.signal ? ' (signal ' + result.signal + ')' : ''}`);
  }
  const answers = result.stdout.split('\n');
  answers.pop();
  if (answers.length !== lines.length) die(`${driver} answered ${answers.length} of ${lines.length} requests`);
  return answers;
}

// A case: { from, to, fromName, toName, input: Buffer }.  Returns, per case, null (pass) or
// a description of the first mismatch.
function evaluate(driver, cases) {
  const lines = [], plans = [];
  for (const c of cases) {
    const hex = c.input.toString('hex');
    const checks = [];
    const expected = nodeConvert(c.fromName, c.toName, c.input);
    checks.push({ what: 'convert', want: expected.ok ? 'ok ' + expected.ok.toString('hex') : 'err ' + expected.err });
    lines.push(`C ${c.fromName} ${c.toName} ${hex}`);
    if (c.from !== 'raw' && expected.ok) {
      const offset = strictOffset(c.from, c.input);
      checks.push({ what: 'strict offset', want: offset === c.input.length ? `ok ${offset}` : `strict ${offset}` });
      lines.push(`S ${c.fromName} ${hex}`);
      checks.push({ what: 'byteLength', want: `ok ${Buffer.byteLength(c.input.toString('utf8'), c.fromName)}` });
      lines.push(`L ${c.fromName} ${hex}`);
    }
    plans.push(checks);
  }
  const answers = runDriver(driver, lines);
  let next = 0;
  return plans.map(checks => {
    let failure = null;
    for (const check of checks) {
      const got = answers[next++];
      if (!failure && got !== check.want) failure = { what: check.what, want: check.want, got };
    }
    return failure;
  });
}

// ---- Shrinking -------------------------------------------------------------------------
// Delta debugging, greedily: remove chunks (half the input first, down to single bytes),
// restarting from the largest chunks after every success; then replace bytes by 'A'.
// Each step's candidates go to the driver in one run.
function shrink(driver, failing) {
  let current = failing;
  const firstFailing = candidates => {
    if (!candidates.length) return null;
    const cases = candidates.map(candidate => ({ ...current, input: candidate }));
    const results = evaluate(driver, cases);
    const index = results.findIndex(r => r !== null);
    return index < 0 ? null : { ...cases[index], failure: results[index] };
  };
  for (let steps = 0; steps < 400; steps++) {
    const input = current.input;
    let smaller = null;
    for (let size = Math.max(1, input.length >> 1); size >= 1 && !smaller; size = size === 1 ? 0 : size >> 1) {
      const candidates = [];
      for (let start = 0; start < input.length; start += size)
        candidates.push(Buffer.concat([input.subarray(0, start), input.subarray(start + size)]));
      smaller = firstFailing(candidates);
    }
    if (!smaller) {
      const candidates = [];
      for (let i = 0; i < input.length; i++)
        if (input[i] !== 0x41) { const b = Buffer.from(input); b[i] = 0x41; candidates.push(b); }
      smaller = firstFailing(candidates);
    }
    if (!smaller) break;
    current = smaller;
  }
  return current;
}

function shellBytes(buffer) {
  return "printf '" + Array.from(buffer, b => '\\x' + b.toString(16).padStart(2, '0')).join('') + "'";
}

function report(seed, c) {
  const f = c.failure;
  const lines = [
    `FAIL seed=${seed} ${c.from}->${c.to} (names '${c.fromName}' -> '${c.toName}'), check: ${f.what}`,
    `  minimal input (${c.input.length} bytes): ${c.input.toString('hex') || '(empty)'}  as text: ${JSON.stringify(c.input.toString('utf8'))}`,
    `  node: ${f.want.length > 400 ? f.want.slice(0, 400) + '...' : f.want}`,
    `  C:    ${f.got.length > 400 ? f.got.slice(0, 400) + '...' : f.got}`,
  ];
  if (f.what === 'convert')
    lines.push(`  reproduce: ${shellBytes(c.input)} | build/buf convert --from ${c.fromName} --to ${c.toName} | od -An -tx1`);
  console.log(lines.join('\n'));
}

// ---- Random mode -----------------------------------------------------------------------
function randomMode(opts) {
  const rng = gen.makeRng(opts.seed);
  console.log(`codecs: seed ${opts.seed} (rerun: scripts/node-diff codecs --seed ${opts.seed} --cases ${opts.cases}` +
    ` --convert-cases ${opts.convertCases}), driver ${path.relative(ROOT, opts.driver)}`);
  const started = Date.now();
  // The pairs: raw->E (encode), E->raw (decode), A->B (convert), then the encoding names.
  const pairs = [];
  for (const e of ENCODINGS) pairs.push({ from: 'raw', to: e, count: opts.cases });
  for (const e of ENCODINGS) pairs.push({ from: e, to: 'raw', count: opts.cases });
  for (const a of ENCODINGS) for (const b of ENCODINGS) pairs.push({ from: a, to: b, count: opts.convertCases });
  const tally = new Map();
  let passed = 0, failed = 0, printed = 0, pending = [];
  const flush = () => {
    if (!pending.length) return;
    const results = evaluate(opts.driver, pending);
    results.forEach((failure, i) => {
      const c = pending[i], key = `${c.from}->${c.to}`;
      const t = tally.get(key) || { passed: 0, failed: 0 };
      if (failure === null) { passed++; t.passed++; } else {
        failed++; t.failed++;
        if (printed++ < opts.maxFailures) report(opts.seed, shrink(opts.driver, { ...c, failure }));
      }
      tally.set(key, t);
    });
    pending = [];
  };
  for (const pair of pairs) {
    for (let i = 0; i < pair.count; i++) {
      const input = pair.from === 'raw' ? gen.bytesInput(rng, pair.to) : gen.textInput(rng, pair.from);
      pending.push({ from: pair.from, to: pair.to, fromName: gen.spelling(rng, pair.from),
        toName: gen.spelling(rng, pair.to), input });
      if (pending.length >= opts.batch) flush();
    }
  }
  // Encoding names: Node's Buffer.isEncoding decides, C must agree (aliases, case, near misses).
  for (const name of gen.nameProbes(rng))
    pending.push({ from: 'raw', to: 'names', fromName: 'raw', toName: name, input: Buffer.from('A') });
  flush();
  if (failed > opts.maxFailures) console.log(`(${failed - opts.maxFailures} more failures not shown)`);
  const row = key => { const t = tally.get(key); return t ? (t.failed ? `${t.passed}/${t.failed}F` : `${t.passed}`) : '-'; };
  const columns = ['raw', ...ENCODINGS];
  console.log(`cases per pair (rows from, columns to; nF = failures), ${((Date.now() - started) / 1000).toFixed(1)} s:`);
  console.log('  ' + ''.padEnd(10) + columns.map(c => c.padStart(10)).join(''));
  for (const from of columns)
    console.log('  ' + from.padEnd(10) + columns.map(to => row(`${from}->${to}`).padStart(10)).join(''));
  console.log(`  encoding names: ${row('raw->names')}`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0;
}

// ---- Vectors mode ----------------------------------------------------------------------
function vectorsMode(opts) {
  const vectors = JSON.parse(fs.readFileSync(opts.vectors, 'utf8'));
  const cases = [], skipped = {}, classes = {};
  const skip = why => { skipped[why] = (skipped[why] || 0) + 1; };
  for (const v of vectors) {
    let m;
    if ((m = /^Buffer\.from\(input_hex,'hex'\)\.toString\('([^']+)'\)$/.exec(v.api))) {
      // bytes -> string: our encode; the text side is the string written as UTF-8
      cases.push({ kind: 'encode', from: 'raw', to: m[1], fromName: 'raw', toName: m[1], input: Buffer.from(v.input_hex, 'hex'),
        want: 'ok ' + Buffer.from(v.output_str, 'utf8').toString('hex'), vector: v });
    } else if ((m = /^Buffer\.from\(input_js,'([^']+)'\)$/.exec(v.api))) {
      // string -> bytes: our decode, if the string has a UTF-8 form
      if (!v.input_js.isWellFormed()) { skip('lone surrogate in input_js (no UTF-8 text form)'); continue; }
      const text = Buffer.from(v.input_js, 'utf8');
      cases.push({ kind: 'decode', from: m[1], to: 'raw', fromName: m[1], toName: 'raw', input: text, want: 'ok ' + v.output_hex, vector: v });
      if (v.byteLength !== undefined)
        cases.push({ kind: 'byteLength', from: m[1], fromName: m[1], input: text, want: `ok ${v.byteLength}`, vector: v });
    } else {
      skip(`unknown api ${v.api}`);
    }
  }
  const lines = cases.map(c => c.kind === 'byteLength' ? `L ${c.fromName} ${c.input.toString('hex')}`
    : `C ${c.fromName} ${c.toName} ${c.input.toString('hex')}`);
  const answers = runDriver(opts.driver, lines);
  let passed = 0, failed = 0;
  const byVector = new Map();
  cases.forEach((c, i) => {
    classes[`${c.kind} ${gen.canonical(c.kind === 'encode' ? c.to : c.from)}`] =
      (classes[`${c.kind} ${gen.canonical(c.kind === 'encode' ? c.to : c.from)}`] || 0) + 1;
    const ok = answers[i] === c.want;
    byVector.set(c.vector, (byVector.get(c.vector) ?? true) && ok);
    if (!ok && failed++ < opts.maxFailures + 20)
      console.log(`FAIL vector ${c.kind} ${c.fromName}->${c.toName || ''} note=${JSON.stringify(c.vector.note || '')}\n` +
        `  input ${c.input.toString('hex') || '(empty)'}\n  node: ${c.want}\n  C:    ${answers[i]}`);
  });
  for (const ok of byVector.values()) if (ok) passed++;
  const skippedTotal = Object.values(skipped).reduce((a, b) => a + b, 0);
  const vectorFailures = byVector.size - passed;
  console.log(`vectors: ${vectors.length} in ${path.relative(ROOT, opts.vectors)}; ${byVector.size} run, ${skippedTotal} skipped`);
  for (const [k, n] of Object.entries(classes).sort()) console.log(`  ${k.padEnd(24)} ${n} checks`);
  for (const [k, n] of Object.entries(skipped)) console.log(`  skipped: ${n} × ${k}`);
  console.log(`${passed} passed, ${vectorFailures} failed`);
  return vectorFailures === 0;
}

const opts = parseArgs(process.argv.slice(2));
if (!fs.existsSync(opts.driver)) die(`${opts.driver} not found: run 'make' first`);
process.exitCode = (opts.vectors ? vectorsMode(opts) : randomMode(opts)) ? 0 : 1;

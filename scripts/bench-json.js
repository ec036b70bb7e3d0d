#!/usr/bin/env node
// bench-json.js — the JSON side of scripts/bench-run.sh (Node 20: python3 is not on
// every machine, Node is).  Every subcommand reads and writes Google Benchmark JSON:
//
//   normalize IN OUT [--subject-suffix @mimalloc --allocator mimalloc]
//       moves Google Benchmark's name suffixes (/real_time, /manual_time, /threads:N,
//       /repeats:N, /iterations:N, /min_time:S) into fields, so `name` means the same
//       thing in every run; `run_name` keeps what Google Benchmark called the row.  With
//       --subject-suffix, the subject (second component) becomes e.g. malloc@mimalloc.
//   merge OUT IN...            one results file: the first file's context block (plus the
//       run's context from the environment, BENCH_CTX_*), every file's rows in order.
//   callgrind OUT DIR CONTEXT_JSON   one row per callgrind dump "bench NAME iterations=N"
//       in DIR: time fields hold instructions per iteration (time_unit "instructions").
//   summary FILE               the ratio summary (time ratios: below 1 is faster).
//   context FILE KEY           prints one field of the context block.
//   check FILE --backends "a b" --repetitions N    the test stage's checks.
'use strict';
const fs = require('fs');
const path = require('path');

// ---- Names ----------------------------------------------------------------------------
// Google Benchmark's own suffixes, as it appends them to a registered name (1.7.1).
const SUFFIXES = [
  [/^real_time$/, (row) => { row.timing = 'real'; }],
  [/^manual_time$/, (row) => { row.timing = 'manual'; }],
  [/^threads:(\d+)$/, (row, m) => { row.threads = Number(m[1]); }],
  [/^repeats:(\d+)$/, (row, m) => { row.repeats = Number(m[1]); }],
  [/^iterations:(\d+)$/, (row, m) => { row.fixed_iterations = Number(m[1]); }],
  [/^min_time:([\d.]+)$/, (row, m) => { row.min_time = Number(m[1]); }],
  [/^min_warmup_time:([\d.]+)$/, (row, m) => { row.min_warmup_time = Number(m[1]); }],
];

// The run name without suffixes; the suffixes' meaning written into row.
function stripSuffixes(runName, row) {
  const parts = runName.split('/');
  while (parts.length > 1) {
    const last = parts[parts.length - 1];
    const rule = SUFFIXES.find(([re]) => re.test(last));
    if (!rule) break;
    rule[1](row, last.match(rule[0]));
    parts.pop();
  }
  return parts.join('/');
}

function withSubjectSuffix(name, suffix) {
  const parts = name.split('/');
  const at = parts[0] === 'node' ? 2 : 1;
  if (parts.length > at) parts[at] += suffix;
  return parts.join('/');
}

function normalizeRow(row, options) {
  const runName = row.run_name || row.name;
  const out = { ...row };
  if (!out.timing) out.timing = 'cpu';
  let base = stripSuffixes(runName, out);
  if (options.subjectSuffix) {
    base = withSubjectSuffix(base, options.subjectSuffix);
    out.run_name = withSubjectSuffix(runName, options.subjectSuffix);
  } else {
    out.run_name = runName;
  }
  if (options.allocator) out.allocator = options.allocator;
  out.name = row.run_type === 'aggregate' && row.aggregate_name ? `${base}_${row.aggregate_name}` : base;
  return out;
}

// ---- Files ---------------------------------------------------------------------------
// Google Benchmark writes a value it cannot compute (the coefficient of variation of an
// all-zero counter: 0 / 0) as a bare NaN or inf, which JSON does not have: null here.
function readJson(file) {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return JSON.parse(text.replace(/(:\s*)-?(NaN|nan|Infinity|inf)\b/g, '$1null'));
  } catch (error) {
    throw new Error(`bench-json: cannot read ${file}: ${error.message}`);
  }
}
function writeJson(file, value) { fs.writeFileSync(file, JSON.stringify(value, null, 2) + '\n'); }

// The run's own context, from the BENCH_CTX_* variables bench-run.sh sets.
function runContext() {
  const context = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('BENCH_CTX_')) continue;
    const field = key.slice('BENCH_CTX_'.length).toLowerCase();
    context[field] = field === 'backends' ? value.split('\n').filter(Boolean) : value;
  }
  return context;
}

// ---- normalize / merge -----------------------------------------------------------------
function cmdNormalize(args) {
  const [input, output, ...rest] = args;
  const options = {};
  for (let i = 0; i < rest.length; i += 2) {
    if (rest[i] === '--subject-suffix') options.subjectSuffix = rest[i + 1];
    else if (rest[i] === '--allocator') options.allocator = rest[i + 1];
    else throw new Error(`bench-json normalize: unknown option ${rest[i]}`);
  }
  const results = readJson(input);
  results.benchmarks = (results.benchmarks || []).map((row) => normalizeRow(row, options));
  writeJson(output, results);
}

function cmdMerge(args) {
  const [output, ...inputs] = args;
  const merged = { context: {}, benchmarks: [] };
  inputs.forEach((file, index) => {
    const results = readJson(file);
    if (index === 0) merged.context = results.context || {};
    merged.benchmarks.push(...(results.benchmarks || []));
  });
  Object.assign(merged.context, runContext());
  writeJson(output, merged);
}

// ---- callgrind -------------------------------------------------------------------------
// A dump's header has "desc: Trigger: Client Request: bench NAME iterations=N" and its
// "totals: IR" line (the events the shim let callgrind see: the timed batches only).
function cmdCallgrind(args) {
  const [output, dir, contextFile] = args;
  const context = contextFile && fs.existsSync(contextFile) ? readJson(contextFile).context || {} : {};
  // Each benchmark ran twice, N and 2N iterations (bench/shim.cc): the per-iteration count is
  // (Ir(2N) - Ir(N)) / N, so the fixed costs of a run cancel.  A lone dump counts as is.
  const runs = new Map(); // name -> [{iterations, instructions}]
  for (const file of fs.readdirSync(dir).sort(byDumpNumber)) {
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    const label = text.match(/^desc: Trigger: Client Request: bench (\S+) iterations=(\d+)$/m);
    const totals = text.match(/^totals:\s+(\d+)/m);
    if (!label || !totals) continue;
    if (!runs.has(label[1])) runs.set(label[1], []);
    runs.get(label[1]).push({ iterations: Number(label[2]), instructions: Number(totals[1]) });
  }
  const rows = [];
  for (const [name, measured] of runs) {
    measured.sort((a, b) => a.iterations - b.iterations);
    const small = measured[0], large = measured[measured.length - 1];
    const perIteration = large.iterations > small.iterations
      ? (large.instructions - small.instructions) / (large.iterations - small.iterations)
      : large.instructions / large.iterations;
    rows.push({
      name, run_name: name, run_type: 'iteration', repetitions: 1, repetition_index: 0,
      threads: 1, iterations: large.iterations - (measured.length > 1 ? small.iterations : 0),
      real_time: perIteration, cpu_time: perIteration, time_unit: 'instructions', timing: 'callgrind',
      instructions: large.instructions, fixed_instructions: Math.max(0, large.instructions - perIteration * large.iterations),
    });
  }
  if (rows.length === 0) throw new Error(`bench-json callgrind: no "bench NAME" dumps in ${dir}`);
  context.callgrind = 'instructions per iteration in the timed batches: runs of N and 2N iterations, real_time = cpu_time = (Ir(2N) - Ir(N)) / N';
  Object.assign(context, runContext());
  writeJson(output, { context, benchmarks: rows });
}
function byDumpNumber(a, b) {
  const number = (name) => Number((name.match(/\.(\d+)$/) || [0, 0])[1]);
  return number(a) - number(b) || a.localeCompare(b);
}

// ---- Times per name ----------------------------------------------------------------------
const UNIT_NS = { ns: 1, us: 1e3, ms: 1e6, s: 1e9, instructions: 1 };

// name -> median time of its repetitions (ns, or instructions under callgrind).
function medianTimes(results) {
  const samples = new Map();
  for (const row of results.benchmarks || []) {
    if (row.run_type === 'aggregate' || row.error_occurred) continue;
    const useReal = row.timing === 'real' || row.timing === 'manual' || row.name.startsWith('node/');
    const time = (useReal ? row.real_time : row.cpu_time) * (UNIT_NS[row.time_unit] || 1);
    if (!Number.isFinite(time) || time <= 0) continue;
    if (!samples.has(row.name)) samples.set(row.name, []);
    samples.get(row.name).push(time);
  }
  const medians = new Map();
  for (const [name, times] of samples) {
    times.sort((a, b) => a - b);
    const mid = times.length >> 1;
    medians.set(name, times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2);
  }
  return medians;
}

// ---- summary -----------------------------------------------------------------------------
// Each rule compares a family's rows with a reference row of the same parameters:
// ref(parts) returns the candidate reference names for family/subject/params.
function summaryRules(times) {
  const names = [...times.keys()];
  // Node has no backends: its mirror of family/BACKEND/params may be node/family/params or
  // node/family/<its own subject>/params.
  const nodeFor = (family, params) => names.filter((n) => {
    const p = n.split('/');
    return p[0] === 'node' && p[1] === family &&
      (p.slice(2).join('/') === params.join('/') || p.slice(3).join('/') === params.join('/'));
  });
  return [
    { family: 'alloc_pair', against: 'malloc', skip: (s) => s === 'malloc', ref: (f, s, p) => [`${f}/malloc/${p.join('/')}`] },
    { family: 'alloc_pair', against: 'baseline_freelist_fnptr', ref: (f, s, p) => [`baseline_freelist_fnptr/${p.join('/')}`] },
    { family: 'stream_file', against: 'baseline_read', ref: (f, s, p) => [`baseline_read/${p.join('/')}`] },
    { family: 'stream_file', against: 'node', ref: (f, s, p) => nodeFor(f, p) },
    // the mmap backend maps every chunk: its floor reads into a fresh mapping per chunk
    { family: 'stream_file', against: 'baseline_read_mmap', skip: (s) => s !== 'mmap', ref: (f, s, p) => [`baseline_read_mmap/${p.join('/')}`] },
    { family: 'stream_pipe', against: 'baseline_memcpy_pipe', ref: (f, s, p) => [`baseline_memcpy_pipe/${p.join('/')}`] },
    { family: 'stream_lines', against: 'baseline_wc_l', ref: () => ['baseline_wc_l'] },
    { family: 'stream_lines', against: 'node', ref: (f, s, p) => nodeFor(f, p) },
    // the same work with block reuse on (malloc only): the same references, and Node's
    // mirror of the family without reuse (fs.ReadStream allocates a Buffer per read)
    { family: 'stream_pipe_reuse', against: 'baseline_memcpy_pipe', ref: (f, s, p) => [`baseline_memcpy_pipe/${p.join('/')}`] },
    { family: 'stream_lines_reuse', against: 'baseline_wc_l', ref: () => ['baseline_wc_l'] },
    { family: 'stream_lines_reuse', against: 'node', ref: (f, s, p) => nodeFor('stream_lines', p) },
    { family: 'codec', against: 'node', ref: (f, s, p) => [`node/${f}/${s}/${p.join('/')}`] },
    { family: 'codec', against: 'baseline_memcpy', ref: (f, s, p) => [`baseline_memcpy/${p[p.length - 1]}`] },
  ];
}

function geomean(values) { return Math.exp(values.reduce((sum, v) => sum + Math.log(v), 0) / values.length); }
function fmt(ratio) { return ratio >= 10 ? ratio.toFixed(0) : ratio >= 1 ? ratio.toFixed(2) : ratio.toPrecision(2); }

function cmdSummary(args) {
  const results = readJson(args[0]);
  const times = medianTimes(results);
  const lines = [];
  for (const rule of summaryRules(times)) {
    // One line per family/subject/leading params (codec/utf8/decode), over the last
    // param (the size).
    const bySubject = new Map(); // label -> ratios
    for (const [name, time] of times) {
      const [family, subject, ...params] = name.split('/');
      if (family !== rule.family || subject === undefined || (rule.skip && rule.skip(subject))) continue;
      const ref = rule.ref(family, subject, params).find((n) => times.has(n));
      if (!ref) continue;
      const label = [subject, ...params.slice(0, -1)].join('/');
      if (!bySubject.has(label)) bySubject.set(label, []);
      bySubject.get(label).push(time / times.get(ref));
    }
    for (const [subject, ratios] of bySubject) {
      const low = Math.min(...ratios), high = Math.max(...ratios);
      lines.push(`  ${rule.family.padEnd(18)} ${subject.padEnd(22)} ${fmt(geomean(ratios)).padStart(6)}x ` +
        `${rule.against.padEnd(24)} (geomean of ${ratios.length} sizes, ${fmt(low)}-${fmt(high)})`);
    }
  }
  const callgrind = (results.benchmarks || []).some((r) => r.time_unit === 'instructions');
  console.log(`ratio summary (median ${callgrind ? 'instructions' : 'time'} of the repetitions; ` +
    'row / reference, below 1 is faster):');
  if (lines.length === 0) console.log('  (no row has its reference in this run: nothing to compare)');
  else console.log(lines.join('\n'));
  const shim = ['shim_overhead/c_batch', 'shim_overhead/cxx_native'].map((n) => times.get(n));
  if (shim.every((t) => t !== undefined)) {
    const unit = callgrind ? 'instructions' : 'ns';
    console.log(`  shim overhead: c_batch ${shim[0].toFixed(3)} ${unit} vs cxx_native ${shim[1].toFixed(3)} ${unit} ` +
      `per iteration (difference ${(shim[0] - shim[1]).toFixed(3)} ${unit})`);
  }
}

// ---- check (the test stage) --------------------------------------------------------------
// DESIGN.md: family/subject/param..., baseline_<what>/param..., node/ + a C name; no
// Google Benchmark suffix left in a name.
const NAME_PATTERN = /^(node\/)?(baseline_[a-z0-9_]+(\/[A-Za-z0-9_.:=+@-]+)*|[a-z][a-z0-9_]*\/[A-Za-z0-9_.+@-]+(\/[A-Za-z0-9_.:=+@-]+)*)$/;

// Families that run on one backend by design: FAMILY_reuse is FAMILY with block reuse on,
// where the backend is asked for ~no block per chunk (bench/family_stream.c).
const runsOneBackend = (family) => family.endsWith('_reuse');

function cmdCheck(args) {
  const file = args[0];
  let backends = [];
  let repetitions = 1;
  for (let i = 1; i < args.length; i += 2) {
    if (args[i] === '--backends') backends = args[i + 1].split(/\s+/).filter(Boolean);
    else if (args[i] === '--repetitions') repetitions = Number(args[i + 1]);
    else throw new Error(`bench-json check: unknown option ${args[i]}`);
  }
  const rows = (readJson(file).benchmarks || []).filter((r) => r.run_type !== 'aggregate');
  let passed = 0, failed = 0;
  const check = (ok, what) => {
    if (ok) passed++; else { failed++; console.log(`bench: FAIL ${what}`); }
  };
  check(rows.length > 0, 'the run has rows');

  const badNames = rows.filter((r) => !NAME_PATTERN.test(r.name) || r.name.split('/').some((p) => SUFFIXES.some(([re]) => re.test(p))));
  check(badNames.length === 0, `names follow DESIGN.md (family/subject/param...): ${[...new Set(badNames.map((r) => r.name))].slice(0, 5).join(', ')}`);

  const errors = rows.filter((r) => r.error_occurred);
  check(errors.length === 0, `no row has an error: ${errors.slice(0, 5).map((r) => `${r.name}: ${r.error_message}`).join('; ')}`);

  for (const name of ['shim_overhead/c_batch', 'shim_overhead/cxx_native'])
    check(rows.some((r) => r.name === name), `the shim row ${name} exists`);

  const counts = new Map();
  for (const r of rows) counts.set(r.name, (counts.get(r.name) || 0) + 1);
  const short = [...counts].filter(([, n]) => n < repetitions);
  check(short.length === 0, `every row has its ${repetitions} repetitions: ${short.slice(0, 5).map(([n, c]) => `${n} has ${c}`).join(', ')}`);

  // A backend family: a C family with a base backend as the subject of some row.
  const families = new Map(); // family -> subjects
  for (const r of rows) {
    const [family, subject] = r.name.split('/');
    if (family === 'node' || subject === undefined) continue;
    if (!families.has(family)) families.set(family, new Set());
    families.get(family).add(subject);
  }
  for (const [family, subjects] of families) {
    if (![...subjects].some((s) => backends.includes(s)) || runsOneBackend(family)) continue;
    const missing = backends.filter((b) => !subjects.has(b));
    check(missing.length === 0, `the backend family ${family} runs every base backend: missing ${missing.join(', ')}`);
  }
  console.log(`bench: ${rows.length} rows, ${counts.size} names, ${families.size} families checked`);
  console.log(`bench: ${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 ? 0 : 1;
}

// ---- Main ----------------------------------------------------------------------------------
// ---- context: one field of a results file's context block -----------------------------------
function cmdContext(args) {
  const [file, key] = args;
  const value = (readJson(file).context || {})[key];
  console.log(value === undefined ? '' : String(value));
}

const commands = { normalize: cmdNormalize, context: cmdContext, merge: cmdMerge, callgrind: cmdCallgrind, summary: cmdSummary, check: cmdCheck };
const [command, ...rest] = process.argv.slice(2);
if (command === '-h' || command === '--help') {
  // The header comment, without its comment markers.
  const header = fs.readFileSync(__filename, 'utf8').split('\n').slice(1);
  console.log(header.slice(0, header.findIndex((line) => !line.startsWith('//'))).map((line) => line.replace(/^\/\/ ?/, '')).join('\n'));
  process.exit(0);
}
if (!commands[command]) {
  console.error(`usage: bench-json.js {${Object.keys(commands).join('|')}} ...`);
  process.exit(2);
}
try {
  commands[command](rest);
} catch (error) {
  console.error(error.message);
  process.exit(1);
}

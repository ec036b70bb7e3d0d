// measure — the timing harness of the Node rows: warm-up, calibration, repetitions.
//
// A row supplies a body(n) that runs n iterations of the measured operation in its own loop
// and returns a checksum or { checksum, ... } (a promise of it for the stream rows).  The
// harness times whole calls of body with process.hrtime.bigint() around them, never a single
// operation, so the clock's cost and resolution vanish against the loop.  Per row:
//   1. warm-up: body runs with growing n until `warmup` seconds are spent (V8 compiles the
//      hot loop with its optimizing tier; a stream row reads its file once, warming the
//      page cache);
//   2. repetitions, each preceded by a full GC outside the timed region: body(n) runs with
//      the count carried over from the warm-up or the repetition before; a run shorter than
//      min_time is discarded and n grown as Google Benchmark grows it (x min_time*1.4/elapsed,
//      x10 while the run is under a tenth of min_time), so EVERY repetition lasts >= min_time
//      even when V8 optimizes the loop (or a loaded machine lets it run) faster than the
//      calibration saw.  The first repetition does the calibration.
// Checksums are summed into a module-wide sink that run.js prints in the context, so no
// body's result is dead.
'use strict';
const v8 = require('v8');
const vm = require('vm');

const MAX_ITERATIONS = 1e9;          // Google Benchmark's kMaxIterations
const CALIBRATION_HEADROOM = 1.4;    // Google Benchmark's multiplier over min_time
const INSIGNIFICANT_FRACTION = 0.1;  // a run under min_time/10 only predicts "x10"

let checksumSink = 0;
function checksum() { return checksumSink; }

// ---- Garbage collection between repetitions -------------------------------------------
// global.gc exists under `node --expose-gc` (the runner passes it).  Without it, V8 still
// accepts the flag at run time and a fresh context then sees gc; if even that fails the
// repetitions run without a GC in between, and the context says so.
function findGc() {
  if (typeof global.gc === 'function') return { collect: global.gc, how: '--expose-gc' };
  try {
    v8.setFlagsFromString('--expose-gc');
    const collect = vm.runInNewContext('gc');
    if (typeof collect === 'function') return { collect, how: 'v8.setFlagsFromString' };
  } catch (error) { /* fall through: no GC between repetitions */ }
  return { collect: null, how: 'unavailable' };
}
const gc = findGc();

// ---- One timed run ---------------------------------------------------------------------
// Real time from the monotonic clock; CPU time is the process's (user + system, as
// process.cpuUsage gives it: Node 20 has no per-thread figure), so it includes V8's
// background GC threads and, for file reads, libuv's thread pool.
async function timedRun(body, iterations) {
  const cpuBefore = process.cpuUsage();
  const start = process.hrtime.bigint();
  let result = body(iterations);
  if (result instanceof Promise) result = await result;
  const stop = process.hrtime.bigint();
  const cpu = process.cpuUsage(cpuBefore);
  const value = typeof result === 'number' ? result : result.checksum;
  checksumSink = (checksumSink + value) % 2 ** 48;
  return { iterations, realNs: Number(stop - start), cpuNs: (cpu.user + cpu.system) * 1000, result };
}

function nextIterations(iterations, seconds, minTime) {
  const significant = seconds / minTime > INSIGNIFICANT_FRACTION;
  const multiplier = significant ? (minTime * CALIBRATION_HEADROOM) / Math.max(seconds, 1e-9) : 10;
  return Math.min(MAX_ITERATIONS, Math.max(Math.ceil(iterations * multiplier), iterations + 1));
}

// ---- A row: warm-up, then calibrated repetitions -----------------------------------------
// `measured` = { body, check(result, iterations) -> error message or null }.
// Returns [{ iterations, realNs, cpuNs }, ...], one per repetition, or throws with the
// check's message.
async function measure(measured, { minTime, warmup, repetitions }) {
  const { body, check } = measured;
  const verified = async (iterations) => {
    const run = await timedRun(body, iterations);
    const problem = check ? check(run.result, run.iterations) : null;
    if (problem) throw new Error(problem);
    return run;
  };

  let iterations = 1, spent = 0, last;
  do {
    last = await verified(iterations);
    spent += last.realNs / 1e9;
    iterations = Math.min(MAX_ITERATIONS, iterations * 2);
  } while (spent < warmup);

  // The first guess aims 20% over min time at the last warm-up run's pace.  A single
  // iteration that already lasted min time (a pass over a 256 MiB file in 1 KiB chunks
  // takes seconds) gives n = 1 at once.
  const lastSeconds = Math.max(last.realNs / 1e9, 1e-9);
  iterations = Math.min(MAX_ITERATIONS, Math.max(1, Math.ceil((minTime * 1.2 * last.iterations) / lastSeconds)));

  const runs = [];
  while (runs.length < repetitions) {
    if (gc.collect) gc.collect();
    const run = await verified(iterations);
    const seconds = run.realNs / 1e9;
    if (seconds >= minTime || iterations >= MAX_ITERATIONS) runs.push(run);
    else iterations = nextIterations(iterations, seconds, minTime);
  }
  return runs;
}

module.exports = { measure, checksum, gcMethod: gc.how };

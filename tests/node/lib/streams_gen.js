// streams_gen.js — random inputs for the stream suites (tests/node/streams.js): a seeded
// generator and files rich in what splits or joins lines and chunks: \r, \n, \r\n, \r at
// the end, long lines, empty lines, UTF-8 (multi-byte sequences that chunk boundaries cut).
'use strict';

// mulberry32: small, seedable, the same sequence on every machine.
function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  next.int = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)); // inclusive
  next.pick = (list) => list[Math.floor(next() * list.length)];
  return next;
}

const pieces = ['\n', '\r', '\r\n', '\n\r', '\r\r\n', 'a', 'line', ' ', 'é', '€', '😀', '\u0000', '\xff'];

// A Buffer of random text: a mix of short pieces, now and then a long line.
function randomText(random, maxLength) {
  const parts = [];
  let length = 0;
  const target = random.int(0, maxLength);
  while (length < target) {
    let part;
    const roll = random();
    if (roll < 0.03) part = Buffer.alloc(random.int(100, Math.max(100, maxLength / 4)), 'L'); // longer than most chunks
    else if (roll < 0.05) part = Buffer.from([random.int(0x80, 0xff)]); // a stray byte (not UTF-8)
    else part = Buffer.from(random.pick(pieces), 'utf8');
    parts.push(part);
    length += part.length;
  }
  return Buffer.concat(parts);
}

module.exports = { rng, randomText };

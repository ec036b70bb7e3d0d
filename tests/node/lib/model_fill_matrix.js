'use strict';
// Every way to call buf.fill, over the Buffers where the order of _fill()'s steps shows
// (impls/model/buffer_fill.c): out of bounds (a resizable ArrayBuffer shrunk below the
// Buffer), empty, length-tracking and plain; each kind of value (numbers, text in several
// encodings, Buffer patterns, empty ones included) with every combination of omitted,
// in-range, past-the-end and negative offset and end, and omitted, known and unknown
// encodings.  A fixed batch of programs in the driver's language that model.js runs
// like the random ones (about 6,600 programs, 53,000 operations).

// Slot 7 is the Buffer under test; slots 8 and 9 are an empty and a two-byte pattern.
const SETUPS = {
  'out of bounds': [['abr', '1', '0', '8', '16'], ['bfromab', '7', '1', '2', '4'], ['resize', '1', '1']],
  empty: [['balloc', '7', '0', '0']],
  'length-tracking': [['abr', '1', '0', '8', '16'], ['bfromab', '7', '1', '2', 'u'], ['resize', '1', '5']],
  plain: [['balloc', '7', '0', '4']],
};
const PATTERNS = [['balloc', '8', '0', '0'], ['bfrom', '9', '0', '6162']];
// [mode, value]: n a number, s hex of UTF-8 text ('-' is ''), b a Buffer slot.
const VALUES = [
  ['n', '97'], ['n', '300'],
  ['s', '-'], ['s', '61'], ['s', '616263'], ['s', '7a7a'], ['s', 'c3a9'], ['s', 'c480'], ['s', 'ff'],
  ['b', '8'], ['b', '9'],
];
const POSITIONS = ['u', '0', '2', '4', '5', '-1'];
const ENCODINGS = ['u', 'utf8', 'hex', 'latin1', 'ucs2', 'bogus'];

function fillMatrixPrograms() {
  const programs = [];
  for (const setup of Object.values(SETUPS))
    for (const [mode, value] of VALUES)
      for (const offset of POSITIONS)
        for (const end of POSITIONS)
          for (const encoding of mode === 's' ? ENCODINGS : ['u'])
            programs.push([...setup, ...PATTERNS, ['bfill', '7', mode, value, offset, end, encoding], ['dump', '7'],
              ['abdump', '1']]);
  return programs;
}

module.exports = { fillMatrixPrograms };

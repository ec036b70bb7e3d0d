// Seeds for corpus/backend_ops: one program per backend id and variant (see
// fuzz/backend_ops.c for the opcode layout, fuzz/fuzz_backend.h for the selector).
const { emit } = require('./emit');

const ALLOC = 0, CALLOC = 5, FREE = 6, REWRITE = 10, BAD = 12, REMOTE = 13, CHECK = 14;
const le = (value, width) => Array.from({ length: width }, (_, i) => (value >>> (8 * i)) & 0xff);
// size kinds: [kind, operand bytes] so the program says what it allocates
const size = {
  zero: [0], small: n => [1, n - 1], medium: n => [3, ...le(n - 65, 2)],
  pageplus: n => [5, ...le(n - 4097, 2)], large: n => [6, ...le(n - 65537, 4)], edge: i => [7, i],
};
const align = shift => [shift]; // 0 = default, k = 1 << (k - 1)
const alloc = (s, a, seed, op = ALLOC) => [op, ...s, ...align(a), seed];

const programs = {
  small: [
    ...alloc(size.small(1), 0, 1), ...alloc(size.small(8), 4, 2), ...alloc(size.small(64), 5, 3),
    ...alloc(size.zero, 0, 4), ...alloc(size.small(24), 1, 5), ...alloc(size.small(33), 13, 6),
    REWRITE, 1, 77, FREE, 0, CHECK, REMOTE, 1, ...alloc(size.small(17), 0, 9, CALLOC), FREE, 2, CHECK,
  ],
  medium: [
    ...alloc(size.medium(100), 0, 1), ...alloc(size.medium(4096), 13, 2), ...alloc(size.pageplus(8193), 6, 3),
    ...alloc(size.edge(13), 0, 4), ...alloc(size.edge(4), 0, 5), FREE, 1, REMOTE, 0,
    ...alloc(size.medium(2000), 9, 6, CALLOC), REWRITE, 0, 5, CHECK,
  ],
  large: [
    ...alloc(size.large(100000), 0, 1), ...alloc(size.large(262144), 13, 2), ...alloc(size.pageplus(65536), 0, 3),
    FREE, 0, ...alloc(size.large(70000), 0, 4, CALLOC), CHECK, REMOTE, 0,
  ],
  bad: [BAD, 0, 0, BAD, 3, 5, BAD, 0x80, BAD, 0x85, ...alloc(size.small(10), 0, 1), BAD, 1, 0, FREE, 0],
  churn: [].concat(...Array.from({ length: 40 }, (_, i) =>
    i % 3 === 2 ? [FREE, i] : alloc(i % 2 ? size.small(1 + (i * 7) % 64) : size.medium(65 + i * 97), i % 8, i))),
};

const selectors = [];
for (const id of [0, 1, 2, 3]) {
  selectors.push([id]);                      // plain
  selectors.push([id | 0x10]);               // :guard where the backend accepts it
  selectors.push([id | 0x20, 4, 7, 0]);      // fail(7, 0.25)
}
for (const selector of selectors)
  for (const [name, program] of Object.entries(programs))
    if (name !== 'large' || (selector[0] & 0x20) === 0 || (selector[0] & 0x0f) === 2)
      emit('backend_ops', [...selector, ...program]);
emit('backend_ops', [0x23, 16, 1, 0, ...programs.small]); // fail(1, 1.0): every alloc fails

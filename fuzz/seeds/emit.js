// Writes one seed file corpus/<target>/<sha1 of contents> (content-addressed, so
// regenerating is idempotent).
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

function emit(target, bytes) {
  const data = Buffer.from(bytes);
  const dir = path.join(__dirname, '..', '..', 'corpus', target);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, crypto.createHash('sha1').update(data).digest('hex')), data);
}

module.exports = { emit };

// Computes golden MACs with the exact verification snippet from the WMS
// documentation, so emitter tests compare against an independent HMAC.
// Regenerate with: node golden.js > golden.json
const fs = require('fs');
const macSecret = fs.readFileSync(__dirname + '/golden-secret.txt', 'utf8').trim();
const out = [];
for (const name of ['seed-example.json', 'escaped-non-ascii.json', 'empty.json', 'raw-utf8.json']) {
  const requestBody = fs.readFileSync(__dirname + '/' + name);
  const hmac = require('crypto').createHmac('sha256', macSecret);
  hmac.update(requestBody.toString(), 'ascii');
  const expectedContentHmac = 'hmac-sha256=' + hmac.digest('hex');
  out.push({ file: name, mac: expectedContentHmac });
}
console.log(JSON.stringify(out, null, 2));

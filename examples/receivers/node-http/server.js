// A WMS webhook receiver with Node.js's own http module: no dependencies.
//
//   WMS_MAC_SECRET=... PORT=8080 node server.js
//
// Environment: WMS_MAC_SECRET (required), PORT (8080), HOST (127.0.0.1;
// 0.0.0.0 in a container), EVENTS_FILE (events.jsonl).
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');

const SECRET = process.env.WMS_MAC_SECRET;
const PORT = Number(process.env.PORT || 8080);
const HOST = process.env.HOST || '127.0.0.1';
const EVENTS_FILE = process.env.EVENTS_FILE || 'events.jsonl';
const PATH = '/webhook';
// An event is a few hundred bytes; the cap keeps one client from filling
// the memory with a huge body.
const MAX_BODY = 64 * 1024;

if (!SECRET) {
  console.error('server.js: set WMS_MAC_SECRET to the MAC secret of your Config ID');
  process.exit(2);
}

// The duplicate index: "sessionId\u0000sequence" -> sha256 of the body
// first stored. In production this is a UNIQUE (session_id, sequence)
// index in your database. It is rebuilt from the events file at start, so
// a redelivery after a restart is still a duplicate.
const seen = new Map();
const keyOf = (e) => `${e.sessionId}\u0000${e.sequence}`;
if (fs.existsSync(EVENTS_FILE)) {
  for (const line of fs.readFileSync(EVENTS_FILE, 'utf8').split('\n')) {
    try {
      const l = JSON.parse(line);
      seen.set(keyOf(l.event), l.sha256);
    } catch {
      // An empty or torn last line: that event was never acknowledged, so
      // WMS sends it again.
    }
  }
}
const fd = fs.openSync(EVENTS_FILE, 'a');

// verify checks the X-WMS-Content-MAC header against the RAW body bytes.
// Never over JSON.stringify(JSON.parse(body)): re-serialising changes
// whitespace, key order and escapes, and the MAC no longer matches.
function verify(header, raw) {
  const want = Buffer.from('hmac-sha256=' + crypto.createHmac('sha256', SECRET).update(raw).digest('hex'));
  // A missing header is a refusal, not a reason to skip the check.
  const got = Buffer.from(typeof header === 'string' ? header : '');
  // Compare the whole value, scheme included, in constant time: never ===,
  // never startsWith (an empty or truncated digest is a prefix of the right
  // one). timingSafeEqual needs equal lengths; the length is no secret.
  return got.length === want.length && crypto.timingSafeEqual(got, want);
}

// envelopeError says why a parsed body is not a WMS event, or ''.
function envelopeError(e) {
  if (e === null || typeof e !== 'object' || Array.isArray(e)) return 'the body is not a JSON object';
  // isSafeInteger: past 2^53 two different numbers parse to the same one.
  if (!Number.isSafeInteger(e.timestamp)) return 'timestamp must be an integer';
  if (typeof e.sessionId !== 'string' || e.sessionId === '') return 'sessionId must be a string';
  // Sequences start at 0: `if (!e.sequence)` would refuse the first event.
  if (!Number.isSafeInteger(e.sequence) || e.sequence < 0) return 'sequence must be an integer >= 0';
  if (typeof e.event !== 'string') return 'event must be a string';
  if (typeof e.severity !== 'string') return 'severity must be a string';
  // Unknown events, severities and fields are fine: WMS may add them.
  return '';
}

function answer(res, status, body, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

// processEvent is the real work (update a measurement, notify someone). It
// runs after the answer: WMS waits for the answer, so do slow work later.
function processEvent(event) {
  if (event.event === 'RESULTS_RECEIVED') {
    console.log(`results ready: session ${event.sessionId}, measurement ${event.payload?.measurementId}`);
  }
}

function deliver(req, res, raw) {
  if (!verify(req.headers['x-wms-content-mac'], raw)) {
    // 401, not 400: a signature problem is not a bad body.
    return answer(res, 401, { error: 'bad or missing X-WMS-Content-MAC' });
  }
  let event;
  try {
    // fatal: invalid UTF-8 is refused, not turned into U+FFFD.
    event = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
  } catch {
    return answer(res, 400, { error: 'the body is not JSON' }); // never a 500
  }
  const why = envelopeError(event);
  if (why) return answer(res, 400, { error: why });

  // Verify first, then deduplicate: otherwise a forged body under a known
  // (sessionId, sequence) would be acknowledged as a redelivery.
  const key = keyOf(event);
  const sha256 = crypto.createHash('sha256').update(raw).digest('hex');
  const first = seen.get(key);
  if (first !== undefined) {
    // A redelivery: answer 2xx again (a 409 makes WMS think it was lost),
    // and do not store or process it twice. A validly signed different body
    // under the same key is a sender fault: keep the first, log it.
    if (first !== sha256) console.warn(`changed redelivery of ${event.sessionId}#${event.sequence}: first body kept`);
    return answer(res, 200, { verdict: 'duplicate' });
  }
  // Store before answering, durably: a 200 tells WMS not to send it again.
  // (Synchronous calls keep the check and the write together; for high
  // volumes use a database.)
  fs.writeSync(fd, JSON.stringify({ receivedAt: new Date().toISOString(), sha256, event }) + '\n');
  fs.fsyncSync(fd);
  seen.set(key, sha256);
  answer(res, 200, { verdict: 'accepted' });
  setImmediate(processEvent, event);
}

const server = http.createServer((req, res) => {
  if (req.url.split('?')[0] !== PATH) return answer(res, 404, { error: `deliveries go to ${PATH}` });
  if (req.method !== 'POST') return answer(res, 405, { error: 'POST only' }, { Allow: 'POST' });
  // Refuse a body announced too large before reading it, and stop reading
  // one that turns out too large.
  const tooLarge = () => answer(res, 413, { error: `body over ${MAX_BODY} bytes` }, { Connection: 'close' });
  if (Number(req.headers['content-length']) > MAX_BODY) return tooLarge();
  const chunks = [];
  let size = 0;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size > MAX_BODY) {
      if (!res.headersSent) tooLarge();
      req.destroy();
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    try {
      deliver(req, res, Buffer.concat(chunks));
    } catch (err) {
      console.error('cannot store the event:', err.message);
      answer(res, 503, { error: 'the event could not be stored: retry later' });
    }
  });
});

server.listen(PORT, HOST, () => console.log(`listening on http://${HOST}:${server.address().port}${PATH}`));

process.on('SIGTERM', () => {
  // Finish the requests in flight, then close the events file.
  server.close(() => {
    fs.closeSync(fd);
    process.exit(0);
  });
  server.closeIdleConnections();
});

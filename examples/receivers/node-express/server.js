// A WMS webhook receiver with Express: the MAC is verified over the raw
// body, which Express's usual setup throws away.
//
//   npm ci && WMS_MAC_SECRET=... PORT=8080 node server.js
//
// Environment: WMS_MAC_SECRET (required), PORT (8080), HOST (127.0.0.1;
// 0.0.0.0 in a container), EVENTS_FILE (events.jsonl).
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const express = require('express');

const SECRET = process.env.WMS_MAC_SECRET;
const PORT = Number(process.env.PORT || 8080);
const HOST = process.env.HOST || '127.0.0.1';
const EVENTS_FILE = process.env.EVENTS_FILE || 'events.jsonl';
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
      // An empty or torn last line: never acknowledged, so WMS resends it.
    }
  }
}
const fd = fs.openSync(EVENTS_FILE, 'a');

function verify(header, raw) {
  const want = Buffer.from('hmac-sha256=' + crypto.createHmac('sha256', SECRET).update(raw).digest('hex'));
  // A missing header is a refusal, not a reason to skip the check.
  const got = Buffer.from(typeof header === 'string' ? header : '');
  // The whole value, scheme included, in constant time: never ===, never
  // startsWith (an empty or truncated digest is a prefix of the right one).
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

// processEvent is the real work (update a measurement, notify someone). It
// runs after the answer: WMS waits for the answer, so do slow work later.
function processEvent(event) {
  if (event.event === 'RESULTS_RECEIVED') {
    console.log(`results ready: session ${event.sessionId}, measurement ${event.payload?.measurementId}`);
  }
}

const app = express();
app.disable('x-powered-by');

// THE TRAP: with app.use(express.json()) in front, req.body is a parsed
// object, and HMAC(JSON.stringify(req.body)) differs from WMS's MAC as soon
// as the sender's whitespace, key order or escapes differ from
// JSON.stringify's. Worse, express.json answers a body that does not parse
// before your code has checked who sent it.
//
// THE RIGHT WAY: mount express.raw on this route only, for any Content-Type
// or none (type: () => true), so req.body is the Buffer WMS signed. Any
// app.use(express.json()) must come AFTER this route, or it eats the body
// first. If express.json must stay global and first, keep the bytes with
// its verify callback,
//   app.use(express.json({ verify: (req, res, buf) => { req.rawBody = buf; } }))
// and verify req.rawBody; but it still parses (and refuses) before you
// verify, and skips bodies whose Content-Type is not JSON.
app.post('/webhook', express.raw({ type: () => true, limit: MAX_BODY }), (req, res) => {
  // With no body at all req.body is not a Buffer.
  const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  if (!verify(req.get('X-WMS-Content-MAC'), raw)) {
    // 401, not 400: a signature problem is not a bad body.
    return res.status(401).json({ error: 'bad or missing X-WMS-Content-MAC' });
  }
  let event;
  try {
    // fatal: invalid UTF-8 is refused, not turned into U+FFFD.
    event = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
  } catch {
    return res.status(400).json({ error: 'the body is not JSON' }); // never a 500
  }
  const why = envelopeError(event);
  if (why) return res.status(400).json({ error: why });

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
    return res.status(200).json({ verdict: 'duplicate' });
  }
  // Store before answering, durably: a 200 tells WMS not to send it again.
  fs.writeSync(fd, JSON.stringify({ receivedAt: new Date().toISOString(), sha256, event }) + '\n');
  fs.fsyncSync(fd);
  seen.set(key, sha256);
  res.status(200).json({ verdict: 'accepted' });
  setImmediate(processEvent, event);
});

// Other methods on the webhook: 405, not Express's 404 (or a catch-all 200).
app.all('/webhook', (req, res) => res.set('Allow', 'POST').status(405).json({ error: 'POST only' }));

// express.raw's errors (413 over the limit, 400 for a broken upload) carry
// their status; anything else is ours, 500, and WMS retries it.
app.use((err, req, res, next) => {
  const status = err.status || 500;
  if (status >= 500) console.error('webhook error:', err.message);
  res.status(status).json({ error: status === 413 ? `body over ${MAX_BODY} bytes` : 'could not handle the request' });
});

const server = app.listen(PORT, HOST, () => console.log(`listening on http://${HOST}:${server.address().port}/webhook`));

process.on('SIGTERM', () => {
  // Finish the requests in flight, then close the events file.
  server.close(() => {
    fs.closeSync(fd);
    process.exit(0);
  });
  server.closeIdleConnections();
});

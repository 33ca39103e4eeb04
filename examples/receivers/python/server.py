#!/usr/bin/env python3
"""A WMS webhook receiver with Python's standard library only.

    WMS_MAC_SECRET=... PORT=8080 python3 server.py

Environment: WMS_MAC_SECRET (required), PORT (8080), HOST (127.0.0.1;
0.0.0.0 in a container), EVENTS_DB (events.db, an SQLite file).
"""
import hashlib
import hmac
import json
import os
import queue
import signal
import sqlite3
import sys
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET = os.environ.get("WMS_MAC_SECRET", "").encode()
PORT = int(os.environ.get("PORT", "8080"))
HOST = os.environ.get("HOST", "127.0.0.1")
EVENTS_DB = os.environ.get("EVENTS_DB", "events.db")
PATH = "/webhook"
# An event is a few hundred bytes; the cap keeps one client from filling
# the memory with a huge body.
MAX_BODY = 64 * 1024
if not SECRET:
    sys.exit("server.py: set WMS_MAC_SECRET to the MAC secret of your Config ID")

# One connection for every thread, behind a lock. isolation_level=None is
# autocommit and synchronous=FULL syncs each commit: an INSERT is on disk
# when execute returns. WAL makes that one sync, not several. The primary
# key is the duplicate index, so it survives restarts.
db = sqlite3.connect(EVENTS_DB, check_same_thread=False, isolation_level=None)
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA synchronous=FULL")
db.execute("""CREATE TABLE IF NOT EXISTS events (
    session_id TEXT NOT NULL, sequence INTEGER NOT NULL,
    event TEXT NOT NULL, received_at TEXT NOT NULL, body BLOB NOT NULL,
    PRIMARY KEY (session_id, sequence))""")
db_lock = threading.Lock()
work = queue.Queue()


def verify(header, raw):
    """Checks X-WMS-Content-MAC against the RAW body bytes.

    Never over json.dumps(json.loads(body)): re-serialising changes
    whitespace, key order and escapes, and the MAC no longer matches.
    """
    want = b"hmac-sha256=" + hmac.new(SECRET, raw, hashlib.sha256).hexdigest().encode()
    # A missing header is a refusal, not a reason to skip the check. Compare
    # the whole value, scheme included, in constant time: never ==, never
    # startswith (an empty or truncated digest is a prefix of the right one).
    # Bytes, since compare_digest raises TypeError on a non-ASCII str.
    return hmac.compare_digest((header or "").encode("latin-1"), want)


def envelope_error(e):
    """Says why a parsed body is not a WMS event, or returns ""."""
    def is_int(v):
        return isinstance(v, int) and not isinstance(v, bool)  # True is an int
    if not isinstance(e, dict):  # null, 42, "x" and [...] parse too
        return "the body is not a JSON object"
    if not is_int(e.get("timestamp")):
        return "timestamp must be an integer"
    if not isinstance(e.get("sessionId"), str) or not e["sessionId"]:
        return "sessionId must be a string"
    # Sequences start at 0: `if not e.get("sequence")` would refuse the first
    # event. SQLite's INTEGER holds 64 bits.
    if not is_int(e.get("sequence")) or not 0 <= e["sequence"] < 1 << 63:
        return "sequence must be an integer >= 0"
    if not isinstance(e.get("event"), str) or not isinstance(e.get("severity"), str):
        return "event and severity must be strings"
    # Unknown events, severities and fields are fine: WMS may add them.
    return ""


def store(event, raw):
    """Stores the event once per (sessionId, sequence); True if it is new."""
    with db_lock:
        cur = db.execute("INSERT OR IGNORE INTO events VALUES (?, ?, ?, ?, ?)",
                         (event["sessionId"], event["sequence"], event["event"],
                          datetime.now(timezone.utc).isoformat(), raw))
        if cur.rowcount == 1:
            return True
        (first,) = db.execute("SELECT body FROM events WHERE session_id = ? AND sequence = ?",
                              (event["sessionId"], event["sequence"])).fetchone()
    if first != raw:
        # A validly signed different body under a known key is a sender
        # fault: keep the first, log it, and still acknowledge.
        print(f"changed redelivery of {event['sessionId']}#{event['sequence']}: first body kept",
              file=sys.stderr, flush=True)
    return False


def process_events():
    """The real work (update a measurement, notify someone), after the answer:
    WMS waits for the answer, so do slow work later."""
    while (event := work.get()) is not None:
        if event["event"] == "RESULTS_RECEIVED":
            measurement = (event.get("payload") or {}).get("measurementId")
            print(f"results ready: session {event['sessionId']}, measurement {measurement}", flush=True)


class Server(ThreadingHTTPServer):
    daemon_threads = False  # so that server_close() waits for requests in flight
    # The default listen backlog of 5 drops connections when many sessions
    # deliver at once, and each dropped one waits a second to retry.
    request_queue_size = 128


class Handler(BaseHTTPRequestHandler):
    def reply(self, status, answer, **headers):
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def read_body(self):
        """Returns the body, or None after answering 413. http.server does not
        decode chunked bodies; WMS sends a Content-Length."""
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            # Refuse before reading; the connection closes after the answer.
            self.reply(413, {"error": f"body over {MAX_BODY} bytes"}, Connection="close")
            return None
        return self.rfile.read(length)

    def do_POST(self):
        raw = self.read_body()
        if raw is None:
            return
        if self.path.split("?")[0] != PATH:
            return self.reply(404, {"error": f"deliveries go to {PATH}"})
        if not verify(self.headers.get("X-WMS-Content-MAC"), raw):
            # 401, not 400: a signature problem is not a bad body.
            return self.reply(401, {"error": "bad or missing X-WMS-Content-MAC"})
        try:
            event = json.loads(raw)
        except (ValueError, RecursionError):  # bad JSON, bad UTF-8, [[[[...: never a 500
            return self.reply(400, {"error": "the body is not JSON"})
        why = envelope_error(event)
        if why:
            return self.reply(400, {"error": why})
        # Verified first, deduplicated second: otherwise a forged body under a
        # known (sessionId, sequence) would be acknowledged as a redelivery.
        try:
            new = store(event, raw)
        except Exception as err:  # a full disk, a locked file: WMS retries a 503
            print(f"cannot store the event: {err}", file=sys.stderr, flush=True)
            return self.reply(503, {"error": "the event could not be stored: retry later"})
        # A redelivery gets a 2xx too (a 409 makes WMS think it was lost),
        # but is not processed twice.
        self.reply(200, {"verdict": "accepted" if new else "duplicate"})
        if new:
            work.put(event)

    def not_post(self):
        # Read the (small) body first: closing a connection with unread data
        # resets it, and the client may lose the answer.
        if self.read_body() is not None:
            self.reply(405, {"error": "POST only"}, Allow="POST")

    do_GET = do_HEAD = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = not_post

    def log_request(self, code="-", size="-"):
        pass  # one line per request is too much here; errors are still logged


def main():
    server = Server((HOST, PORT), Handler)
    worker = threading.Thread(target=process_events)
    worker.start()
    # shutdown() waits for serve_forever(), so call it from another thread.
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"listening on http://{HOST}:{server.server_address[1]}{PATH}", flush=True)
    server.serve_forever()
    server.server_close()  # waits for the requests in flight
    work.put(None)
    worker.join()
    db.close()


if __name__ == "__main__":
    main()

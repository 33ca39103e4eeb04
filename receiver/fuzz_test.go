package receiver

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"testing"
)

// FuzzDecode checks the envelope parser against encoding/json: whatever
// decode accepts is valid JSON that encoding/json reads the same way, and
// survives the trip through an events-file line unchanged. Whatever it
// refuses is refused with ErrBadEnvelope, never a panic.
//
// The seed corpus is in testdata/fuzz/FuzzDecode and runs in every
// 'go test'; 'go test -fuzz FuzzDecode ./receiver' explores further.
func FuzzDecode(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		rec, err := decode(body)
		if err != nil {
			if !errors.Is(err, ErrBadEnvelope) {
				t.Fatalf("error %v does not wrap ErrBadEnvelope", err)
			}
			return
		}
		checkEvent(rec) // must not panic either

		var std map[string]any
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&std); err != nil {
			t.Fatalf("decode accepted what encoding/json refuses: %v", err)
		}
		if std["sessionId"] != rec.SessionID || std["event"] != rec.Event || std["severity"] != rec.Severity {
			t.Fatalf("strings differ from encoding/json: %v vs %+v", std, rec.Envelope)
		}
		for key, want := range map[string]int64{"sequence": rec.Sequence, "timestamp": rec.Timestamp} {
			n, err := strconv.ParseInt(std[key].(json.Number).String(), 10, 64)
			if err != nil || n != want {
				t.Fatalf("%s: encoding/json reads %v, decode %d", key, std[key], want)
			}
		}
		if _, has := std["payload"]; has != (rec.Payload != nil) {
			t.Fatalf("payload presence differs: %v vs %q", has, rec.Payload)
		}

		if bytes.ContainsAny(rec.Body, "\n\r") {
			t.Fatalf("stored body spans lines: %q", rec.Body)
		}
		var l line
		if err := json.Unmarshal(rec.appendLine(nil), &l); err != nil {
			t.Fatalf("events-file line does not parse: %v", err)
		}
		again, err := decode(l.Envelope)
		if err != nil || !bytes.Equal(again.Body, rec.Body) || again.Envelope.SessionID != rec.SessionID ||
			again.Sequence != rec.Sequence || !bytes.Equal(again.Payload, rec.Payload) {
			t.Fatalf("the events-file round trip changed the record: %v", err)
		}
	})
}

package conformance_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/testkit"
	"github.com/wmsmock/wms-mock/receiver"
)

// The helpers the broken receivers are made of: each receiver of the
// family (family_test.go) is the reference receiver with one defect, so
// that the only difference the suite can see is that defect.

// maxBody is the reference receiver's cap; the wrappers leave bodies above
// it to the reference, which refuses them.
const maxBody = receiver.DefaultMaxBody

// newReference returns a fresh reference receiver verifying with signer.
func newReference(t testing.TB, signer *emitter.Signer) *receiver.Receiver {
	t.Helper()
	rc, err := receiver.New(signer)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rc.Close() })
	return rc
}

// serve runs h on a loopback port; handler panics are expected from some
// broken receivers, so the server's log is discarded.
func serve(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// readBody reads a POST body no larger than the cap and puts it back for
// the next handler. ok is false for bodies the reference must judge alone.
func readBody(r *http.Request) (body []byte, ok bool) {
	if r.Method != http.MethodPost || r.ContentLength > maxBody {
		return nil, false
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(b) > maxBody {
		return nil, false
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	return b, true
}

func macOf(r *http.Request) string { return r.Header.Get(emitter.HeaderMAC) }

// inFront puts a broken step in front of a fresh reference receiver that
// verifies with the test secret: the step answers and returns true, or
// leaves the request to the reference.
func inFront(t testing.TB, step func(w http.ResponseWriter, r *http.Request, ref http.Handler) bool) http.Handler {
	ref := newReference(t, testkit.Signer(t))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !step(w, r, ref) {
			ref.ServeHTTP(w, r)
		}
	})
}

// verifier puts a broken MAC check in front of the reference receiver.
// What the check lets through is signed again correctly, so that the
// reference accepts it.
func verifier(t testing.TB, valid func(s *emitter.Signer, mac string, body []byte) bool) http.Handler {
	s := testkit.Signer(t)
	return inFront(t, func(w http.ResponseWriter, r *http.Request, _ http.Handler) bool {
		body, ok := readBody(r)
		switch {
		case !ok:
			return false
		case !valid(s, macOf(r), body):
			http.Error(w, "bad MAC", http.StatusUnauthorized)
			return true
		}
		r.Header.Set(emitter.HeaderMAC, s.MAC(body))
		return false
	})
}

// afterVerify runs a broken step once the MAC is known to be right; it
// returns true when it answered. Everything else goes to the reference.
func afterVerify(t testing.TB, step func(w http.ResponseWriter, r *http.Request, body []byte, next http.Handler) bool) http.Handler {
	s := testkit.Signer(t)
	return inFront(t, func(w http.ResponseWriter, r *http.Request, ref http.Handler) bool {
		body, ok := readBody(r)
		return ok && s.Verify(macOf(r), body) == nil && step(w, r, body, ref)
	})
}

// rewriteStatus is the reference receiver answering to with the status
// from it would choose.
func rewriteStatus(t testing.TB, from, to int) http.Handler {
	return inFront(t, func(w http.ResponseWriter, r *http.Request, ref http.Handler) bool {
		ref.ServeHTTP(&rewriter{ResponseWriter: w, from: from, to: to}, r)
		return true
	})
}

// position is the (sessionId, sequence) of a body that has both.
func position(body []byte) (session string, seq int64, ok bool) {
	var env struct {
		SessionID *string `json:"sessionId"`
		Sequence  *int64  `json:"sequence"`
	}
	if json.Unmarshal(body, &env) != nil || env.SessionID == nil || env.Sequence == nil {
		return "", 0, false
	}
	return *env.SessionID, *env.Sequence, true
}

// key is the (sessionId, sequence) of a body that has them, as one string.
func key(body []byte) (string, bool) {
	id, seq, ok := position(body)
	return fmt.Sprintf("%s/%d", id, seq), ok
}

// keys is a set of (sessionId, sequence) keys safe for concurrent use.
type keys struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (k *keys) has(key string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.seen[key]
}

func (k *keys) add(key string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.seen == nil {
		k.seen = map[string]bool{}
	}
	k.seen[key] = true
}

// stored serves r with next and reports whether next answered 2xx.
func stored(next http.Handler, w http.ResponseWriter, r *http.Request) bool {
	rec := &recorder{ResponseWriter: w}
	next.ServeHTTP(rec, r)
	return rec.status/100 == 2
}

// recorder remembers the status a handler answered with.
type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// rewriter answers with another status than the handler chose.
type rewriter struct {
	http.ResponseWriter
	from, to int
}

func (r *rewriter) WriteHeader(code int) {
	if code == r.from {
		code = r.to
	}
	r.ResponseWriter.WriteHeader(code)
}

// reencode is what JSON.stringify(JSON.parse(body)) gives in Node.js: keys
// kept in order, whitespace dropped, escapes decoded. A receiver that
// verifies these bytes instead of the raw body breaks on any other layout.
func reencode(body []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var out bytes.Buffer
	var stack []byte // '{' or '['
	var first []bool
	var afterKey bool
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out.Bytes(), nil
		}
		if err != nil {
			return nil, err
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			out.WriteByte(byte(d))
			stack, first = stack[:len(stack)-1], first[:len(first)-1]
			continue
		}
		if !afterKey && len(stack) > 0 {
			if !first[len(first)-1] {
				out.WriteByte(',')
			}
			first[len(first)-1] = false
		}
		isKey := !afterKey && len(stack) > 0 && stack[len(stack)-1] == '{'
		afterKey = false
		switch v := tok.(type) {
		case json.Delim:
			out.WriteByte(byte(v))
			stack, first = append(stack, byte(v)), append(first, true)
		case string:
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			_ = enc.Encode(v)
			out.Write(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
			if isKey {
				out.WriteByte(':')
				afterKey = true
			}
		case json.Number:
			out.WriteString(v.String())
		case bool:
			fmt.Fprint(&out, v)
		case nil:
			out.WriteString("null")
		}
	}
}

func TestReencodeKeepsCanonicalBodies(t *testing.T) {
	for _, in := range []string{
		`{"timestamp":1,"sessionId":"a","sequence":0,"event":"X","severity":"INFO","payload":{"snr":1.5,"list":[1,"b",null,true,{}]}}`,
		`[]`, `null`, `"s"`,
	} {
		got, err := reencode([]byte(in))
		if err != nil || string(got) != in {
			t.Errorf("reencode(%s) = %s, %v", in, got, err)
		}
	}
	got, _ := reencode([]byte("{ \"a\" : \"\\u00e9\" }"))
	if string(got) != `{"a":"é"}` {
		t.Errorf("reencode kept whitespace or escapes: %s", got)
	}
}

func hasNonASCII(v any) bool {
	switch v := v.(type) {
	case string:
		for i := 0; i < len(v); i++ {
			if v[i] >= utf8.RuneSelf {
				return true
			}
		}
	case []any:
		for _, x := range v {
			if hasNonASCII(x) {
				return true
			}
		}
	case map[string]any:
		for k, x := range v {
			if hasNonASCII(k) || hasNonASCII(x) {
				return true
			}
		}
	}
	return false
}

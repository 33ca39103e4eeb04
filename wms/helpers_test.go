package wms

import (
	"crypto/rsa"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/wmsmock/wms-mock/internal/testkit"
	"github.com/wmsmock/wms-mock/internal/testnet"
	"github.com/wmsmock/wms-mock/scenarios"
)

// Keys are generated once per test binary: RSA-2048 takes a while.
var (
	mockKey     = sync.OnceValue(func() *rsa.PrivateKey { return mustKey() })
	customerKey = sync.OnceValue(func() *rsa.PrivateKey { return mustKey() })
)

func mustKey() *rsa.PrivateKey {
	k, err := GenerateKey()
	if err != nil {
		panic(err)
	}
	return k
}

// testConfigID is the Config ID the tests serve, 11 characters as seen.
const testConfigID = "AbC123xYz89"

// harness is a mock WMS on loopback with a recording receiver as its
// webhook and a callback that is never followed.
type harness struct {
	t      *testing.T
	srv    *Server
	url    string
	recv   *testkit.Receiver
	client *http.Client
	cb     string
}

// callback is where the mock sends the browser; the tests read Location.
const callback = "http://app.test/callback"

func newHarness(t *testing.T, mutate func(*ConfigID), opts ...Option) *harness {
	t.Helper()
	recv := testkit.NewReceiver(t, testkit.Signer(t))
	c := ConfigID{ID: testConfigID, Callback: callback, Webhook: recv.URL, Signer: testkit.Signer(t)}
	if mutate != nil {
		mutate(&c)
	}
	srv, err := New(Config{IDs: []ConfigID{c}}, append([]Option{WithKey(mockKey()), WithSeed(7)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { ts.Close(); srv.Close() })
	return &harness{t: t, srv: srv, url: ts.URL, recv: recv, cb: callback, client: noRedirects()}
}

func noRedirects() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// get fetches path (already encoded) and returns the answer and its body.
func (h *harness) get(path string) (*http.Response, string) {
	h.t.Helper()
	return do(h.t, h.client, http.MethodGet, h.url+path, "")
}

func do(t testing.TB, c *http.Client, method, u, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// sessionIDs are unique per test binary, so parallel tests never share one.
var sessionCounter atomic.Uint64

func newSessionID() string {
	n := sessionCounter.Add(1)
	return fmt.Sprintf("3f2b6c1e-%04d-4a5b-9c8d-%012d", n%10000, n)
}

// goodProfile is the docs' example profile.
var goodProfile = Profile{Identifier: "partner-0042", Age: 44, Height: 175, Weight: 89, Gender: "male", Smoking: "0", BloodPressureMedication: "0", Diabetes: "type2"}

// callInPath builds a call-in path with the Go encoder.
func callInPath(t testing.TB, pub *rsa.PublicKey, profileJSON []byte, session string) string {
	t.Helper()
	data, err := EncryptProfile(pub, profileJSON)
	if err != nil {
		t.Fatal(err)
	}
	return CallInURL("", CallIn{ConfigID: testConfigID, ProfileData: data, AuthToken: "auth-token", RefreshToken: "refresh-token", SessionID: session})
}

// location returns a 303's Location, failing t for anything else.
func location(t testing.TB, resp *http.Response, body string) *url.URL {
	t.Helper()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d, want 303; body: %.400s", resp.StatusCode, body)
	}
	u, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// results decodes the plain results of a 303.
func results(t testing.TB, resp *http.Response, body string) map[string]any {
	t.Helper()
	u := location(t, resp, body)
	if e := u.Query().Get("error"); e != "" {
		t.Fatalf("redirected with error=%s, want results", e)
	}
	r, err := DecodeResults(u.Query().Get("results"))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// errorCode returns error= of a 303.
func errorCode(t testing.TB, resp *http.Response, body string) string {
	t.Helper()
	u := location(t, resp, body)
	if u.Query().Has("results") {
		t.Fatalf("redirected with results, want an error")
	}
	return u.Query().Get("error")
}

// journeys are the served scenarios tagged journey, by name.
func (s *Server) journeys() []*scenarios.Scenario {
	var out []*scenarios.Scenario
	for _, name := range s.scenarioNames {
		if sc := s.scenarios[name]; sc.HasTag(scenarios.TagJourney) {
			out = append(out, sc)
		}
	}
	return out
}

// refusedURL is a loopback URL nothing listens on.
func refusedURL(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr + "/webhook"
}

func silentURL(t testing.TB) string { return testnet.SilentHostURL(t) }

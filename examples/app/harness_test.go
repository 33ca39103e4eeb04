package main

import (
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"sync"
	"testing"

	"github.com/wmsmock/wms-mock/internal/testkit"
	"github.com/wmsmock/wms-mock/scenarios"
	"github.com/wmsmock/wms-mock/wms"
)

// testConfigID is the Config ID the mock serves and the app calls in with.
const testConfigID = "AbC123xYz89"

// mockKey is generated once per test binary: RSA-2048 takes a while.
var mockKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := wms.GenerateKey()
	if err != nil {
		panic(err)
	}
	return k
})

// flow is the example app and the mock WMS on loopback, each pointed at
// the other: the mock's Config ID has the app's webhook and callback, the
// app calls in at the mock and fetches its public key from it.
type flow struct {
	app     *app
	appURL  string
	mock    *wms.Server
	mockURL string
}

// setup starts a flow. scenario is the Config ID's default journey ("" for
// happy-path); mutate may change the app's config before it starts.
func setup(t testing.TB, pace scenarios.Pace, scenario string, mutate func(*config)) *flow {
	t.Helper()
	appLn, mockLn := listen(t), listen(t)
	f := &flow{appURL: "http://" + appLn.Addr().String(), mockURL: "http://" + mockLn.Addr().String()}
	mock, err := wms.New(wms.Config{IDs: []wms.ConfigID{{
		ID: testConfigID, Callback: f.appURL + "/callback", Webhook: f.appURL + "/webhook",
		Signer: testkit.Signer(t), Scenario: scenario,
	}}}, wms.WithKey(mockKey()), wms.WithPace(pace))
	if err != nil {
		t.Fatal(err)
	}
	f.mock = mock
	cfg := config{WMSURL: f.mockURL, ConfigID: testConfigID, MACSecret: testkit.Secret, AuthToken: "test-auth-token", RefreshToken: "test-refresh-token"}
	if mutate != nil {
		mutate(&cfg)
	}
	if f.app, err = newApp(cfg); err != nil {
		t.Fatal(err)
	}
	serve(t, appLn, f.app)
	serve(t, mockLn, mock)
	t.Cleanup(func() { mock.Close() })
	return f
}

func listen(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

func serve(t testing.TB, ln net.Listener, h http.Handler) {
	srv := &http.Server{Handler: h}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve %s: %v", ln.Addr(), err)
		}
	}()
	t.Cleanup(func() { srv.Close(); <-done })
}

// report is the mock's account of a session, which the tests hold the
// app's pages against.
func (f *flow) report(t testing.TB, session string) (wms.Report, map[string]any) {
	t.Helper()
	rep, ok := f.mock.Session(session)
	if !ok {
		t.Fatalf("the mock has no session %q", session)
	}
	var res map[string]any
	if len(rep.Results) > 0 {
		if err := json.Unmarshal(rep.Results, &res); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range rep.Deliveries {
		if d.Status != http.StatusNoContent || !d.Passed {
			t.Errorf("the app answered %s #%d with %d (%s), want 204", d.Event, d.Sequence, d.Status, d.Message)
		}
	}
	return rep, res
}

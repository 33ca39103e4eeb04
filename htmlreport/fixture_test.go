package htmlreport

import (
	"github.com/wmsmock/wms-mock/jsonreport"

	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/wmsmock/wms-mock/conformance"
	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/testkit"
	"github.com/wmsmock/wms-mock/scenarios"
)

// A failing run, shared by the tests: the suite against a receiver that
// answers 200 to everything, with a body that is HTML, plus a scenario
// whose payload is a script, so that both an answer and a request carry
// markup the page must show as text.
const (
	answerMarkup  = `<script>window.pwnedByAnswer=1</script> ok`
	payloadMarkup = `<script>window.pwnedByPayload='yes'</script>`
	xssScenario   = `name: markup-in-payload
description: an event whose payload is markup, expected refused so that its spec fails and the page quotes it
steps:
  - {event: GENERAL_ERROR, payload: {details: "` + payloadMarkup + `"}, expect: 4xx}
`
)

var failing struct {
	sync.Mutex
	json     []byte           // the JSON report, as the suite wrote it
	target   *httptest.Server // the receiver, still up, recording what it gets
	received []recorded
	signer   *emitter.Signer
	err      error
}

// recorded is a request the failing receiver got.
type recorded struct {
	header http.Header
	body   []byte
}

func TestMain(m *testing.M) {
	code := m.Run()
	if failing.target != nil {
		failing.target.Close()
	}
	os.Exit(code)
}

var failingOnce sync.Once

// failingReport is the failing run's report, decoded.
func failingReport(t testing.TB) *jsonreport.Report {
	t.Helper()
	failingOnce.Do(runFailing)
	if failing.err != nil {
		t.Fatal(failing.err)
	}
	rep, err := jsonreport.Read(bytes.NewReader(failing.json))
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func runFailing() {
	failing.signer, failing.err = emitter.NewSigner([]byte(testkit.Secret))
	if failing.err != nil {
		return
	}
	failing.target = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		failing.Lock()
		failing.received = append(failing.received, recorded{r.Header.Clone(), body})
		failing.Unlock()
		fmt.Fprint(w, answerMarkup)
	}))
	sc, err := scenarios.Parse("markup.yaml", []byte(xssScenario))
	if err != nil {
		failing.err = err
		return
	}
	dir, err := os.MkdirTemp("", "htmlreport-test-")
	if err != nil {
		failing.err = err
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "report.json")
	_, err = conformance.Run(context.Background(), conformance.Config{
		URL: failing.target.URL + "/webhook", Signer: failing.signer, JSONReport: path, Burst: 10,
		Scenarios: []*scenarios.Scenario{sc},
	})
	if err != nil {
		failing.err = fmt.Errorf("the failing run: %w", err)
		return
	}
	failing.json, failing.err = os.ReadFile(path)
}

// lastReceived is the last request the failing receiver got.
func lastReceived(t testing.TB) recorded {
	t.Helper()
	failing.Lock()
	defer failing.Unlock()
	if len(failing.received) == 0 {
		t.Fatal("the failing receiver got nothing")
	}
	return failing.received[len(failing.received)-1]
}

// render is the page of rep.
func render(t testing.TB, rep *jsonreport.Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, rep); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

package htmlreport

import (
	"github.com/wmsmock/wms-mock/jsonreport"

	"bytes"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// A stand-in for curl that writes its arguments, NUL-separated, to $OUT,
// and what it reads for --data-binary @- to $OUT.stdin.
const fakeCurl = `#!/bin/bash
: > "$OUT"
for a in "$@"; do
  printf '%s\0' "$a" >> "$OUT"
  if [ "$a" = "@-" ]; then cat > "$OUT.stdin"; fi
done
`

// sent is what a curl command sends: its method, URL, headers and body.
type sent struct {
	method, url string
	headers     []string
	body        string
}

// mac is the X-WMS-Content-MAC header's value, and whether there is one.
func (s sent) mac() (string, bool) {
	for _, h := range s.headers {
		if v, ok := strings.CutPrefix(h, macHeader+": "); ok {
			return v, true
		}
		if h == macHeader+";" {
			return "", true
		}
	}
	return "", false
}

// commands are the page's curl commands, as a reader copies them.
func commands(page string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`(?s)<pre class="cmd">(.*?)</pre>`).FindAllStringSubmatch(page, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

// runFake runs command in bash with curl replaced, and returns what curl
// was asked to send.
func runFake(t *testing.T, dir, command string) sent {
	t.Helper()
	out := filepath.Join(dir, "args")
	cmd := exec.Command("bash", "-c", command)
	cmd.Env = []string{"PATH=" + dir + ":/usr/bin:/bin", "OUT=" + out}
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("bash -c %s: %v\n%s", command, err, b)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	args := strings.Split(strings.TrimSuffix(string(raw), "\x00"), "\x00")
	s := sent{method: "POST"}
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-X":
			i++
			s.method = args[i]
		case a == "-H":
			i++
			s.headers = append(s.headers, args[i])
		case a == "--data-binary":
			i++
			s.body = args[i]
			if s.body == "@-" {
				b, err := os.ReadFile(out + ".stdin")
				if err != nil {
					t.Fatal(err)
				}
				s.body = string(b)
			}
		case a == "--max-time":
			i++
		case strings.HasPrefix(a, "http"):
			s.url = a
		}
	}
	return s
}

// exchanges are every exchange of the report.
func exchanges(rep *jsonreport.Report) []jsonreport.Exchange {
	var xs []jsonreport.Exchange
	for _, p := range rep.Probe {
		xs = append(xs, p.Exchange)
	}
	for _, sp := range rep.Specs {
		for _, p := range sp.Problems {
			xs = append(xs, p.Exchanges...)
		}
		if sp.Sample != nil && len(sp.Problems) == 0 { // the page shows a sample when nothing else
			xs = append(xs, *sp.Sample)
		}
	}
	return xs
}

// TestCurlLinesReplayTheRequests runs every curl command of a failing
// run's page, as bash reads it, and checks that each exchange whose body
// the report keeps whole is sent again with the same method, URL, body
// and MAC.
func TestCurlLinesReplayTheRequests(t *testing.T) {
	rep := failingReport(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "curl"), []byte(fakeCurl), 0o755); err != nil {
		t.Fatal(err)
	}
	replayed := map[string]bool{} // method, body and MAC of each command
	key := func(method, body, mac string, has bool) string {
		return method + "\x00" + body + "\x00" + mac + "\x00" + map[bool]string{true: "mac", false: "none"}[has]
	}
	for _, c := range commands(render(t, rep)) {
		s := runFake(t, dir, c)
		if s.url != rep.Target.URL {
			t.Errorf("curl is sent to %q, want %q:\n%s", s.url, rep.Target.URL, c)
		}
		mac, has := s.mac()
		replayed[key(s.method, s.body, mac, has)] = true
	}
	checked := 0
	for _, x := range exchanges(rep) {
		r := x.Request
		if r.BodySize > len(r.BodyPrefix) {
			continue // not whole in the report: the page says so
		}
		mac, has := "", false
		for _, h := range r.Headers {
			if h.Name == macHeader {
				mac, has = h.Value, true
			}
		}
		if !replayed[key(r.Method, r.BodyPrefix, mac, has)] {
			t.Errorf("no curl command sends %s %q with MAC %q (%v)", r.Method, r.BodyPrefix, mac, has)
		}
		checked++
	}
	if checked < 40 {
		t.Errorf("only %d exchanges checked", checked)
	}
}

// TestCurlReplaysWithRealCurl runs the page's commands with curl itself
// against the receiver of the run: the body and the MAC that arrive are
// the ones the suite sent, and the probe's MAC verifies again.
func TestCurlReplaysWithRealCurl(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	rep := failingReport(t)
	page := render(t, rep)
	var markup *jsonreport.Exchange
	for _, sp := range rep.Specs {
		if sp.ID == "markup-in-payload" && len(sp.Problems) > 0 {
			markup = &sp.Problems[0].Exchanges[0]
		}
	}
	if markup == nil || !strings.Contains(markup.Request.BodyPrefix, payloadMarkup) {
		t.Fatalf("the markup scenario did not fail with its payload: %+v", markup)
	}
	probe := rep.Probe[0].Exchange
	for _, x := range []jsonreport.Exchange{probe, *markup} {
		c := curlCommand(x.Request, rep.Target.TimeoutMs).Command
		if !strings.Contains(page, html.EscapeString(c)) {
			t.Fatalf("the page does not show %s", c)
		}
		if out, err := exec.Command("bash", "-c", c).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", c, err, out)
		}
		got := lastReceived(t)
		mac := got.header.Get(macHeader)
		ua := ""
		for _, h := range x.Request.Headers {
			if h.Name == "User-Agent" {
				ua = h.Value
			}
		}
		if string(got.body) != x.Request.BodyPrefix || got.header.Get("Content-Type") != "application/json" || ua == "" || got.header.Get("User-Agent") != ua {
			t.Errorf("curl sent %q (%v), want %q", got.body, got.header, x.Request.BodyPrefix)
		}
		if err := failing.signer.Verify(mac, got.body); err != nil {
			t.Errorf("the replayed MAC %q does not verify: %v", mac, err)
		}
	}
	// A body that no shell argument holds as is goes through printf.
	body := "{\"a\":\"tab\there\",\"nul\":\"\x00\",\"pct\":\"100%\\n\",\"q\":\"it's\"}\x01"
	req := jsonreport.Request{Method: "POST", URL: failing.target.URL + "/webhook", Written: true, BodyPrefix: body, BodySize: len(body),
		Headers: []jsonreport.Header{{Name: macHeader, Value: ""}, {Name: "Authorization", Value: "(redacted)"}}}
	r := curlCommand(req, 2000)
	if !strings.HasPrefix(r.Command, "printf ") || !strings.Contains(r.Command, "-H 'Content-Type:'") || !strings.Contains(strings.Join(r.Notes, " "), "password") {
		t.Errorf("command = %s\nnotes = %v", r.Command, r.Notes)
	}
	if out, err := exec.Command("bash", "-c", r.Command).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", r.Command, err, out)
	}
	got := lastReceived(t)
	if !bytes.Equal(got.body, []byte(body)) || got.header.Get("Content-Type") != "" || len(got.header.Values(macHeader)) != 1 || got.header.Get(macHeader) != "" {
		t.Errorf("curl sent %q with %v, want %q with an empty MAC and no Content-Type", got.body, got.header, body)
	}
}

func TestCurlNotes(t *testing.T) {
	big := jsonreport.Request{Method: "POST", URL: "http://h/", BodyPrefix: strings.Repeat("x", 1024), BodySize: 5 << 20, Headers: []jsonreport.Header{{Name: macHeader, Value: "hmac-sha256=00"}}}
	if r := curlCommand(big, 0); r.Exact || !strings.Contains(r.Notes[0], "does not reproduce") || strings.Contains(r.Command, "--max-time") {
		t.Errorf("a body the report cuts: %+v", r)
	}
	mangled := jsonreport.Request{Method: "POST", URL: "http://h/", BodyPrefix: "a\uFFFDb", BodySize: 3}
	if r := curlCommand(mangled, 0); r.Exact || !strings.Contains(strings.Join(r.Notes, " "), "not UTF-8") {
		t.Errorf("a body that was not text: %+v", r)
	}
	prepared := jsonreport.Request{Method: "POST", URL: "http://h/", BodyPrefix: "{}", BodySize: 2, Headers: []jsonreport.Header{{Name: macHeader, Value: "hmac-sha256=00"}}}
	if r := curlCommand(prepared, 0); !strings.Contains(r.Command, "-H 'Content-Type: application/json'") {
		t.Errorf("a request never written lacks the emitter's Content-Type: %s", r.Command)
	}
	get := jsonreport.Request{Method: "GET", URL: "http://h/it's", Written: false}
	r := curlCommand(get, 10000)
	if !strings.Contains(r.Command, "-X GET 'http://h/it'\\''s'") || !strings.Contains(r.Command, "--max-time 10 ") || !strings.Contains(strings.Join(r.Notes, " "), "never reached the wire") {
		t.Errorf("a GET: %+v", r)
	}
}

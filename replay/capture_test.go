package replay_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/replay"
)

// writeFile writes a capture and returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const (
	bodyA0 = `{"timestamp":1700000000,"sessionId":"a","sequence":0,"event":"WMS_LOADED","severity":"INFO"}`
	bodyA1 = `{"timestamp":1700000001,"sessionId":"a","sequence":1,"event":"CONFIGURATION_LOADED","severity":"INFO"}`
	bodyB0 = `{"timestamp":1700000002, "sessionId": "b", "sequence":0,"event":"WMS_LOADED","severity":"INFO","x":"\u00e9"}`
)

func TestReadBothFormats(t *testing.T) {
	content := `{"receivedAt":"2023-11-14T22:13:20.5Z","envelope":` + bodyA0 + "}\n" +
		"\n" +
		"  " + bodyB0 + "  \r\n" +
		`{"receivedAt":"2023-11-14T22:13:21.25Z","envelope":` + bodyA1 + "}\n"
	path := writeFile(t, "mixed.jsonl", content)
	c, err := replay.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Skipped != 0 || len(c.Problems) != 0 {
		t.Fatalf("problems: %v", c.Problems)
	}
	if len(c.Events) != 3 {
		t.Fatalf("%d events, want 3", len(c.Events))
	}
	want := []struct {
		line      int
		body      string
		session   string
		seq       int64
		arrival   string
		timestamp int64
	}{
		{1, bodyA0, "a", 0, "2023-11-14T22:13:20.5Z", 1700000000},
		{3, bodyB0, "b", 0, "", 1700000002},
		{4, bodyA1, "a", 1, "2023-11-14T22:13:21.25Z", 1700000001},
	}
	for i, w := range want {
		ev := c.Events[i]
		if ev.File != path || ev.Line != w.line || string(ev.Body) != w.body || ev.SessionID != w.session ||
			ev.Sequence != w.seq || ev.Timestamp != w.timestamp || ev.Severity != "INFO" {
			t.Errorf("event %d = %+v (body %s), want %+v", i, ev, ev.Body, w)
		}
		if w.arrival == "" {
			if !ev.ReceivedAt.IsZero() || !ev.When().Equal(time.Unix(w.timestamp, 0)) {
				t.Errorf("event %d: a raw body has no arrival, and When is its timestamp; got %v, %v", i, ev.ReceivedAt, ev.When())
			}
			continue
		}
		at, _ := time.Parse(time.RFC3339Nano, w.arrival)
		if !ev.ReceivedAt.Equal(at) || !ev.When().Equal(at) {
			t.Errorf("event %d arrived %v, want %v", i, ev.ReceivedAt, at)
		}
	}
}

func TestReadSkipsWhatCannotBeReplayed(t *testing.T) {
	long := `{"timestamp":1,"sessionId":"a","sequence":9,"event":"X","severity":"INFO","pad":"` + strings.Repeat("x", replay.MaxLine) + `"}`
	lines := []string{
		bodyA0,              // 1
		`not json at all`,   // 2
		`[1,2,3]`,           // 3
		`{"hello":"world"}`, // 4
		`{"timestamp":1,"sequence":2,"event":"WMS_LOADED","severity":"INFO"}`,                            // 5
		`{"timestamp":1,"sessionId":"","sequence":2,"event":"WMS_LOADED","severity":"INFO"}`,             // 6
		`{"timestamp":1,"sessionId":7,"sequence":2,"event":"WMS_LOADED","severity":"INFO"}`,              // 7
		`{"timestamp":1,"sessionId":"a","sessionId":"b","sequence":2,"event":"E","severity":"INFO"}`,     // 8
		"{\"timestamp\":1,\"sessionId\":\"a\xff\",\"sequence\":2,\"event\":\"E\",\"severity\":\"INFO\"}", // 9
		long, // 10
		`{"timestamp":1.5,"sessionId":"a","sequence":2,"event":"WMS_LOADED","severity":"INFO"}`,  // 11
		`{"timestamp":1,"sessionId":"a","sequence":2,"event":"WMS_LOADED"}`,                      // 12
		`{"receivedAt":"yesterday","envelope":` + bodyA1 + `}`,                                   // 13
		`{"envelope":` + bodyA1 + `}`,                                                            // 14
		`{"receivedAt":"2023-11-14T22:13:20Z","envelope":"x"}`,                                   // 15
		`{"timestamp":1,"sessionId":"a","sequence":2,"event":"WMS_LOADED","severity":"INFO"} {}`, // 16
		bodyA1, // 17
	}
	content := strings.Join(lines, "\n") + "\n" + `{"receivedAt":"2023-11-14T22:13:20Z","envelope":{"timestamp":17000` // 18, torn
	c, err := replay.Read(writeFile(t, "bad.jsonl", content))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Events) != 2 || c.Events[0].Line != 1 || c.Events[1].Line != 17 {
		t.Fatalf("kept %+v, want lines 1 and 17", c.Events)
	}
	want := map[int]string{
		2:  "not JSON",
		3:  "a JSON array, not a JSON object",
		4:  "not an event: a JSON object without event or sessionId",
		5:  "no session ID",
		6:  "no session ID",
		7:  "no session ID: sessionId must be a string, got 7",
		8:  `the key "sessionId" appears twice`,
		9:  "not valid UTF-8",
		10: "the line is over",
		11: "timestamp must be an integer",
		12: "not an event: no severity",
		13: `receivedAt "yesterday" is not an RFC 3339 time`,
		14: "a receiver record without receivedAt",
		15: "envelope is not a JSON object",
		16: "more than one JSON value",
		18: "the last line is cut short",
	}
	if c.Skipped != len(want) || len(c.Problems) != len(want) {
		t.Fatalf("skipped %d: %v", c.Skipped, c.Problems)
	}
	for _, p := range c.Problems {
		if !strings.Contains(p.Message, want[p.Line]) || want[p.Line] == "" {
			t.Errorf("line %d: %q, want it to say %q", p.Line, p.Message, want[p.Line])
		}
		if !strings.HasPrefix(p.Error(), filepath.Join(filepath.Dir(p.File), "bad.jsonl")+":") {
			t.Errorf("problem %q does not start with FILE:LINE", p.Error())
		}
	}
	if got := c.Problems[0].Error(); !strings.HasSuffix(strings.SplitN(got, ":", 3)[1], "2") {
		t.Errorf("first problem %q is not at line 2", got)
	}
}

// A file of raw bodies written by hand may end without a newline: its last
// line is kept when it is a whole event.
func TestReadLastLineWithoutNewline(t *testing.T) {
	c, err := replay.ReadFrom(strings.NewReader(bodyA0+"\n"+bodyA1), "hand.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Events) != 2 || c.Skipped != 0 || c.Events[1].Line != 2 || c.Events[1].File != "hand.jsonl" {
		t.Fatalf("events %+v, problems %v", c.Events, c.Problems)
	}
}

// Problems are bounded, the count is not.
func TestReadBoundsProblems(t *testing.T) {
	junk := strings.Repeat("junk\n", replay.MaxProblems+50)
	c, err := replay.ReadFrom(strings.NewReader(junk+bodyA0+"\n"), "junk.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if c.Skipped != replay.MaxProblems+50 || len(c.Problems) != replay.MaxProblems || len(c.Events) != 1 {
		t.Fatalf("skipped %d, kept %d problems and %d events", c.Skipped, len(c.Problems), len(c.Events))
	}
}

func TestReadMissingFile(t *testing.T) {
	_, err := replay.Read(filepath.Join(t.TempDir(), "nope.jsonl"))
	if err == nil || !strings.Contains(err.Error(), "cannot read capture") || !strings.Contains(err.Error(), "nope.jsonl") {
		t.Fatalf("err = %v", err)
	}
	if strings.Count(err.Error(), "nope.jsonl") != 1 {
		t.Errorf("the path should appear once: %v", err)
	}
}

// Merge interleaves files by arrival and keeps each file's own order, even
// where its clock runs back.
func TestMergeKeepsEachFilesOrder(t *testing.T) {
	rec := func(at, body string) string { return `{"receivedAt":"` + at + `","envelope":` + body + "}\n" }
	one := writeFile(t, "one.jsonl", rec("2023-11-14T22:13:20Z", bodyA0)+rec("2023-11-14T22:13:25Z", bodyA1))
	two := writeFile(t, "two.jsonl", rec("2023-11-14T22:13:22Z", bodyB0)+
		rec("2023-11-14T22:13:19Z", strings.Replace(bodyB0, `"sequence":0`, `"sequence":1`, 1)))
	c, err := replay.ReadFiles(one, two)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range c.Events {
		got = append(got, filepath.Base(ev.File)+":"+string(rune('0'+ev.Line)))
	}
	// two's second event arrived "before" its first: it stays after it, at
	// its file's clock so far (22s), which is still before one's 25s.
	if want := "one.jsonl:1 two.jsonl:1 two.jsonl:2 one.jsonl:2"; strings.Join(got, " ") != want {
		t.Errorf("merged order %v, want %s", got, want)
	}
	if !bytes.Equal(c.Events[0].Body, []byte(bodyA0)) {
		t.Errorf("body changed: %s", c.Events[0].Body)
	}
}

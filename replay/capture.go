// Package replay turns captured webhook traffic back into something a team
// can use again: it resends a capture to another endpoint, re-signed with
// that endpoint's secret, in its original order and rhythm, and it writes
// the scenario that reproduces one captured session.
//
// A capture is a JSON-lines file: the reference receiver's events file
// (one {"receivedAt":...,"envelope":{...}} record per accepted event), or
// one raw event body per line. Read accepts both, line by line, and skips
// what it cannot replay with a Problem that names the line, so that one
// torn or foreign line does not cost the rest of the file. Prepare plans
// the replay as scenarios.Delivery values, so that 'wms-mock replay' sends
// and reports them as 'wms-mock run' does; ToScenario writes the YAML.
// docs/replay.md at the repository's root is the user's guide.
package replay

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"
	"unicode/utf8"
)

// MaxLine bounds one line of a capture: the receiver's largest body
// (receiver.DefaultMaxBody, 1 MiB) and its record around it. A longer line
// is skipped as a Problem, read past without being held in memory.
const MaxLine = 1<<20 + 1024

// MaxProblems bounds the problems a Capture keeps; Skipped counts them all,
// so that a file of junk cannot fill the memory with messages about it.
const MaxProblems = 100

// Event is one captured event: the body as it was received and what a
// replay needs to know of it.
type Event struct {
	// File and Line say where the event was read.
	File string
	Line int
	// Body is the event's JSON exactly as captured: a replay sends these
	// bytes.
	Body []byte
	// SessionID, Sequence, Event, Severity and Timestamp are the
	// envelope's values.
	SessionID string
	Sequence  int64
	Event     string
	Severity  string
	Timestamp int64
	// ReceivedAt is when the receiver took the event; zero for a raw body,
	// whose arrival is unknown.
	ReceivedAt time.Time
}

// When is the event's moment on the capture's clock: its arrival when
// known, else its own timestamp, which is all a raw body has.
func (e *Event) When() time.Time {
	if !e.ReceivedAt.IsZero() {
		return e.ReceivedAt
	}
	return time.Unix(e.Timestamp, 0)
}

// Problem is one line of a capture that was skipped.
type Problem struct {
	File string
	Line int
	// Message says what is wrong with the line.
	Message string
}

// Error formats the problem as FILE:LINE: message, the form editors jump to.
func (p Problem) Error() string { return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Message) }

// Capture is what reading one or more capture files found.
type Capture struct {
	// Events are in arrival order: each file's in its own order, files
	// merged by When.
	Events []Event
	// Problems lists the first MaxProblems lines skipped.
	Problems []Problem
	// Skipped counts every line skipped; a caller exits 1 when it is not 0.
	Skipped int
}

func (c *Capture) skip(p Problem) {
	c.Skipped++
	if len(c.Problems) < MaxProblems {
		c.Problems = append(c.Problems, p)
	}
}

// Read reads the capture file at path. The error is for a file that cannot
// be read at all; lines that cannot be replayed are the Capture's Problems.
func Read(path string) (*Capture, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, readError(path, err)
	}
	defer f.Close()
	c, err := ReadFrom(f, path)
	if err != nil {
		return nil, readError(path, err)
	}
	return c, nil
}

// ReadFiles reads every file and merges their events with Merge.
func ReadFiles(paths ...string) (*Capture, error) {
	all := make([]*Capture, 0, len(paths))
	for _, p := range paths {
		c, err := Read(p)
		if err != nil {
			return nil, err
		}
		all = append(all, c)
	}
	return Merge(all...), nil
}

// readError names path once and says what to do.
func readError(path string, err error) error {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		err = pe.Err
	}
	return fmt.Errorf("cannot read capture %s: %w (pass the receiver's --events file, or a file of one event body per line)", path, err)
}

// ReadFrom reads a capture from r; name is the file name the events and
// problems carry. The error is r's own; a line it cannot use is a Problem.
func ReadFrom(r io.Reader, name string) (*Capture, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	c := &Capture{}
	for n := 1; ; n++ {
		line, ended, tooLong, err := readLine(br)
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		last := errors.Is(err, io.EOF)
		switch {
		case tooLong:
			c.skip(Problem{name, n, fmt.Sprintf("the line is over %d bytes: no webhook event is so large", MaxLine)})
		case len(bytes.TrimSpace(line)) > 0:
			ev, perr := parseLine(line)
			switch {
			case perr != nil && !ended:
				c.skip(Problem{name, n, "the last line is cut short (no newline at its end, and " + perr.Error() + "): most likely a write torn by a crash, which the receiver never acknowledged"})
			case perr != nil:
				c.skip(Problem{name, n, perr.Error()})
			default:
				ev.File, ev.Line = name, n
				c.Events = append(c.Events, ev)
			}
		}
		if last {
			return c, nil
		}
	}
}

// readLine reads one line, its newline stripped. ended says whether the
// newline was there. A line over MaxLine is read to its end and dropped:
// tooLong is set and line is nil. err is io.EOF on the last line.
func readLine(br *bufio.Reader) (line []byte, ended, tooLong bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		if !tooLong {
			if len(line)+len(chunk) > MaxLine+1 { // +1: the newline
				tooLong, line = true, nil
			} else {
				line = append(line, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err == nil {
			return bytes.TrimSuffix(line, []byte("\n")), true, tooLong, nil
		}
		return line, false, tooLong, err
	}
}

// parseLine reads one line as a receiver record or a raw event body.
func parseLine(line []byte) (Event, error) {
	line = bytes.TrimSpace(line)
	if !utf8.Valid(line) {
		return Event{}, errors.New("not valid UTF-8: a webhook body is UTF-8 JSON")
	}
	var envAt, recvAt span
	hasEvent := false
	err := members(line, func(key string, at span) error {
		switch key {
		case "envelope":
			envAt = at
		case "receivedAt":
			recvAt = at
		case "event", "sessionId":
			hasEvent = true
		}
		return nil
	})
	if err != nil {
		return Event{}, err
	}
	if envAt == (span{}) || hasEvent {
		return eventOf(bytes.Clone(line), time.Time{})
	}
	// A receiver record.
	at, err := receivedAt(line, recvAt)
	if err != nil {
		return Event{}, err
	}
	if line[envAt.start] != '{' {
		return Event{}, errors.New("a receiver record whose envelope is not a JSON object")
	}
	return eventOf(bytes.Clone(line[envAt.start:envAt.end]), at)
}

func receivedAt(line []byte, at span) (time.Time, error) {
	if at == (span{}) {
		return time.Time{}, errors.New("a receiver record without receivedAt")
	}
	s, err := str("receivedAt", line[at.start:at.end])
	if err != nil {
		return time.Time{}, fmt.Errorf("a receiver record whose %v", err)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("a receiver record whose receivedAt %q is not an RFC 3339 time", s)
	}
	return t, nil
}

func eventOf(body []byte, at time.Time) (Event, error) {
	env, err := scanEnvelope(body)
	if err != nil {
		return Event{}, err
	}
	return Event{Body: body, SessionID: env.sessionID, Sequence: env.sequence, Event: env.event,
		Severity: env.severity, Timestamp: env.timestamp, ReceivedAt: at}, nil
}

// Merge joins captures into one, for a replay of several files: each
// capture's events keep their order, and the captures interleave by When,
// so that sessions captured side by side by two receivers replay side by
// side. Problems are kept in the captures' order.
func Merge(captures ...*Capture) *Capture {
	out := &Capture{}
	next := make([]int, len(captures))
	floor := make([]time.Time, len(captures)) // each capture's clock so far: it never runs back
	total := 0
	for _, c := range captures {
		total += len(c.Events)
		for _, p := range c.Problems {
			if len(out.Problems) < MaxProblems {
				out.Problems = append(out.Problems, p)
			}
		}
		out.Skipped += c.Skipped
	}
	out.Events = make([]Event, 0, total)
	for len(out.Events) < total {
		pick := -1
		var pickAt time.Time
		for i, c := range captures {
			if next[i] == len(c.Events) {
				continue
			}
			at := c.Events[next[i]].When()
			if at.Before(floor[i]) {
				at = floor[i]
			}
			if pick < 0 || at.Before(pickAt) {
				pick, pickAt = i, at
			}
		}
		out.Events = append(out.Events, captures[pick].Events[next[pick]])
		next[pick]++
		floor[pick] = pickAt
	}
	return out
}

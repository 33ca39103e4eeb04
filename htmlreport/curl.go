package htmlreport

import (
	"github.com/wmsmock/wms-mock/jsonreport"

	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// macHeader is the header WMS signs with, spelled as the contract spells
// it: curl sends a header name as it is given.
const macHeader = "X-WMS-Content-MAC"

// replay is a curl command that sends a request of the report again, and
// what a reader needs to know about it.
type replay struct {
	Command string
	// Exact is set when the command sends the very bytes the suite sent:
	// the whole body is in the report, as it was.
	Exact bool
	Notes []string
}

// curlCommand is the curl command that replays req, with the suite's
// deadline. Host and Content-Length are left to curl, which derives them
// from the URL and the body, as the suite's client did; every other
// header is sent as written, the MAC as the suite sent it.
func curlCommand(req jsonreport.Request, timeoutMs float64) replay {
	body, whole := req.BodyPrefix, len(req.BodyPrefix) >= req.BodySize
	r := replay{Exact: whole && !strings.ContainsRune(body, utf8.RuneError)}
	head := []string{"curl", "-sS", "-i"}
	if timeoutMs > 0 {
		head = append(head, "--max-time", strconv.FormatFloat(timeoutMs/1000, 'f', -1, 64))
	}
	if req.Method != http.MethodPost || body == "" {
		head = append(head, "-X", shellQuote(req.Method))
	}
	head = append(head, shellQuote(req.URL))
	lines := []string{strings.Join(head, " ")}
	hasType, mac, redacted := false, "", false
	for _, h := range req.Headers {
		switch {
		case strings.EqualFold(h.Name, "Host"), strings.EqualFold(h.Name, "Content-Length"):
			continue
		case h.Value == "(redacted)":
			redacted = true
			continue
		case strings.EqualFold(h.Name, "Content-Type"):
			hasType = true
		case strings.EqualFold(h.Name, macHeader):
			mac = h.Value
		}
		lines = append(lines, "-H "+singleQuote(headerArg(h)))
	}
	switch {
	case body == "" || hasType:
	case !req.Written:
		// Prepared headers lack the Content-Type the emitter adds as it
		// writes a request.
		lines = append(lines, "-H "+singleQuote("Content-Type: application/json"))
	default:
		// Or curl would add a form's Content-Type the suite did not send.
		lines = append(lines, "-H "+singleQuote("Content-Type:"))
	}
	pipe := ""
	switch {
	case body == "":
	case printable(body):
		lines = append(lines, "--data-binary "+singleQuote(body))
	default:
		pipe = "printf " + singleQuote(printfEscape(body)) + " | "
		lines = append(lines, "--data-binary @-")
	}
	// One option a line, as a reader scans it and a shell reads it.
	r.Command = pipe + strings.Join(lines, " \\\n  ")
	r.Notes = replayNotes(req, mac, redacted, whole, r.Exact)
	return r
}

// headerArg is a header as curl's -H takes it; "Name;" sends an empty
// value, which "Name:" would remove instead.
func headerArg(h jsonreport.Header) string {
	if h.Value == "" {
		return h.Name + ";"
	}
	return h.Name + ": " + h.Value
}

// replayNotes says what the command does not show by itself.
func replayNotes(req jsonreport.Request, mac string, redacted, whole, exact bool) []string {
	var notes []string
	switch {
	case !whole:
		notes = append(notes, fmt.Sprintf("The body was %d bytes; the report keeps its first %d, and this command sends only those: its MAC does not match them, so it does not reproduce the request.", req.BodySize, len(req.BodyPrefix)))
	case !exact:
		notes = append(notes, "The body held bytes that are not UTF-8 text, which the report shows as \uFFFD: this command sends those instead, so it does not reproduce the request exactly.")
	case mac != "":
		notes = append(notes, "The "+macHeader+" header is the one the suite sent. A replay sends the same body, byte for byte, so its MAC is the same and is judged as it was the first time: a MAC proves who signed a body, not when. A receiver that stores events by (sessionId, sequence) answers a replay of an accepted event as a redelivery.")
	}
	if mac == "" && !hasHeader(req, macHeader) {
		notes = append(notes, "The suite sent no "+macHeader+" header, and neither does this command.")
	}
	if redacted {
		notes = append(notes, "The report never keeps credentials: put the URL's password back in place of xxxxx, and curl sends it as the suite did.")
	}
	if !req.Written {
		notes = append(notes, "This request never reached the wire; its headers are the ones prepared for it, and this command adds the Content-Type the emitter adds as it writes a request.")
	}
	return notes
}

func hasHeader(req jsonreport.Request, name string) bool {
	for _, h := range req.Headers {
		if strings.EqualFold(h.Name, name) {
			return true
		}
	}
	return false
}

// shellQuote quotes s for a POSIX shell when it needs it: a method or a
// plain URL reads better bare.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:@%+=,") == "" {
		return s
	}
	return singleQuote(s)
}

// singleQuote quotes s for a POSIX shell: in single quotes, where nothing
// is special but the quote itself.
func singleQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// printable reports whether s can go into a shell argument as it is:
// no NUL, which no argument holds, and no other control character, which
// a terminal would not show as pasted.
func printable(s string) bool {
	for _, r := range s {
		if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f {
			return false
		}
	}
	return true
}

// printfEscape writes s as a printf format that prints s: every byte
// outside printable ASCII as an octal escape.
func printfEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			b.WriteString(`\\`)
		case c == '%':
			b.WriteString("%%")
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, `\%03o`, c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

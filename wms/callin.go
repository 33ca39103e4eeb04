package wms

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Bounds of a call-in path. A real one is about 1.5 KB: a 344-character
// PROFILE_DATA (more once percent-encoded) and two JWTs.
const (
	// MaxPath is the longest call-in path read; longer ones get 414.
	MaxPath = 8 << 10
	// maxSegments is how many segments are split off before giving up.
	maxSegments = 16
)

// callInPrefix starts every call-in path.
const callInPrefix = "/c/"

// Errors of parseCallIn: the path is not one the mock reads as a call-in
// at all, so no Config ID can be trusted to redirect to.
var (
	errTooLong   = fmt.Errorf("the path is over %d bytes: a call-in is about 1.5 KB", MaxPath)
	errNoConfig  = errors.New("the path names no Config ID: a call-in is /c/CONFIG_ID/PROFILE_DATA/DFX_AUTH_TOKEN/DFX_REFRESH_TOKEN/SESSION_ID")
	errBadConfig = errors.New("the Config ID segment has a broken percent-encoding")
)

// callIn is a call-in path split into its segments, each as it stood.
type callIn struct {
	// configID is the first segment, percent-decoded.
	configID string
	// segs are the raw segments after the Config ID: PROFILE_DATA,
	// DFX_AUTH_TOKEN, DFX_REFRESH_TOKEN, SESSION_ID, when all are there.
	segs []string
	// more is true when the path has over maxSegments segments.
	more bool
}

// parseCallIn splits the raw path of a request under /c/. It decodes only
// the Config ID: every other segment is judged by the checks, with the
// known Config ID to redirect to.
func parseCallIn(path string) (callIn, error) {
	if len(path) > MaxPath {
		return callIn{}, errTooLong
	}
	rest, ok := strings.CutPrefix(path, callInPrefix)
	if !ok {
		return callIn{}, errNoConfig
	}
	parts := strings.SplitN(rest, "/", maxSegments+1)
	more := len(parts) > maxSegments
	if more {
		parts = parts[:maxSegments]
	}
	id, err := url.PathUnescape(parts[0])
	switch {
	case err != nil:
		return callIn{}, errBadConfig
	case id == "":
		return callIn{}, errNoConfig
	}
	return callIn{configID: id, segs: parts[1:], more: more}, nil
}

// The values of a full call-in, by position after the Config ID.
const (
	segProfile = iota
	segAuth
	segRefresh
	segSession
	segCount
)

// rawPath returns a request's path exactly as it stood in the request
// line, percent-encoding untouched: WMS echoes SESSION_ID so, and Go's
// URL.EscapedPath may re-encode a segment. An absolute-form target
// (http://host/path, as a proxy sends) loses its scheme and host.
func rawPath(requestURI string) string {
	p := requestURI
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	if !strings.HasPrefix(p, "/") {
		if i := strings.Index(p, "://"); i >= 0 {
			rest := p[i+3:]
			if j := strings.IndexByte(rest, '/'); j >= 0 {
				return rest[j:]
			}
		}
		return "/"
	}
	return p
}

// sessionKey is the key a session's report is kept under: the SESSION_ID
// segment with any byte that cannot stand in a URL path percent-encoded,
// so that the key put in the realtime page's links finds the session
// again. For the IDs customers use (UUIDs, letters and digits) it is the
// segment itself.
func sessionKey(seg string) string {
	var b strings.Builder
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		if pathSafe(c) {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// pathSafe is RFC 3986's pchar set, with '%' kept as is.
func pathSafe(c byte) bool {
	return uriUnreserved(c) || strings.IndexByte("%$&+,;=:@", c) >= 0
}

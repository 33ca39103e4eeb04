package scenarios

import (
	"fmt"

	"github.com/wmsmock/wms-mock/emitter"
)

// Expect is the answer a correct receiver gives to a delivery. The zero
// value is Expect2xx, what every realistic delivery must get.
type Expect uint8

// The answers a step may expect.
const (
	// Expect2xx passes on a 2xx answer, the only success.
	Expect2xx Expect = iota
	// Expect4xx passes on a 4xx answer: the receiver refused the request
	// as the sender's fault (bad MAC, malformed body).
	Expect4xx
	// ExpectNon2xx passes on any HTTP answer but a 2xx.
	ExpectNon2xx
	// ExpectAny passes on any HTTP answer; only a missing answer (timeout,
	// reset, refused) fails.
	ExpectAny
)

// String returns the name used in YAML: 2xx, 4xx, non-2xx or any.
func (e Expect) String() string {
	switch e {
	case Expect2xx:
		return "2xx"
	case Expect4xx:
		return "4xx"
	case ExpectNon2xx:
		return "non-2xx"
	case ExpectAny:
		return "any"
	}
	return fmt.Sprintf("Expect(%d)", uint8(e))
}

// ParseExpect reads an expectation as written in YAML.
func ParseExpect(s string) (Expect, error) {
	for e := Expect2xx; e <= ExpectAny; e++ {
		if e.String() == s {
			return e, nil
		}
	}
	return 0, fmt.Errorf("want 2xx, 4xx, non-2xx or any, got %q", s)
}

// MarshalText writes the YAML name, so JSON reports read "4xx".
func (e Expect) MarshalText() ([]byte, error) { return []byte(e.String()), nil }

// Match reports whether an attempt is the expected answer. Only a complete
// HTTP answer can match: a timeout or a reset fails every expectation.
func (e Expect) Match(a emitter.Attempt) bool {
	if a.Class != "" {
		return false
	}
	switch e {
	case Expect2xx:
		return a.OK()
	case Expect4xx:
		return a.Status >= 400 && a.Status < 500
	case ExpectNon2xx:
		return !a.OK()
	case ExpectAny:
		return true
	}
	return false
}

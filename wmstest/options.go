package wmstest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/wmsmock/wms-mock/conformance"
	"github.com/wmsmock/wms-mock/forgery"
	"github.com/wmsmock/wms-mock/scenarios"
)

// An Option changes one thing about what a function of this package
// builds or runs. Each option says which functions take it; passing one
// to a function it means nothing to is an error rather than a silent
// no-op, so that a test never believes it checked something it did not.
// The zero Option changes nothing.
type Option struct {
	name  string
	scope scope
	set   func(*config) error
}

// scope is the set of functions an Option applies to.
type scope uint8

const (
	forRequest scope = 1 << iota // NewRequest
	forSession                   // NewSession
	forNext                      // (*Session).Request
	forJourney                   // Journey
	forSuite                     // Conformance
)

// names are the functions of each scope bit, in the order of the bits.
var names = []string{"NewRequest", "NewSession", "Session.Request", "Journey", "Conformance"}

// String lists the functions s covers, for an error message.
func (s scope) String() string {
	var fns []string
	for i, n := range names {
		if s&(1<<i) != 0 {
			fns = append(fns, n)
		}
	}
	return strings.Join(fns, ", ")
}

// config is every option's value; each function reads the ones it takes.
type config struct {
	seed    uint64
	seedSet bool
	at      time.Time
	session string
	forgery forgery.Kind
	timeout time.Duration
	level   conformance.Level
	filter  string
	path    string
	extra   []*scenarios.Scenario
}

// apply runs opts for the function fn of scope s. Without WithSeed, the
// seed is random, so that sessions built in one test run never repeat
// those of an earlier run against the same store.
func apply(fn string, s scope, opts []Option) (config, error) {
	c := config{seed: rand.Uint64(), path: "/"}
	for _, o := range opts {
		if o.set == nil {
			continue
		}
		if o.scope&s == 0 {
			return c, fmt.Errorf("wmstest.%s: %s applies to %s only: drop it here", fn, o.name, o.scope)
		}
		if err := o.set(&c); err != nil {
			return c, fmt.Errorf("wmstest.%s: %s: %w", fn, o.name, err)
		}
	}
	return c, nil
}

// WithSeed makes generated values reproducible: for NewRequest,
// NewSession and Journey, the session ID, the measurement ID and the SNR
// values (with WithTime as well, the bytes and the MAC are the same on
// every run); for Conformance, the values its sessions carry, as the CLI's
// --seed (session and measurement IDs stay fresh there, so that reruns
// never collide, and 0 means random, as --seed 0 does). Without it the
// seed is random.
func WithSeed(seed uint64) Option {
	return Option{"WithSeed", forRequest | forSession | forJourney | forSuite, func(c *config) error {
		c.seed, c.seedSet = seed, true
		return nil
	}}
}

// WithTime sets when the event happens: the envelope's timestamp for
// NewRequest and Session.Request, the first event's for Journey. Without
// it an event happens now, and a journey ends now, so that a receiver with
// a replay window accepts every request.
func WithTime(t time.Time) Option {
	return Option{"WithTime", forRequest | forNext | forJourney, func(c *config) error {
		if t.IsZero() {
			return errors.New("the zero time: leave the option out for now")
		}
		c.at = t
		return nil
	}}
}

// WithSessionID sends id as the sessionId, the value a customer puts in
// the call-in URL, instead of a generated one like the vendor's example.
func WithSessionID(id string) Option {
	return Option{"WithSessionID", forRequest | forSession | forJourney, func(c *config) error {
		if id == "" {
			return errors.New("an empty session ID: leave the option out for a generated one")
		}
		c.session = id
		return nil
	}}
}

// WithForgery signs the request wrongly in the way k names (forgery.None
// sends no MAC, forgery.WrongSecret signs with another secret, ...), so
// that a test can require the receiver to answer 401. The body stays as a
// valid event's. For Journey, every request is forged.
func WithForgery(k forgery.Kind) Option {
	return Option{"WithForgery", forRequest | forNext | forJourney, func(c *config) error {
		if k != forgery.Valid {
			if _, err := forgery.Parse(string(k)); err != nil {
				return err
			}
		}
		c.forgery = k
		return nil
	}}
}

// WithTimeout is the delivery deadline of Conformance, the CLI's
// --timeout: a handler that has not answered by then fails the delivery.
// The default is emitter.DefaultTimeout.
func WithTimeout(d time.Duration) Option {
	return Option{"WithTimeout", forSuite, func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("the deadline must be positive, got %v", d)
		}
		c.timeout = d
		return nil
	}}
}

// WithLevel runs only the specs of one level, conformance.Must or
// conformance.Should; the CLI selects them with --label-filter must.
// Combined with WithLabelFilter, a spec must match both.
func WithLevel(l conformance.Level) Option {
	return Option{"WithLevel", forSuite, func(c *config) error {
		if l != conformance.Must && l != conformance.Should {
			return fmt.Errorf("level %q: want conformance.Must or conformance.Should", l)
		}
		c.level = l
		return nil
	}}
}

// WithLabelFilter runs only the specs whose labels match expr, exactly as
// the CLI's --label-filter: Ginkgo's syntax over the labels must, should,
// the areas (signature, delivery, payload, robustness, timing, scenario)
// and each spec's ID, such as "signature && !wrong-scheme" or "duplicate".
func WithLabelFilter(expr string) Option {
	return Option{"WithLabelFilter", forSuite, func(c *config) error {
		c.filter = expr
		return nil
	}}
}

// WithPath is the path the suite posts to, for a handler that routes:
// pass your whole router and the webhook's path ("/webhooks/wms"). The
// default is "/".
func WithPath(path string) Option {
	return Option{"WithPath", forSuite, func(c *config) error {
		if !strings.HasPrefix(path, "/") {
			return fmt.Errorf("path %q: want an absolute path such as /webhooks/wms", path)
		}
		c.path = path
		return nil
	}}
}

// WithScenarios adds QA's scenarios to Conformance, one must spec each,
// labelled scenario, as the CLI's --scenarios: each step's expected answer
// is an assertion. Load them with scenarios.Find or scenarios.Load.
func WithScenarios(list ...*scenarios.Scenario) Option {
	return Option{"WithScenarios", forSuite, func(c *config) error {
		c.extra = append(c.extra, list...)
		return nil
	}}
}

// labelFilter is the suite's label filter: the level, and the filter.
func (c config) labelFilter() string {
	switch {
	case c.level == "":
		return c.filter
	case c.filter == "":
		return string(c.level)
	}
	return fmt.Sprintf("%s && (%s)", c.level, c.filter)
}

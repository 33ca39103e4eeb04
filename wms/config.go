package wms

import (
	"crypto/rsa"
	"log/slog"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/scenarios"
)

// Defaults of the assumed behaviour; docs/wms.md lists them with the rest.
const (
	// DefaultListen is where 'wms-mock wms' listens: loopback, so that the
	// mock is not reachable from the network unless asked.
	DefaultListen = "127.0.0.1:8090"
	// DefaultScenario is played when neither the session nor its Config
	// ID names one.
	DefaultScenario = "happy-path"
	// DefaultDeliveryTimeout bounds each webhook delivery. It is shorter
	// than the emitter's ten seconds because a browser waits on the
	// call-in at fast pace while every delivery is made.
	DefaultDeliveryTimeout = 3 * time.Second
	// DefaultMaxSessions is how many sessions' reports are kept; the
	// oldest is forgotten first, so that a long CI run cannot grow the
	// mock's memory without bound.
	DefaultMaxSessions = 10000
	// KeyBits is the size of the mock's generated key: WMS's is RSA-2048
	// (a real PROFILE_DATA decodes to 256 bytes).
	KeyBits = 2048
)

// ConfigID is what the vendor stores behind one Config ID. The callback
// URL lives here, not in the call-in URL, as with the real service.
type ConfigID struct {
	// ID is the Config ID as it appears in the call-in path.
	ID string
	// Callback is where the browser is sent with results=VALUE or
	// error=CODE.
	Callback string
	// Webhook receives the scan's events.
	Webhook string
	// Signer holds the Config ID's MAC secret. Required.
	Signer *emitter.Signer
	// Scenario is played for sessions that chose none with PUT
	// /mock/sessions; empty means DefaultScenario.
	Scenario string
	// SettingsURL is the customer's settings endpoint, fetched at each
	// call-in; its encryptResults and publicKey override the two fields
	// below. Empty means no fetch.
	SettingsURL string
	// EncryptResults sends results in the assumed encrypted format (see
	// EncryptResults) to CustomerKey.
	EncryptResults bool
	// CustomerKey is the customer's public key: it encrypts results and
	// verifies two-way profile signatures.
	CustomerKey *rsa.PublicKey
	// TwoWay requires PROFILE_DATA to carry the customer's signature, in
	// the assumed form SignProfile makes.
	TwoWay bool

	// at is where a config file set this Config ID, so that New's errors
	// point into the file.
	at string
}

// Range is an inclusive plausible range; the zero Range means the
// default one.
type Range struct{ Min, Max float64 }

func (r Range) or(def Range) Range {
	if r == (Range{}) {
		return def
	}
	return r
}

func (r Range) has(v float64) bool { return v >= r.Min && v <= r.Max }

// Limits are the plausible profile values. WMS documents units but no
// ranges, so these are assumed; a value outside Height, Weight or BMI is
// refused with INVALID_BMI, as WMS was seen to do, and an age outside Age
// with INVALID_PROFILE.
type Limits struct {
	Height Range // cm; default 100 to 250
	Weight Range // kg; default 25 to 300
	BMI    Range // default 10 to 70
	Age    Range // years; default 13 to 120
}

// DefaultLimits are the assumed plausible ranges.
var DefaultLimits = Limits{
	Height: Range{100, 250},
	Weight: Range{25, 300},
	BMI:    Range{10, 70},
	Age:    Range{13, 120},
}

func (l Limits) withDefaults() Limits {
	return Limits{
		Height: l.Height.or(DefaultLimits.Height),
		Weight: l.Weight.or(DefaultLimits.Weight),
		BMI:    l.BMI.or(DefaultLimits.BMI),
		Age:    l.Age.or(DefaultLimits.Age),
	}
}

// Config is what the mock serves: the Config IDs and the assumed
// behaviour that a user may change. LoadConfig reads one from YAML; the
// zero value of every field but IDs means the documented default.
type Config struct {
	IDs []ConfigID
	// ErrorCodes replaces the default code of an outcome (see
	// ErrorOutcomes and DefaultErrorCode).
	ErrorCodes map[Outcome]string
	// Limits are the plausible profile values.
	Limits Limits
}

// options are New's settings besides the Config.
type options struct {
	key         *rsa.PrivateKey
	pace        scenarios.Pace
	extra       []*scenarios.Scenario
	files       []string
	timeout     time.Duration
	maxSessions int
	seed        uint64
	seeded      bool
	log         *slog.Logger
	client      []emitter.Option
}

// Option configures a Server.
type Option func(*options)

// WithKey makes key the mock's WMS key pair; without it New generates a
// fresh one, and call-ins must be encrypted with that one's public key.
func WithKey(key *rsa.PrivateKey) Option { return func(o *options) { o.key = key } }

// WithPace sets the pace of every session: scenarios.PaceFast (the
// default) answers the call-in with a 303 once every webhook is
// delivered; any other pace serves the page that shows the scan as it
// happens.
func WithPace(p scenarios.Pace) Option { return func(o *options) { o.pace = p } }

// WithScenarios adds scenarios a session or a Config ID may name, beside
// the built-in ones; one of the same name replaces the built-in one.
func WithScenarios(list ...*scenarios.Scenario) Option {
	return func(o *options) { o.extra = append(o.extra, list...) }
}

// WithScenarioFiles adds scenarios as scenarios.Find reads them (a
// built-in name or a YAML path), as --scenarios FILE... gives them.
func WithScenarioFiles(paths ...string) Option {
	return func(o *options) { o.files = append(o.files, paths...) }
}

// WithDeliveryTimeout bounds each webhook delivery (default
// DefaultDeliveryTimeout): a Config ID whose webhook does not answer
// still completes its call-in, one timeout per event later.
func WithDeliveryTimeout(d time.Duration) Option { return func(o *options) { o.timeout = d } }

// WithMaxSessions bounds how many session reports are kept (default
// DefaultMaxSessions); the oldest is forgotten first.
func WithMaxSessions(n int) Option { return func(o *options) { o.maxSessions = n } }

// WithSeed makes generated values (measurement IDs, SNR, results)
// reproducible: the same seed and the same call-ins give the same
// values. Without it each Server draws a seed of its own.
func WithSeed(seed uint64) Option { return func(o *options) { o.seed, o.seeded = seed, true } }

// WithLogger logs every call-in check that fails and every session's end.
// Without it nothing is logged.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithClientOptions passes options (CA certificate, insecure TLS) to every
// Config ID's webhook client.
func WithClientOptions(opts ...emitter.Option) Option {
	return func(o *options) { o.client = append(o.client, opts...) }
}

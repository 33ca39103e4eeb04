package wms

import (
	"cmp"
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/suggest"
	"github.com/wmsmock/wms-mock/scenarios"
)

// entry is one served Config ID with what New made for it.
type entry struct {
	ConfigID
	client   *emitter.Client
	scenario *scenarios.Scenario
}

// Server is the mock WMS: one http.Handler serving every Config ID.
type Server struct {
	key            *rsa.PrivateKey
	publicPEM      []byte
	ids            map[string]*entry
	idNames        []string
	scenarios      map[string]*scenarios.Scenario
	scenarioNames  []string
	pace           scenarios.Pace
	codes          map[Outcome]string
	limits         Limits
	seed           uint64
	timeout        time.Duration
	store          *store
	log            *slog.Logger
	settingsClient *http.Client

	// anonymous numbers call-ins without a SESSION_ID.
	anonymous atomic.Uint64

	ctx    context.Context
	cancel context.CancelFunc
	mu     sync.Mutex // guards closed against wg.Add racing Close
	closed bool
	wg     sync.WaitGroup
}

// New returns a Server for cfg. Every problem is an error of one line that
// names the Config ID (and, for one read from a file, where) and says what
// to do. Without WithKey it generates a fresh key, which takes a moment.
func New(cfg Config, opts ...Option) (*Server, error) {
	o := options{timeout: DefaultDeliveryTimeout, maxSessions: DefaultMaxSessions}
	for _, opt := range opts {
		opt(&o)
	}
	if o.timeout <= 0 {
		return nil, fmt.Errorf("the delivery timeout must be positive, got %v", o.timeout)
	}
	if o.maxSessions <= 0 {
		return nil, fmt.Errorf("the session cap must be positive, got %d", o.maxSessions)
	}
	if len(cfg.IDs) == 0 {
		return nil, errors.New("no Config ID to serve: pass --config-id ID --callback URL --webhook URL, or --config FILE")
	}
	s := &Server{
		pace: o.pace, limits: cfg.Limits.withDefaults(), timeout: o.timeout,
		store: newStore(o.maxSessions), log: o.log, seed: o.seed,
		ids: map[string]*entry{}, scenarios: map[string]*scenarios.Scenario{},
		settingsClient: &http.Client{Timeout: o.timeout},
	}
	if !o.seeded {
		s.seed = rand.Uint64()
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if err := s.loadScenarios(o); err != nil {
		return nil, err
	}
	codes, err := mergeCodes(cfg.ErrorCodes)
	if err != nil {
		return nil, err
	}
	s.codes = codes
	if err := s.addConfigIDs(cfg.IDs, o); err != nil {
		s.closeClients()
		return nil, err
	}
	if s.key = o.key; s.key == nil {
		if s.key, err = GenerateKey(); err != nil {
			s.closeClients()
			return nil, fmt.Errorf("generate the mock's key: %w", err)
		}
	}
	s.publicPEM = PublicKeyPEM(&s.key.PublicKey)
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s, nil
}

// loadScenarios indexes the built-in scenarios, then the given ones, which
// replace built-in ones of the same name.
func (s *Server) loadScenarios(o options) error {
	list := scenarios.Builtin()
	for _, f := range o.files {
		sc, err := scenarios.Find(f)
		if err != nil {
			return fmt.Errorf("--scenarios: %w", err)
		}
		list = append(list, sc)
	}
	for _, sc := range append(list, o.extra...) {
		if sc == nil {
			return errors.New("WithScenarios: a nil scenario")
		}
		s.scenarios[sc.Name] = sc
	}
	for name := range s.scenarios {
		s.scenarioNames = append(s.scenarioNames, name)
	}
	slices.Sort(s.scenarioNames)
	return nil
}

// mergeCodes applies the configured error codes over the defaults.
func mergeCodes(given map[Outcome]string) (map[Outcome]string, error) {
	codes := map[Outcome]string{}
	for _, o := range ErrorOutcomes() {
		codes[o] = DefaultErrorCode(o)
	}
	for o, code := range given {
		if _, ok := codes[o]; !ok {
			return nil, fmt.Errorf("error code for %q: %s", o, unknownOutcome(string(o)))
		}
		if err := checkCode(code); err != nil {
			return nil, fmt.Errorf("error code for %s: %v", o, err)
		}
		codes[o] = code
	}
	return codes, nil
}

// unknownOutcome says what a mistyped outcome name may mean.
func unknownOutcome(name string) string {
	names := make([]string, 0, len(outcomeTable))
	for _, o := range ErrorOutcomes() {
		names = append(names, string(o))
	}
	if near := suggest.Closest(name, names); near != "" {
		return "no such outcome: did you mean " + near + "?"
	}
	return "no such outcome: the outcomes are " + strings.Join(names, ", ")
}

// checkCode refuses a code that would not survive a query string as is.
func checkCode(code string) error {
	if code == "" || len(code) > 64 {
		return fmt.Errorf("%q: want 1 to 64 characters", code)
	}
	if url.QueryEscape(code) != code {
		return fmt.Errorf("%q: use letters, digits, '_', '-' and '.' only", code)
	}
	return nil
}

// addConfigIDs checks each Config ID and makes its webhook client.
func (s *Server) addConfigIDs(ids []ConfigID, o options) error {
	for _, c := range ids {
		where := "Config ID " + shown(c.ID)
		if c.at != "" {
			where = c.at + ": " + where
		}
		if c.ID == "" {
			return fmt.Errorf("%s: the Config ID is empty", where)
		}
		if _, dup := s.ids[c.ID]; dup {
			return fmt.Errorf("%s is given twice: give each Config ID once", where)
		}
		if err := checkCallback(c.Callback); err != nil {
			return fmt.Errorf("%s: %v", where, err)
		}
		if c.Signer == nil {
			return fmt.Errorf("%s has no MAC secret: set WMS_MAC_SECRET or pass --secret-file FILE", where)
		}
		name := cmp.Or(c.Scenario, DefaultScenario)
		sc, ok := s.scenarios[name]
		if !ok {
			return fmt.Errorf("%s: %s", where, s.unknownScenario(name))
		}
		if (c.EncryptResults || c.TwoWay) && c.CustomerKey == nil && c.SettingsURL == "" {
			return fmt.Errorf("%s: results encryption and two-way mode need the customer's public key: give one, or a settings URL that publishes it", where)
		}
		client, err := emitter.NewClient(c.Webhook, append([]emitter.Option{emitter.WithTimeout(o.timeout), emitter.WithMaxConns(256)}, o.client...)...)
		if err != nil {
			return fmt.Errorf("%s: webhook: %v", where, err)
		}
		s.ids[c.ID] = &entry{ConfigID: c, client: client, scenario: sc}
		s.idNames = append(s.idNames, c.ID)
	}
	return nil
}

// checkCallback refuses a callback URL the browser cannot be sent to.
func checkCallback(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		return errors.New("no callback URL: pass --callback URL (the customer's page that reads results= or error=)")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return fmt.Errorf("callback URL %q: want an absolute http:// or https:// URL", emitter.RedactURL(raw))
	}
	return nil
}

// unknownScenario says what a scenario name that is not served may mean.
func (s *Server) unknownScenario(name string) string {
	if near := suggest.Near(name, s.scenarioNames, 3); len(near) > 0 {
		return fmt.Sprintf("unknown scenario %s: did you mean %s? ('wms-mock list' shows the built-in ones)", shown(name), strings.Join(near, " or "))
	}
	return fmt.Sprintf("unknown scenario %s: name a built-in one ('wms-mock list') or one given with --scenarios FILE", shown(name))
}

// PublicKey is the mock's WMS public key: the one the customer's app
// encrypts PROFILE_DATA with.
func (s *Server) PublicKey() *rsa.PublicKey { return &s.key.PublicKey }

// PublicKeyPEM is PublicKey as GET /mock/public-key.pem serves it.
func (s *Server) PublicKeyPEM() []byte { return slices.Clone(s.publicPEM) }

// Session returns the report of the session whose SESSION_ID segment was
// id, as it stood in the path.
func (s *Server) Session(id string) (Report, bool) {
	sess := s.store.get(sessionKey(id))
	if sess == nil {
		return Report{}, false
	}
	return sess.snapshot(), true
}

// Close stops every journey under way (their sessions end as cancelled
// deliveries) and releases the webhook clients' connections.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
	s.closeClients()
	return nil
}

func (s *Server) closeClients() {
	for _, e := range s.ids {
		e.client.Close()
	}
}

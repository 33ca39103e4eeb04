package wms

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"

	"github.com/wmsmock/wms-mock/emitter"
)

// maxSettings bounds the settings endpoint's answer.
const maxSettings = 64 << 10

// settingsDoc is the settings endpoint's JSON. Only {"settings": ...} is
// documented; the two field names are assumed.
type settingsDoc struct {
	Settings *struct {
		EncryptResults *bool   `json:"encryptResults"`
		PublicKey      *string `json:"publicKey"`
	} `json:"settings"`
}

// customer is what the call-in needs from the customer's settings: whether
// to encrypt results, and the key that encrypts them and verifies two-way
// signatures.
type customer struct {
	encrypt bool
	key     *rsa.PublicKey
}

// settingsFor resolves the customer's settings for one call-in: the Config
// ID's own, overridden by its settings endpoint when it has one and the
// endpoint answers. A broken endpoint is a warning, since WMS would carry
// on with what it has; a setting that cannot be honoured is an error.
func (s *Server) settingsFor(ctx context.Context, e *entry, cs *checks) customer {
	c := customer{encrypt: e.EncryptResults, key: e.CustomerKey}
	if e.SettingsURL != "" {
		s.fetchSettings(ctx, e, &c, cs)
	}
	switch {
	case c.encrypt && c.key == nil:
		cs.fail(CheckSettings, OutcomeSettingsError, "results encryption is on but no customer public key is known: publish settings.publicKey or set the Config ID's customer key")
	case e.TwoWay && c.key == nil:
		cs.fail(CheckSettings, OutcomeSettingsError, "two-way mode is on but no customer public key is known to verify the profile: publish settings.publicKey or set the Config ID's customer key")
	}
	return c
}

// fetchSettings GETs the settings endpoint and applies what it says.
func (s *Server) fetchSettings(ctx context.Context, e *entry, c *customer, cs *checks) {
	where := emitter.RedactURL(e.SettingsURL)
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.SettingsURL, nil)
	if err != nil {
		cs.warn(CheckSettings, "the settings URL %s does not make a request: %v", where, err)
		return
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.settingsClient.Do(req)
	if err != nil {
		cs.warn(CheckSettings, "the settings endpoint %s did not answer within %v: the Config ID's own settings apply", where, s.timeout)
		return
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxSettings+1))
	switch {
	case resp.StatusCode != http.StatusOK:
		cs.warn(CheckSettings, "the settings endpoint %s answered %d, want 200 with {\"settings\": ...}", where, resp.StatusCode)
		return
	case err != nil || len(body) > maxSettings:
		cs.warn(CheckSettings, "the settings endpoint %s sent no complete answer under %d KiB", where, maxSettings>>10)
		return
	}
	var doc settingsDoc
	if json.Unmarshal(body, &doc) != nil || doc.Settings == nil {
		cs.warn(CheckSettings, "the settings endpoint %s did not answer a JSON object starting {\"settings\": ...}", where)
		return
	}
	if v := doc.Settings.EncryptResults; v != nil {
		c.encrypt = *v
	}
	if v := doc.Settings.PublicKey; v != nil {
		k, err := ParsePublicKey([]byte(*v))
		if err != nil {
			cs.warn(CheckSettings, "settings.publicKey from %s: %v", where, err)
		} else {
			c.key = k
		}
	}
	cs.pass(CheckSettings, "settings from %s: encryptResults %t, public key %t", where, c.encrypt, c.key != nil)
}

// Package wms is a mock of NuraLogix WMS itself, not only of its webhook:
// the call-in URL a customer's app sends its user to, the scan's webhook
// events, and the redirect back to the customer's callback with results or
// an error. Customers' browser tests (Playwright, Cypress, Selenium) run
// against it offline, as they would against the real service.
//
// The mock is also a checker of the customer's call-in code: every check
// it makes of a call-in (segments, profile encryption and keys, tokens) is
// recorded per session as a Check, and GET /mock/sessions/SESSION_ID
// returns what the mock saw and did, for a test to assert on.
//
// One Server is one http.Handler:
//
//	GET /c/CONFIG_ID/PROFILE_DATA/DFX_AUTH_TOKEN/DFX_REFRESH_TOKEN/SESSION_ID
//	GET /mock/public-key.pem            the mock's public key (the WMS key)
//	PUT /mock/sessions/SESSION_ID       {"scenario": NAME} before the call-in
//	GET /mock/sessions/SESSION_ID       the session's Report, as JSON
//	GET /mock/sessions/SESSION_ID/status, /done   the realtime page's helpers
//
// The webhooks go through the same emitter and scenarios.Runner as
// 'wms-mock run'. Facts the vendor does not document (error codes, the
// results encryption, the two-way signature) are defaults chosen here;
// docs/wms.md at the repository's root lists every fact with its source
// and how to change the assumed ones.
//
// The customer's side of the protocol (EncryptProfile, SignProfile,
// CallInURL, DecodeResults, DecryptResults) is here too, so that tests and
// the demo can build call-ins and read callbacks without a browser.
package wms

package wmstest

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
)

// Serve is h's answer to r, given in-process as h gives it behind Go's
// HTTP server: r's header names are spelled canonically, as the server
// spells what it reads (X-WMS-Content-MAC arrives as X-Wms-Content-Mac),
// and r carries what the server sets (RequestURI, RemoteAddr, TLS for an
// https URL). Calling h.ServeHTTP with r as built skips that: a handler
// that calls r.Header.Get("X-WMS-Content-MAC"), which looks up the
// canonical spelling, would find no MAC in the vendor's. Serve reads r's
// body; Redeliver makes another.
func Serve(h http.Handler, r *http.Request) *http.Response {
	in := httptest.NewRequestWithContext(r.Context(), r.Method, r.URL.RequestURI(), r.Body)
	in.ContentLength = r.ContentLength
	if host := r.Host; host != "" {
		in.Host = host
	}
	if r.URL.Scheme == "https" {
		in.TLS = &tls.ConnectionState{Version: tls.VersionTLS12, HandshakeComplete: true, ServerName: in.Host}
	}
	for k, v := range r.Header {
		ck := http.CanonicalHeaderKey(k)
		in.Header[ck] = append(in.Header[ck], v...)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, in)
	return rec.Result()
}

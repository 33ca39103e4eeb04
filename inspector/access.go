package inspector

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net"
	"net/http"
	"strings"
)

// cookieName carries the token's stand-in once a client presented it.
const cookieName = "wms_mock_inspector"

// proxyHeaders are set by the reverse proxies and tunnels (ngrok,
// cloudflared, nginx) that forward a remote client from loopback: a request
// with one of them is not taken for a local one.
var proxyHeaders = []string{"Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Real-Ip", "Cf-Connecting-Ip", "True-Client-Ip"}

// gate decides who may see the inspector.
type gate struct {
	// token is the token's digest, so that comparing costs the same
	// whatever the length of what a client sent; cookie is the value the
	// cookie carries, derived from the token so that it does not hold it.
	token  [sha256.Size]byte
	cookie string
	set    bool
}

func newGate(token string) gate {
	if token == "" {
		return gate{}
	}
	mac := hmac.New(sha256.New, []byte(token))
	mac.Write([]byte("wms-mock inspector cookie"))
	return gate{token: sha256.Sum256([]byte(token)), cookie: hex.EncodeToString(mac.Sum(nil)), set: true}
}

// admit reports whether r may go on; when it may not, or must first be sent
// elsewhere, it has answered.
func (g gate) admit(w http.ResponseWriter, r *http.Request) bool {
	if local(r) {
		return true
	}
	if !g.set {
		http.Error(w, "forbidden: the inspector answers loopback clients only; start it with a token (--inspect-token) to open it from elsewhere", http.StatusForbidden)
		return false
	}
	if g.presented(r) {
		return true
	}
	if q := r.URL.Query(); q.Has("token") && g.matches(q.Get("token")) {
		http.SetCookie(w, &http.Cookie{Name: cookieName, Value: g.cookie, Path: "/", HttpOnly: true,
			Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
		if r.URL.Path != "/" {
			return true
		}
		// Drop the token from the address bar, the history and what
		// a bookmark keeps.
		q.Del("token")
		to := *r.URL
		to.RawQuery = q.Encode()
		http.Redirect(w, r, to.RequestURI(), http.StatusSeeOther)
		return false
	}
	http.Error(w, "forbidden: pass the inspector's token, as 'Authorization: Bearer TOKEN' or once as ?token=TOKEN", http.StatusForbidden)
	return false
}

// presented reports whether r carries the token or its cookie.
func (g gate) presented(r *http.Request) bool {
	if auth, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && g.matches(strings.TrimSpace(auth)) {
		return true
	}
	c, err := r.Cookie(cookieName)
	return err == nil && subtle.ConstantTimeCompare([]byte(c.Value), []byte(g.cookie)) == 1
}

func (g gate) matches(token string) bool {
	sum := sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(sum[:], g.token[:]) == 1
}

// local reports whether r comes from this machine and was meant for it: a
// loopback peer, no proxy in between, and a loopback name in Host, so that
// a web page whose name an attacker pointed at 127.0.0.1 (DNS rebinding)
// cannot read the sessions through the user's browser.
func local(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil || !loopback(host) {
		return false
	}
	for _, h := range proxyHeaders {
		if _, ok := r.Header[h]; ok {
			return false
		}
	}
	name := r.Host
	if h, _, err := net.SplitHostPort(name); err == nil {
		name = h
	}
	return loopback(strings.Trim(name, "[]"))
}

func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

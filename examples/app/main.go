// This command is a model WMS integration with Go's standard library only,
// to read in one sitting and copy: a start page with the user's profile,
// the call-in that sends the browser to WMS, the webhook that receives the
// scan's events, and the callback that shows the results and checks them
// against those events.
//
// Against the mock WMS (wms-mock wms), on one machine:
//
//	export WMS_MAC_SECRET='a shared secret'
//	wms-mock wms --config-id AbC123xYz89 \
//	  --callback http://127.0.0.1:8091/callback --webhook http://127.0.0.1:8091/webhook
//	CONFIG_ID=AbC123xYz89 go run ./examples/app     # then open http://127.0.0.1:8091
//
// Settings, each an environment variable or the flag beside it: LISTEN
// (-listen, 127.0.0.1:8091), WMS_URL (-wms-url, http://127.0.0.1:8090),
// CONFIG_ID (-config-id, required), WMS_PUBLIC_KEY_FILE (-public-key-file)
// or WMS_PUBLIC_KEY_URL (-public-key-url, by default the mock's
// WMS_URL/mock/public-key.pem), DFX_AUTH_TOKEN and DFX_REFRESH_TOKEN
// (placeholders by default). WMS_MAC_SECRET, required, is read from the
// environment only: a flag would show it in the process list.
package main

import (
	"bytes"
	"cmp"
	"embed"
	"errors"
	"flag"
	"html/template"
	"log"
	"net/http"
	"os"
	"strings"
	"time"
)

//go:embed pages.html
var pagesFS embed.FS

// pages are every page the app serves. html/template escapes all they
// show: results and events come from the network, hostile or not.
var pages = template.Must(template.ParseFS(pagesFS, "pages.html"))

// config is the app's settings.
type config struct {
	Listen        string
	WMSURL        string // the WMS host, or the mock's
	ConfigID      string
	MACSecret     string
	PublicKeyFile string
	PublicKeyURL  string
	// AuthToken and RefreshToken are placeholders. A real app gets both
	// from the DeepAffex API (RegisterLicense returns Token and
	// RefreshToken) on its backend, per user or per device, and never
	// ships them in a config file.
	AuthToken    string
	RefreshToken string
}

// app is the integration: an http.Handler and the webhook events it keeps.
type app struct {
	cfg    config
	events *eventStore
	mux    *http.ServeMux
}

// newApp checks the settings and routes the four pages.
func newApp(cfg config) (*app, error) {
	switch {
	case cfg.ConfigID == "":
		return nil, errors.New("set CONFIG_ID (or -config-id) to the Config ID the vendor gave you, or the one 'wms-mock wms --config-id' serves")
	case cfg.MACSecret == "":
		return nil, errors.New("set WMS_MAC_SECRET to your Config ID's MAC secret: the webhook cannot verify events without it")
	}
	cfg.WMSURL = strings.TrimRight(cfg.WMSURL, "/")
	if cfg.PublicKeyFile == "" && cfg.PublicKeyURL == "" {
		cfg.PublicKeyURL = cfg.WMSURL + "/mock/public-key.pem"
	}
	a := &app{cfg: cfg, events: newEventStore(1000, 256), mux: http.NewServeMux()}
	if cfg.PublicKeyFile != "" {
		if _, err := a.wmsKey(); err != nil { // a bad file stops the app at start
			return nil, err
		}
	}
	a.mux.HandleFunc("GET /{$}", a.start)
	a.mux.HandleFunc("POST /scan", a.scan)
	a.mux.HandleFunc("POST /webhook", a.webhook)
	a.mux.HandleFunc("GET /callback", a.callback)
	return a, nil
}

func (a *app) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; frame-ancestors 'none'")
	a.mux.ServeHTTP(w, r)
}

// render writes a page, or a 500 when the template fails (it writes into a
// buffer first so that no half page goes out with a 200).
func render(w http.ResponseWriter, status int, name string, data any) {
	var b bytes.Buffer
	if err := pages.ExecuteTemplate(&b, name, data); err != nil {
		log.Printf("render %s: %v", name, err)
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// problem shows a plain error page: what went wrong and what to do.
func problem(w http.ResponseWriter, status int, what, todo string) {
	render(w, status, "problem", struct{ What, Todo string }{what, todo})
}

func main() {
	env := func(name, def string) string { return cmp.Or(os.Getenv(name), def) }
	var cfg config
	flag.StringVar(&cfg.Listen, "listen", env("LISTEN", "127.0.0.1:8091"), "address to serve the app on")
	flag.StringVar(&cfg.WMSURL, "wms-url", env("WMS_URL", "http://127.0.0.1:8090"), "the WMS host the call-in goes to (the mock's here)")
	flag.StringVar(&cfg.ConfigID, "config-id", env("CONFIG_ID", ""), "your Config ID")
	flag.StringVar(&cfg.PublicKeyFile, "public-key-file", env("WMS_PUBLIC_KEY_FILE", ""), "the WMS public key, PEM")
	flag.StringVar(&cfg.PublicKeyURL, "public-key-url", env("WMS_PUBLIC_KEY_URL", ""), "where to fetch the WMS public key (default: the mock's WMS_URL/mock/public-key.pem)")
	flag.Parse()
	cfg.MACSecret = os.Getenv("WMS_MAC_SECRET")
	cfg.AuthToken = env("DFX_AUTH_TOKEN", "placeholder-dfx-auth-token")
	cfg.RefreshToken = env("DFX_REFRESH_TOKEN", "placeholder-dfx-refresh-token")
	a, err := newApp(cfg)
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Addr: cfg.Listen, Handler: a, ReadHeaderTimeout: 10 * time.Second}
	log.Printf("example app on http://%s (WMS at %s, Config ID %s)", cfg.Listen, a.cfg.WMSURL, cfg.ConfigID)
	log.Fatal(srv.ListenAndServe())
}

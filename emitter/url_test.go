package emitter

import (
	"errors"
	"strings"
	"testing"
)

func TestNewClientRejectsBadURLs(t *testing.T) {
	for _, u := range []string{"", "ftp://x/", "localhost:8080", "127.0.0.1:8080/webhook", "http://", "http://a b/", "://x"} {
		if _, err := NewClient(u); !errors.Is(err, ErrBadURL) {
			t.Errorf("NewClient(%q) = %v, want ErrBadURL", u, err)
		}
		if err := CheckURL(u); !errors.Is(err, ErrBadURL) {
			t.Errorf("CheckURL(%q) = %v, want ErrBadURL", u, err)
		}
	}
	if err := CheckURL("https://u:pw@hooks.example/wms"); err != nil {
		t.Errorf("CheckURL of a good URL: %v", err)
	}
	if _, err := NewClient("http://127.0.0.1/", WithTimeout(0)); err == nil {
		t.Errorf("zero timeout accepted")
	}
}

func TestRedactURL(t *testing.T) {
	cases := map[string]string{
		"https://hooks.example/wms":        "https://hooks.example/wms",
		"https://u:pw@hooks.example/wms":   "https://u:xxxxx@hooks.example/wms",
		"http://u:pw@[::1/x":               "http://xxxxx@[::1/x",
		"u:pw@host/x":                      "xxxxx@host/x",
		"http://host/x?next=http://a:b@c/": "http://host/x?next=http://a:b@c/",
		"http://u:p%zz@host/":              "http://xxxxx@host/",
	}
	for in, want := range cases {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
	if _, err := NewClient("ftp://u:secretpw@host/"); err == nil || strings.Contains(err.Error(), "secretpw") {
		t.Errorf("NewClient error shows the password: %v", err)
	}
}

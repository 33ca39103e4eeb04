package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/pflag"

	"github.com/wmsmock/wms-mock/emitter"
)

// secretFlags are the ways a command can be given the MAC secret, shared
// by every command that signs or verifies.
type secretFlags struct {
	value string
	file  string
}

func (s *secretFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&s.value, "secret", "", "`SECRET`: the Config ID's MAC secret (default $WMS_MAC_SECRET; prefer --secret-file or the variable: a flag shows in the process list)")
	fs.StringVar(&s.file, "secret-file", "", "read the MAC secret from `FILE` (one line; a trailing newline is ignored)")
}

// signer resolves the secret: --secret-file, then --secret, then
// WMS_MAC_SECRET. Errors never quote the secret.
func (s *secretFlags) signer(std *stdio) (*emitter.Signer, error) {
	secret := s.value
	switch {
	case s.file != "":
		if s.value != "" {
			return nil, errors.New("give the secret once: --secret or --secret-file, not both")
		}
		var err error
		if secret, err = readSecretFile(s.file, "the secret file", "the Config ID's MAC secret"); err != nil {
			return nil, err
		}
	case secret == "":
		secret = std.getenv("WMS_MAC_SECRET")
	}
	if secret == "" {
		return nil, emitter.ErrEmptySecret
	}
	return emitter.NewSigner([]byte(secret))
}

// readSecretFile reads a secret from a one-line file (a trailing newline
// is not part of it); what names the file in errors, holds what should be
// in it. Errors never quote the file's content.
func readSecretFile(path, what, holds string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("cannot read %s: %w", what, err)
	}
	secret := strings.TrimRight(string(b), "\r\n")
	if secret == "" {
		return "", fmt.Errorf("%s %s is empty: put %s in it", what, path, holds)
	}
	return secret, nil
}

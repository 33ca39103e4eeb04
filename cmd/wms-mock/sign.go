package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/wmsmock/wms-mock/emitter"
)

// maxSignBody bounds what sign and verify read, far above any real event.
const maxSignBody = 64 << 20

func runSign(_ context.Context, std *stdio, args []string) int {
	fs := newFlagSet("sign", "[FILE|-]", `
Print the X-WMS-Content-MAC header value WMS would send for a body: the
HMAC-SHA256 of the exact bytes of FILE (or standard input) with the MAC
secret, as "hmac-sha256=<lowercase hex>".

  WMS_MAC_SECRET=... wms-mock sign body.json
  curl -H "X-WMS-Content-MAC: $(wms-mock sign body.json)" --data-binary @body.json URL`, std)
	secret := addSecretFlags(fs)
	if code, done := parse(fs, args, std); done {
		return code
	}
	signer, body, code := signerAndBody(fs, secret, std)
	if signer == nil {
		return code
	}
	fmt.Fprintln(std.out, signer.MAC(body))
	return exitOK
}

func runVerify(_ context.Context, std *stdio, args []string) int {
	fs := newFlagSet("verify", "--mac VALUE [FILE|-]", `
Check an X-WMS-Content-MAC header value against the exact bytes of FILE (or
standard input). Exit 0 when it matches, 1 when it does not, 2 when the value
is not of the form "hmac-sha256=<64 hex digits>".`, std)
	secret := addSecretFlags(fs)
	mac := fs.String("mac", "", "the header `VALUE` to check")
	if code, done := parse(fs, args, std); done {
		return code
	}
	if *mac == "" {
		return usageError(std, "verify", "--mac is required: pass the X-WMS-Content-MAC value to check")
	}
	if _, err := emitter.ParseMAC(*mac); err != nil {
		return usageError(std, "verify", "%v", err)
	}
	signer, body, code := signerAndBody(fs, secret, std)
	if signer == nil {
		return code
	}
	if err := signer.Verify(*mac, body); err != nil {
		fmt.Fprintf(std.out, "mismatch: %v (check the secret and that the body is byte for byte what was signed)\n", err)
		return exitFail
	}
	fmt.Fprintln(std.out, "ok")
	return exitOK
}

// signerAndBody resolves the secret and reads the body named by the single
// positional argument. A nil signer means the command must exit with code.
func signerAndBody(fs *flagSet, secret *secretFlags, std *stdio) (*emitter.Signer, []byte, int) {
	if fs.NArg() > 1 {
		return nil, nil, usageError(std, fs.name, "one body at a time, got %d files", fs.NArg())
	}
	signer, err := secret.signer(std)
	if err != nil {
		return nil, nil, setupError(std, fs.name, err)
	}
	name := fs.Arg(0)
	var r io.Reader = std.in
	if (name == "" || name == "-") && isTerminal(std.in) {
		// Waiting for a body typed by hand looks like a hang.
		return nil, nil, usageError(std, fs.name, "no body: pass FILE, or pipe the body into standard input")
	}
	if name != "" && name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, nil, setupError(std, fs.name, fmt.Errorf("cannot read the body: %w", err))
		}
		defer f.Close()
		r = f
	}
	body, err := io.ReadAll(io.LimitReader(r, maxSignBody+1))
	if err == nil && len(body) > maxSignBody {
		err = errors.New("the body is over 64 MiB")
	}
	if err != nil {
		return nil, nil, setupError(std, fs.name, fmt.Errorf("cannot read the body: %w", err))
	}
	return signer, body, 0
}

package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/wmsmock/wms-mock/emitter"
)

// maxSignBody bounds what sign and verify read, far above any real event.
const maxSignBody = 64 << 20

// signOptions are the flags and argument of sign and verify.
type signOptions struct {
	secret secretFlags
	mac    string // verify only: the header value to check
	body   string // the body's file; "" or "-" is standard input
}

// oneBody is the argument check of sign and verify.
func oneBody(_ *cobra.Command, args []string) error {
	if len(args) > 1 {
		return fmt.Errorf("one body at a time, got %d files", len(args))
	}
	return nil
}

func newSignCmd(std *stdio) *cobra.Command {
	o := &signOptions{}
	cmd := &cobra.Command{
		Use:   "sign [FILE|-]",
		Short: "print the X-WMS-Content-MAC value for a body",
		Long: `
Print the X-WMS-Content-MAC header value WMS would send for a body: the
HMAC-SHA256 of the exact bytes of FILE (or standard input) with the MAC
secret, as "hmac-sha256=<lowercase hex>".

  WMS_MAC_SECRET=... wms-mock sign body.json
  curl -H "X-WMS-Content-MAC: $(wms-mock sign body.json)" --data-binary @body.json URL`,
		Args: oneBody,
		RunE: func(_ *cobra.Command, args []string) error {
			o.body = firstArg(args)
			return exited(runSign(o, std))
		},
	}
	o.secret.register(cmd.Flags())
	return cmd
}

func newVerifyCmd(std *stdio) *cobra.Command {
	o := &signOptions{}
	cmd := &cobra.Command{
		Use:   "verify --mac VALUE [FILE|-]",
		Short: "check an X-WMS-Content-MAC value against a body",
		Long: `
Check an X-WMS-Content-MAC header value against the exact bytes of FILE (or
standard input). Exit 0 when it matches, 1 when it does not, 2 when the value
is not of the form "hmac-sha256=<64 hex digits>".`,
		Args: oneBody,
		RunE: func(_ *cobra.Command, args []string) error {
			o.body = firstArg(args)
			if err := o.validateMAC(); err != nil {
				return err
			}
			return exited(runVerify(o, std))
		},
	}
	o.secret.register(cmd.Flags())
	cmd.Flags().StringVar(&o.mac, "mac", "", "the header `VALUE` to check")
	return cmd
}

func (o *signOptions) validateMAC() error {
	if o.mac == "" {
		return errors.New("--mac is required: pass the X-WMS-Content-MAC value to check")
	}
	_, err := emitter.ParseMAC(o.mac)
	return err
}

func runSign(o *signOptions, std *stdio) int {
	signer, body, code := o.signerAndBody("sign", std)
	if signer == nil {
		return code
	}
	fmt.Fprintln(std.out, signer.MAC(body))
	return exitOK
}

func runVerify(o *signOptions, std *stdio) int {
	signer, body, code := o.signerAndBody("verify", std)
	if signer == nil {
		return code
	}
	if err := signer.Verify(o.mac, body); err != nil {
		fmt.Fprintf(std.out, "mismatch: %v (check the secret and that the body is byte for byte what was signed)\n", err)
		return exitFail
	}
	fmt.Fprintln(std.out, "ok")
	return exitOK
}

// signerAndBody resolves the secret and reads the body. A nil signer
// means the command must exit with code.
func (o *signOptions) signerAndBody(cmd string, std *stdio) (*emitter.Signer, []byte, int) {
	signer, err := o.secret.signer(std)
	if err != nil {
		return nil, nil, setupError(std, cmd, err)
	}
	fromStdin := o.body == "" || o.body == "-"
	if fromStdin && isTerminal(std.in) {
		// Waiting for a body typed by hand looks like a hang.
		printUsageError(std.errOut, "wms-mock "+cmd, "no body: pass FILE, or pipe the body into standard input")
		return nil, nil, exitUsage
	}
	r := std.in
	if !fromStdin {
		f, err := os.Open(o.body)
		if err != nil {
			return nil, nil, setupError(std, cmd, fmt.Errorf("cannot read the body: %w", err))
		}
		defer f.Close()
		r = f
	}
	body, err := io.ReadAll(io.LimitReader(r, maxSignBody+1))
	if err == nil && len(body) > maxSignBody {
		err = errors.New("the body is over 64 MiB")
	}
	if err != nil {
		return nil, nil, setupError(std, cmd, fmt.Errorf("cannot read the body: %w", err))
	}
	return signer, body, 0
}

// firstArg is args[0], or "" when there is none.
func firstArg(args []string) string {
	if len(args) == 0 {
		return ""
	}
	return args[0]
}

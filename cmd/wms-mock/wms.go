package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/scenarios"
	"github.com/wmsmock/wms-mock/wms"
)

// wmsOptions are the flags of 'wms-mock wms'.
type wmsOptions struct {
	secret    secretFlags
	listen    string
	configID  string
	callback  string
	webhook   string
	config    string
	key       string
	scenarios []string
	paceFlag  string
	timeout   time.Duration
	caCert    string
	insecure  bool

	pace scenarios.Pace // paceFlag, parsed
}

func newWMSCmd(std *stdio) *cobra.Command {
	o := &wmsOptions{timeout: wms.DefaultDeliveryTimeout}
	cmd := &cobra.Command{
		Use:   "wms [COMMAND]", // with none, it serves
		Short: "serve the mock WMS: call-in, scan, webhooks, callback",
		Long: `
Serve the mock WMS, offline, for a customer's app and its browser tests.
Point the app's WMS URL at it; a call-in

  GET /c/CONFIG_ID/PROFILE_DATA/DFX_AUTH_TOKEN/DFX_REFRESH_TOKEN/SESSION_ID

is checked as WMS would check it (PROFILE_DATA encrypted with the mock's
public key, RSA-OAEP with SHA-1 as Node's crypto.publicEncrypt does), the
session's scenario is played to the Config ID's webhook, signed with its
MAC secret, and the browser is sent to the callback with ?results=VALUE, or
?error=CODE for a journey that fails or a call-in that is wrong.

  GET  /mock/public-key.pem          the key the app encrypts profiles with
  PUT  /mock/sessions/SESSION_ID     {"scenario": "camera-permission-denied"}
                                     chooses the journey of a session to come
  GET  /mock/sessions/SESSION_ID     what the mock saw and did, as JSON

One Config ID from flags, or many from --config FILE (docs/wms.md). At
--pace fast the call-in is answered with a 303 once every webhook has been
delivered; at realtime (or xN) a scan page shows the journey as it happens
and sends the browser on when it ends.

Try it:
  export WMS_MAC_SECRET=dev-secret
  wms-mock receive --listen 127.0.0.1:8080 &
  wms-mock wms --config-id DEMO --webhook http://127.0.0.1:8080/webhook \
    --callback http://127.0.0.1:8091/callback
  wms-mock wms keys --out testkeys    # a key pair for a test setup to keep`,
		Args:              noArgs("wms takes flags only (or the keys command)"),
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.validate(); err != nil {
				return err
			}
			return exited(runWMS(cmd.Context(), o, std))
		},
	}
	fs := cmd.Flags()
	o.secret.register(fs)
	fs.StringVar(&o.listen, "listen", wms.DefaultListen, "listen on `ADDR` (host:port; port 0 picks a free one, logged at start)")
	fs.StringVar(&o.configID, "config-id", "", "serve one Config `ID` (with --callback and --webhook)")
	fs.StringVar(&o.callback, "callback", "", "the Config ID's callback `URL`, where the browser is sent back")
	fs.StringVar(&o.webhook, "webhook", "", "the Config ID's webhook `URL`, where the scan's events are posted")
	fs.StringVar(&o.config, "config", "", "serve the Config IDs of a YAML `FILE` instead (docs/wms.md)")
	fs.StringVar(&o.key, "key", "", "the mock's RSA private key, PEM `FILE` (default: a fresh 2048-bit key at start)")
	fs.StringArrayVar(&o.scenarios, "scenarios", nil, "scenario `FILE` a session may choose besides the built-ins (repeatable)")
	fs.StringVar(&o.paceFlag, "pace", "fast", "`MODE`: fast (303 once the webhooks are delivered), realtime, or xN")
	fs.Var((*durationValue)(&o.timeout), "timeout", "deadline of each webhook delivery")
	fs.StringVar(&o.caCert, "ca-cert", "", "trust the PEM certificates in `FILE` for https webhooks")
	fs.BoolVar(&o.insecure, "insecure", false, "skip TLS certificate checks of https webhooks")
	cmd.RegisterFlagCompletionFunc("pace", cobra.FixedCompletions([]cobra.Completion{"fast", "realtime", "x10"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.AddCommand(newWMSKeysCmd(std))
	return cmd
}

func (o *wmsOptions) validate() error {
	if _, _, err := net.SplitHostPort(o.listen); err != nil {
		return fmt.Errorf("--listen %q: want host:port, such as 127.0.0.1:8090", o.listen)
	}
	if err := positive("timeout", o.timeout); err != nil {
		return err
	}
	pace, err := scenarios.ParsePace(o.paceFlag)
	if err != nil {
		return fmt.Errorf("--pace: %v", err)
	}
	o.pace = pace
	flagged := o.configID != "" || o.callback != "" || o.webhook != ""
	switch {
	case o.config != "" && flagged:
		return errors.New("give the Config IDs once: --config FILE, or --config-id with --callback and --webhook")
	case o.config == "" && !flagged:
		return errors.New("no Config ID to serve: pass --config-id ID --callback URL --webhook URL, or --config FILE")
	case o.config == "" && (o.configID == "" || o.callback == "" || o.webhook == ""):
		return errors.New("--config-id, --callback and --webhook go together: give all three")
	}
	return nil
}

// serverConfig is the Config the flags describe.
func (o *wmsOptions) serverConfig(std *stdio) (wms.Config, error) {
	if o.config != "" {
		return wms.LoadConfig(o.config, std.getenv)
	}
	signer, err := o.secret.signer(std)
	if err != nil {
		return wms.Config{}, err
	}
	return wms.Config{IDs: []wms.ConfigID{{ID: o.configID, Callback: o.callback, Webhook: o.webhook, Signer: signer}}}, nil
}

// serverOptions are the New options the flags describe.
func (o *wmsOptions) serverOptions(logger *slog.Logger) ([]wms.Option, error) {
	opts := []wms.Option{wms.WithPace(o.pace), wms.WithDeliveryTimeout(o.timeout), wms.WithLogger(logger)}
	if o.key != "" {
		key, err := wms.LoadKey(o.key)
		if err != nil {
			return nil, err
		}
		opts = append(opts, wms.WithKey(key))
	}
	if len(o.scenarios) > 0 {
		opts = append(opts, wms.WithScenarioFiles(o.scenarios...))
	}
	var tls []emitter.Option
	if o.caCert != "" {
		tls = append(tls, emitter.WithCACert(o.caCert))
	}
	if o.insecure {
		tls = append(tls, emitter.WithInsecureTLS())
	}
	if len(tls) > 0 {
		opts = append(opts, wms.WithClientOptions(tls...))
	}
	return opts, nil
}

// runWMS serves the mock WMS until ctx ends.
func runWMS(ctx context.Context, o *wmsOptions, std *stdio) int {
	cfg, err := o.serverConfig(std)
	if err != nil {
		var list scenarios.Errors
		if errors.As(err, &list) {
			fmt.Fprintln(std.errOut, list.Error())
			return exitUsage
		}
		return setupError(std, "wms", err)
	}
	logger := slog.New(slog.NewTextHandler(std.errOut, nil))
	opts, err := o.serverOptions(logger)
	if err != nil {
		return setupError(std, "wms", err)
	}
	srv, err := wms.New(cfg, opts...)
	if err != nil {
		return setupError(std, "wms", err)
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return setupError(std, "wms", fmt.Errorf("cannot listen on %s: %w (pick another --listen address)", o.listen, err))
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	base := "http://" + ln.Addr().String()
	logger.Info("listening", "url", base, "public_key", base+"/mock/public-key.pem", "config_ids", len(cfg.IDs), "pace", o.pace.String())

	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	select {
	case err = <-served:
	case <-ctx.Done():
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = hs.Shutdown(shutdown)
		cancel()
		<-served
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(std.errOut, "wms-mock wms: %s\n", firstLine(err.Error()))
		return exitFail
	}
	fmt.Fprintf(std.out, "wms-mock wms: stopped on %s\n", base)
	return exitOK
}

// wmsKeysOptions are the flags of 'wms-mock wms keys'.
type wmsKeysOptions struct {
	out string
}

func newWMSKeysCmd(std *stdio) *cobra.Command {
	o := &wmsKeysOptions{}
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "write a key pair for the mock WMS to a directory",
		Long: `
Write a fresh 2048-bit RSA key pair for the mock WMS: wms-private.pem for
'wms-mock wms --key', wms-public.pem for the app under test, which
encrypts profiles with it. A test setup keeps the pair so that the app's
configuration does not change between runs. Existing files are not
overwritten.

  wms-mock wms keys --out testkeys
  wms-mock wms --key testkeys/wms-private.pem ...`,
		Args:              noArgs("wms keys takes flags only"),
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.out == "" {
				return errors.New("--out DIR is required: the directory to write the key pair to")
			}
			return exited(runWMSKeys(o, std))
		},
	}
	cmd.Flags().StringVar(&o.out, "out", "", "write the pair to `DIR` (created if missing)")
	return cmd
}

func runWMSKeys(o *wmsKeysOptions, std *stdio) int {
	key, err := wms.GenerateKey()
	if err != nil {
		return setupError(std, "wms keys", err)
	}
	priv, pub, err := wms.WriteKeyPair(o.out, key)
	if err != nil {
		return setupError(std, "wms keys", err)
	}
	fmt.Fprintf(std.out, "private key %s\npublic key  %s\n", priv, pub)
	return exitOK
}

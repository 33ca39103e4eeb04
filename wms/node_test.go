package wms

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The tests here build call-ins and read callbacks with Node's crypto,
// the vendor's sample's own encoder, so that the mock is not judged by its
// own Go encoder alone.

// node runs script with args and returns its standard output, skipping
// the test where Node.js is not installed.
func node(t *testing.T, script string, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: this test checks the mock against Node's crypto.publicEncrypt, the vendor's sample's encoder; install Node.js 18+ to run it")
	}
	out, err := exec.Command(bin, append([]string{"-e", script}, args...)...).Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("node: %v\n%s", err, stderr)
	}
	return strings.TrimSpace(string(out))
}

// writePEM writes b to a file in a temporary directory.
func writePEM(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// nodeProfile is the sample's call: JSON.stringify of the profile, then
// publicEncrypt with the default padding, base64, encodeURIComponent. With
// a private key file as the second argument it appends the assumed
// two-way signature.
const nodeProfile = `
const crypto = require("crypto"), fs = require("fs");
const profile = {identifier: "partner-0042", age: 44, height: 175, weight: 89, gender: "male", smoking: "0", bloodpressuremedication: "0", diabetes: "type2"};
const json = JSON.stringify(profile);
let data = crypto.publicEncrypt(fs.readFileSync(process.argv[1], "utf8"), Buffer.from(json)).toString("base64");
if (process.argv[2]) {
  data += "." + crypto.sign("sha256", Buffer.from(json), fs.readFileSync(process.argv[2], "utf8")).toString("base64");
}
process.stdout.write(encodeURIComponent(data));
`

// nodeCallback reads the callback URL as a customer's page would, with
// URLSearchParams, and prints the results object; with key files it
// checks the WMS signature and decrypts the assumed format.
const nodeCallback = `
const crypto = require("crypto"), fs = require("fs");
const value = new URL(process.argv[1]).searchParams.get("results");
let plain = Buffer.from(value, "base64");
if (process.argv[2]) {
  const v = JSON.parse(plain.toString());
  if (v.alg !== "RSA-OAEP-256" || v.enc !== "A256GCM") throw new Error("alg " + v.alg + " enc " + v.enc);
  const ok = crypto.verify("sha256", Buffer.from(v.key + "." + v.iv + "." + v.data), fs.readFileSync(process.argv[3], "utf8"), Buffer.from(v.sig, "base64"));
  if (!ok) throw new Error("the WMS signature does not verify");
  const key = crypto.privateDecrypt({key: fs.readFileSync(process.argv[2], "utf8"), padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256"}, Buffer.from(v.key, "base64"));
  const data = Buffer.from(v.data, "base64");
  const d = crypto.createDecipheriv("aes-256-gcm", key, Buffer.from(v.iv, "base64"));
  d.setAuthTag(data.subarray(data.length - 16));
  plain = Buffer.concat([d.update(data.subarray(0, data.length - 16)), d.final()]);
}
process.stdout.write(JSON.stringify(JSON.parse(plain.toString())));
`

func TestNodeCallIn(t *testing.T) {
	h := newHarness(t, nil)
	pub := writePEM(t, "wms-public.pem", h.srv.PublicKeyPEM())
	data := node(t, nodeProfile, pub)
	id := newSessionID()
	resp, body := h.get("/c/" + testConfigID + "/" + data + "/auth-token/refresh-token/" + id)
	loc := location(t, resp, body)
	var res map[string]any
	if err := json.Unmarshal([]byte(node(t, nodeCallback, loc.String())), &res); err != nil {
		t.Fatal(err)
	}
	if res["sessionId"] != id || res["identifier"] != "partner-0042" || res["bmi"] != 29.1 {
		t.Errorf("results read by Node: %v", res)
	}
	events := h.recv.Sessions()[id]
	if len(events) == 0 || res["measurementId"] != events[len(events)-1].Payload["measurementId"] {
		t.Errorf("results measurementId %v, webhooks %d", res["measurementId"], len(events))
	}
	if rep, _ := h.srv.Session(id); len(rep.Findings()) != 0 {
		t.Errorf("findings for Node's call-in: %v", rep.Findings())
	}
}

func TestNodeTwoWayAndEncryptedResults(t *testing.T) {
	h := newHarness(t, func(c *ConfigID) {
		c.TwoWay, c.EncryptResults, c.CustomerKey = true, true, &customerKey().PublicKey
	})
	pub := writePEM(t, "wms-public.pem", h.srv.PublicKeyPEM())
	cust := writePEM(t, "customer-private.pem", PrivateKeyPEM(customerKey()))
	data := node(t, nodeProfile, pub, cust)
	id := newSessionID()
	resp, body := h.get("/c/" + testConfigID + "/" + data + "/a/r/" + id)
	loc := location(t, resp, body)
	var res map[string]any
	if err := json.Unmarshal([]byte(node(t, nodeCallback, loc.String(), cust, pub)), &res); err != nil {
		t.Fatal(err)
	}
	if res["sessionId"] != id || res["bmi"] != 29.1 {
		t.Errorf("results decrypted by Node: %v", res)
	}
	rep, _ := h.srv.Session(id)
	for _, c := range rep.Checks {
		if c.Name == CheckSignature && c.Level != LevelPass {
			t.Errorf("Node's signature: %v", c)
		}
	}
}

package push_test

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"peerbase/hooks/push"
)

// fakeResolver answers from a table, so that no test asks a real DNS
// server anything.
type fakeResolver map[string][]string

func (f fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	var out []netip.Addr
	for _, s := range f[host] {
		out = append(out, netip.MustParseAddr(s))
	}
	if len(out) == 0 {
		return nil, errors.New("no such host")
	}
	return out, nil
}

// TestInternalAddr: every loopback, private, link-local and otherwise
// internal range is refused, in IPv4, IPv6 and IPv4-in-IPv6 forms; public
// addresses pass. The validator alone: nothing is dialled.
func TestInternalAddr(t *testing.T) {
	t.Parallel()
	internal := []string{
		"127.0.0.1", "127.255.255.254", "::1", "0.0.0.0", "::", "0.1.2.3",
		"10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.254", "192.168.1.1", "fc00::1", "fd12:3456::1",
		"169.254.169.254", "169.254.0.1", "fe80::1", "fe80::1%eth0",
		"100.64.0.1", "100.127.255.254", "192.0.0.8", "192.0.2.10", "198.18.0.1", "198.19.255.1", "198.51.100.7",
		"203.0.113.9", "240.0.0.1", "255.255.255.255", "224.0.0.1", "239.255.255.250", "ff02::1", "ff05::2",
		"::ffff:127.0.0.1", "::ffff:10.1.2.3", "::ffff:169.254.169.254", "64:ff9b::a00:1", "64:ff9b::7f00:1",
		"2002:a00:1::1", "2002:7f00:1::", "2001:db8::1", "100::1", "fec0::1", "64:ff9b:1::1", "2001::1",
		"3fff::1", "::2", "4000::1",
	}
	for _, s := range internal {
		if reason := push.InternalAddr(netip.MustParseAddr(s)); reason == "" {
			t.Errorf("%s passed as public", s)
		}
	}
	public := []string{"8.8.8.8", "142.250.74.206", "17.253.144.10", "2a00:1450:4007:80b::200a", "2606:4700::1111",
		"::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1", "172.32.0.1", "100.128.0.1", "11.0.0.1"}
	for _, s := range public {
		if reason := push.InternalAddr(netip.MustParseAddr(s)); reason != "" {
			t.Errorf("%s refused as %s", s, reason)
		}
	}
}

// TestValidatorCheck: endpoints are judged by their form and by every
// address their host resolves to (a fake resolver), with the allow-list
// exempting exact host:port pairs only.
func TestValidatorCheck(t *testing.T) {
	t.Parallel()
	v := push.NewValidator([]string{"127.0.0.1:8443", "push.lan:80"})
	v.Resolver = fakeResolver{
		"fcm.googleapis.com":   {"142.250.74.206", "2a00:1450:4007:80b::200a"},
		"updates.push.example": {"93.184.216.34"},
		"rebind.attacker.net":  {"93.184.216.34", "10.0.0.5"},
		"metadata.cloud.net":   {"169.254.169.254"},
		"mapped.attacker.net":  {"::ffff:192.168.0.1"},
		"ntfy.sh":              {"159.203.148.75"},
	}
	ok := []string{
		"https://fcm.googleapis.com/fcm/send/abc:def",
		"https://ntfy.sh/upAbCdEf123?up=1",
		"https://8.8.8.8/push",
		"https://[2606:4700::1111]/push",
		"http://127.0.0.1:8443/allowed", // allowed host:port, over http too
		"https://127.0.0.1:8443/allowed",
		"http://push.lan/x", // allowed name, port 80 by default
	}
	for _, e := range ok {
		if err := v.Check(context.Background(), e); err != nil {
			t.Errorf("%s refused: %v", e, err)
		}
	}
	bad := map[string]string{
		"http://fcm.googleapis.com/x":                    "https",
		"ftp://fcm.googleapis.com/x":                     "https",
		"https://user:pw@fcm.googleapis.com":             "credentials",
		"/relative/path":                                 "absolute",
		"https://":                                       "absolute",
		"https://127.0.0.1/x":                            "loopback",
		"https://127.0.0.1:8444/x":                       "loopback", // another port than the allowed one
		"http://127.0.0.1:8444/x":                        "https",
		"https://[::1]/x":                                "loopback",
		"https://localhost/x":                            "not a public name",
		"https://localhost:8443/x":                       "not a public name",
		"https://api.localhost/x":                        "internal name",
		"https://printer.local/x":                        "internal name",
		"https://metadata.google.internal/x":             "internal name",
		"https://router.home.arpa/x":                     "internal name",
		"https://push.lan/x":                             "internal name", // allowed on :80 only
		"https://intranet/x":                             "not a public name",
		"https://10.0.0.1/x":                             "private",
		"https://192.168.1.20:443/x":                     "private",
		"https://169.254.169.254/latest":                 "link-local",
		"https://[fe80::1]/x":                            "link-local",
		"https://[::ffff:127.0.0.1]/x":                   "loopback",
		"https://rebind.attacker.net/x":                  "private",
		"https://metadata.cloud.net/x":                   "link-local",
		"https://mapped.attacker.net/x":                  "private",
		"https://unknown.example.org/x":                  "does not resolve",
		"https://" + strings.Repeat("a", 2100) + ".com/": "too long",
	}
	for e, want := range bad {
		err := v.Check(context.Background(), e)
		if err == nil || !errors.Is(err, push.ErrEndpoint) || !strings.Contains(err.Error(), want) {
			t.Errorf("%.60s: got %v, want an endpoint error about %q", e, err, want)
		}
	}
}

// TestClientRefusesInternalAddressAtDial: the send-time check is in the
// dialer, so a name that resolves to an internal address now (DNS changed
// since the subscription was saved) is refused before any connection.
// Nothing is dialled: the refusal comes first.
func TestClientRefusesInternalAddressAtDial(t *testing.T) {
	t.Parallel()
	v := push.NewValidator(nil)
	v.Resolver = fakeResolver{"push.rebinding.example.net": {"10.1.2.3"}, "six.rebinding.example.net": {"fd00::1"}}
	client := push.NewClient(v, 2*time.Second, 2)
	for _, u := range []string{"https://push.rebinding.example.net/x", "https://six.rebinding.example.net/x",
		"https://192.168.0.1/x", "https://[::1]:9/x"} {
		req, _ := http.NewRequest(http.MethodPost, u, nil)
		res, err := client.Do(req)
		if err == nil {
			res.Body.Close()
			t.Fatalf("%s: the client connected", u)
		}
		if !errors.Is(err, push.ErrEndpoint) {
			t.Errorf("%s: got %v, want the endpoint refusal", u, err)
		}
	}
}

// TestParseAllowHosts: a comma list of host:port, IPv6 in brackets.
func TestParseAllowHosts(t *testing.T) {
	t.Parallel()
	got, err := push.ParseAllowHosts(" 127.0.0.1:8080, Push.LAN:443 ,[::1]:9000,")
	if err != nil || strings.Join(got, " ") != "127.0.0.1:8080 push.lan:443 [::1]:9000" {
		t.Fatalf("got %v, %v", got, err)
	}
	for _, bad := range []string{"127.0.0.1", "host:", ":80", "a:b:c"} {
		if _, err := push.ParseAllowHosts(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestSubscriptionKeys: p256dh must be an uncompressed P-256 point on the
// curve and auth 16 bytes, base64url with or without padding.
func TestSubscriptionKeys(t *testing.T) {
	t.Parallel()
	d := newDevice(t)
	if err := push.CheckP256dh(d.P256dh); err != nil {
		t.Errorf("a real key: %v", err)
	}
	if err := push.CheckP256dh(d.P256dh + "="); err != nil {
		t.Errorf("a padded key: %v", err)
	}
	if err := push.CheckAuth(d.AuthKey); err != nil {
		t.Errorf("a real auth: %v", err)
	}
	offCurve := append([]byte{4}, make([]byte, 64)...)
	offCurve[64] = 1
	compressed := append([]byte{2}, d.pub[1:33]...)
	for name, k := range map[string]string{
		"empty": "", "not base64": "!!!!", "short": b64(d.pub[:40]), "compressed": b64(compressed),
		"off the curve": b64(offCurve), "65 bytes without 0x04": b64(append([]byte{5}, d.pub[1:]...)),
	} {
		if err := push.CheckP256dh(k); err == nil {
			t.Errorf("p256dh %s accepted", name)
		}
	}
	for name, a := range map[string]string{"empty": "", "15 bytes": b64(make([]byte, 15)), "17 bytes": b64(make([]byte, 17)),
		"not base64": "***"} {
		if err := push.CheckAuth(a); err == nil {
			t.Errorf("auth %s accepted", name)
		}
	}
}

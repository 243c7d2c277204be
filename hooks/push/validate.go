package push

import (
	"context"
	"crypto/ecdh"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// Resolver looks up the addresses of a host name; *net.Resolver is one.
// Unit tests pass their own, so that no test asks a real DNS server.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Validator decides which push endpoints may be stored and called: https
// only, never an address inside the server's own networks (a push endpoint
// is a URL a client chose, and the server POSTs to it: without this, anyone
// could make the server probe its LAN or a cloud metadata service), unless
// the endpoint's host:port is explicitly allowed.
type Validator struct {
	// Allow lists host:port pairs (lower case) allowed although internal,
	// over http too.
	Allow map[string]bool
	// Resolver resolves endpoint host names; nil means net.DefaultResolver.
	Resolver Resolver
	// Timeout bounds one resolution.
	Timeout time.Duration
}

// ParseAllowHosts parses PEERBASE_PUSH_ALLOW_HOSTS: a comma list of
// host:port.
func ParseAllowHosts(s string) ([]string, error) {
	var hosts []string
	for _, h := range strings.Split(s, ",") {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		host, port, err := net.SplitHostPort(h)
		if err != nil || host == "" || port == "" {
			return nil, fmt.Errorf("push: allowed host %q is not host:port", h)
		}
		hosts = append(hosts, strings.ToLower(net.JoinHostPort(strings.Trim(host, "[]"), port)))
	}
	return hosts, nil
}

// NewValidator returns a validator allowing hosts (host:port).
func NewValidator(hosts []string) *Validator {
	v := &Validator{Allow: map[string]bool{}, Timeout: 5 * time.Second}
	for _, h := range hosts {
		v.Allow[strings.ToLower(h)] = true
	}
	return v
}

// hostPort returns u's host:port, lower case, with the scheme's default
// port when there is none.
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "443"
		if u.Scheme == "http" {
			port = "80"
		}
	}
	return strings.ToLower(net.JoinHostPort(u.Hostname(), port))
}

// ErrEndpoint is the error of every refused endpoint.
var ErrEndpoint = errors.New("push endpoint refused")

func endpointError(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrEndpoint, fmt.Sprintf(format, args...))
}

// CheckURL checks an endpoint's form without resolving it: an absolute
// https URL (http only for an allowed host:port), no user info, a host
// that is not an internal name or address. It returns the parsed URL and
// whether its host:port is allowed (then nothing else is checked).
func (v *Validator) CheckURL(endpoint string) (*url.URL, bool, error) {
	if len(endpoint) > 2048 {
		return nil, false, endpointError("the endpoint is too long")
	}
	u, err := url.Parse(endpoint)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return nil, false, endpointError("the endpoint is not an absolute URL")
	}
	if u.User != nil {
		return nil, false, endpointError("the endpoint must not hold credentials")
	}
	if v.Allow[hostPort(u)] && (u.Scheme == "https" || u.Scheme == "http") {
		return u, true, nil
	}
	if u.Scheme != "https" {
		return nil, false, endpointError("the endpoint must be https")
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "" {
		return nil, false, endpointError("the endpoint has no host")
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		if reason := InternalAddr(addr); reason != "" {
			return nil, false, endpointError("the endpoint's address is %s", reason)
		}
		return u, false, nil
	}
	if reason := internalName(host); reason != "" {
		return nil, false, endpointError("the endpoint's host is %s", reason)
	}
	return u, false, nil
}

// Check checks endpoint's form and that every address its host resolves to
// is public.
func (v *Validator) Check(ctx context.Context, endpoint string) error {
	u, allowed, err := v.CheckURL(endpoint)
	if err != nil || allowed {
		return err
	}
	_, err = v.resolve(ctx, u.Hostname())
	return err
}

// resolve returns host's addresses, all public, or an error; an IP
// literal is its own address.
func (v *Validator) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if addr, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		if reason := InternalAddr(addr); reason != "" {
			return nil, endpointError("the endpoint's address is %s", reason)
		}
		return []netip.Addr{addr.Unmap()}, nil
	}
	if reason := internalName(strings.TrimSuffix(strings.ToLower(host), ".")); reason != "" {
		return nil, endpointError("the endpoint's host is %s", reason)
	}
	r := v.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	if v.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, v.Timeout)
		defer cancel()
	}
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil || len(addrs) == 0 {
		return nil, endpointError("the endpoint's host does not resolve")
	}
	for i, a := range addrs {
		if reason := InternalAddr(a); reason != "" {
			return nil, endpointError("the endpoint's host resolves to an address that is %s", reason)
		}
		addrs[i] = a.Unmap()
	}
	return addrs, nil
}

// internalSuffixes are names that only mean something inside a network.
var internalSuffixes = []string{"localhost", "local", "internal", "home.arpa", "lan", "localdomain", "intranet", "corp", "private", "test", "invalid"}

// internalName returns why host (lower case, no trailing dot) is an
// internal name, or "".
func internalName(host string) string {
	if !strings.Contains(host, ".") {
		return "not a public name"
	}
	for _, s := range internalSuffixes {
		if host == s || strings.HasSuffix(host, "."+s) {
			return "an internal name (." + s + ")"
		}
	}
	return ""
}

// internalPrefixes are the ranges, besides those netip classifies, that
// are not the public internet.
var internalPrefixes = func() []netip.Prefix {
	var ps []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8",       // this network
		"100.64.0.0/10",   // carrier-grade NAT
		"192.0.0.0/24",    // IETF protocol assignments
		"192.0.2.0/24",    // documentation
		"192.88.99.0/24",  // 6to4 relay anycast
		"198.18.0.0/15",   // benchmarking
		"198.51.100.0/24", // documentation
		"203.0.113.0/24",  // documentation
		"240.0.0.0/4",     // reserved, broadcast
		"64:ff9b:1::/48",  // local-use NAT64
		"100::/64",        // discard
		"2001::/23",       // IETF protocol assignments (Teredo, ORCHID, ...)
		"2001:db8::/32",   // documentation
		"3fff::/20",       // documentation
		"fec0::/10",       // site-local (deprecated)
		"5f00::/16",       // segment routing
	} {
		ps = append(ps, netip.MustParsePrefix(s))
	}
	return ps
}()

var (
	nat64  = netip.MustParsePrefix("64:ff9b::/96")
	sixTo4 = netip.MustParsePrefix("2002::/16")
)

// InternalAddr returns why addr is not a public internet address
// (loopback, private, link-local, ...), or "" when it is public. IPv4
// addresses embedded in IPv6 (mapped, NAT64, 6to4) are judged as IPv4.
func InternalAddr(addr netip.Addr) string {
	addr = addr.WithZone("")
	if addr.Is4In6() {
		addr = addr.Unmap()
	}
	if addr.Is6() && nat64.Contains(addr) {
		b := addr.As16()
		return InternalAddr(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
	}
	if addr.Is6() && sixTo4.Contains(addr) {
		b := addr.As16()
		return InternalAddr(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}))
	}
	switch {
	case !addr.IsValid():
		return "invalid"
	case addr.IsUnspecified():
		return "unspecified"
	case addr.IsLoopback():
		return "loopback"
	case addr.IsPrivate():
		return "private"
	case addr.IsLinkLocalUnicast(), addr.IsLinkLocalMulticast():
		return "link-local"
	case addr.IsMulticast(), addr.IsInterfaceLocalMulticast():
		return "multicast"
	}
	for _, p := range internalPrefixes {
		if p.Contains(addr) {
			return "reserved (" + p.String() + ")"
		}
	}
	if addr.Is6() && !netip.MustParsePrefix("2000::/3").Contains(addr) {
		return "outside the global unicast range"
	}
	return ""
}

// decodeKey decodes a subscription key: base64url, padded or not (the
// Push API gives raw base64url; some clients send padding or the standard
// alphabet, which webpush-go accepts too).
func decodeKey(s string) ([]byte, error) {
	s = strings.TrimRight(strings.TrimSpace(s), "=")
	if b, err := base64.RawURLEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(s)
}

// CheckP256dh checks a subscription's p256dh: an uncompressed P-256 point
// on the curve (65 bytes, 0x04 first).
func CheckP256dh(s string) error {
	b, err := decodeKey(s)
	if err != nil {
		return errors.New("p256dh must be base64url")
	}
	if len(b) != 65 || b[0] != 4 {
		return errors.New("p256dh must be an uncompressed P-256 public key (65 bytes)")
	}
	if _, err := ecdh.P256().NewPublicKey(b); err != nil {
		return errors.New("p256dh is not a point on the P-256 curve")
	}
	return nil
}

// CheckAuth checks a subscription's auth secret: 16 bytes.
func CheckAuth(s string) error {
	b, err := decodeKey(s)
	if err != nil {
		return errors.New("auth must be base64url")
	}
	if len(b) != 16 {
		return errors.New("auth must be 16 bytes")
	}
	return nil
}

package push_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"peerbase/hooks/push"
)

// TestQuietUntil: windows within a day and across midnight, in the
// person's zone, across DST changes (wall-clock hours kept), empty or
// equal bounds meaning none.
func TestQuietUntil(t *testing.T) {
	t.Parallel()
	paris, _ := time.LoadLocation("Europe/Paris")
	ny, _ := time.LoadLocation("America/New_York")
	at := func(loc *time.Location, y int, m time.Month, d, h, min int) time.Time {
		return time.Date(y, m, d, h, min, 0, 0, loc)
	}
	cases := []struct {
		name           string
		now            time.Time
		tz, start, end string
		want           time.Time
	}{
		{"before a day window", at(paris, 2026, 6, 10, 12, 59), "Europe/Paris", "13:00", "14:00", time.Time{}},
		{"in a day window", at(paris, 2026, 6, 10, 13, 30), "Europe/Paris", "13:00", "14:00", at(paris, 2026, 6, 10, 14, 0)},
		{"end is open", at(paris, 2026, 6, 10, 14, 0), "Europe/Paris", "13:00", "14:00", time.Time{}},
		{"night, before midnight", at(paris, 2026, 6, 10, 23, 10), "Europe/Paris", "22:00", "07:00", at(paris, 2026, 6, 11, 7, 0)},
		{"night, after midnight", at(paris, 2026, 6, 11, 3, 0), "Europe/Paris", "22:00", "07:00", at(paris, 2026, 6, 11, 7, 0)},
		{"night, the day", at(paris, 2026, 6, 11, 12, 0), "Europe/Paris", "22:00", "07:00", time.Time{}},
		{"the zone is the person's", at(time.UTC, 2026, 6, 11, 3, 0), "America/New_York", "22:00", "07:00", at(ny, 2026, 6, 11, 7, 0)},
		{"outside in their zone", at(time.UTC, 2026, 6, 11, 12, 0), "America/New_York", "22:00", "07:00", time.Time{}},
		// DST starts in Paris on 29 March 2026 at 02:00 (to 03:00): the
		// night is an hour shorter, the end still 07:00 local
		{"spring forward night", at(paris, 2026, 3, 28, 23, 0), "Europe/Paris", "22:00", "07:00", at(paris, 2026, 3, 29, 7, 0)},
		{"window starting in the gap", at(paris, 2026, 3, 29, 3, 30), "Europe/Paris", "02:30", "05:00", at(paris, 2026, 3, 29, 5, 0)},
		// DST ends on 25 October 2026 at 03:00 (to 02:00): an hour longer
		{"fall back night", at(paris, 2026, 10, 24, 22, 30), "Europe/Paris", "22:00", "07:00", at(paris, 2026, 10, 25, 7, 0)},
		{"fall back, the second 02:30", at(paris, 2026, 10, 25, 2, 30).Add(time.Hour), "Europe/Paris", "22:00", "07:00", at(paris, 2026, 10, 25, 7, 0)},
		{"New York spring forward", at(ny, 2026, 3, 8, 1, 30), "America/New_York", "23:00", "06:00", at(ny, 2026, 3, 8, 6, 0)},
		{"no window", at(paris, 2026, 6, 10, 3, 0), "Europe/Paris", "", "", time.Time{}},
		{"equal bounds", at(paris, 2026, 6, 10, 3, 0), "Europe/Paris", "03:00", "03:00", time.Time{}},
		{"malformed", at(paris, 2026, 6, 10, 3, 0), "Europe/Paris", "3:00", "07:00", time.Time{}},
		{"unknown zone is UTC", at(time.UTC, 2026, 6, 10, 23, 0), "Mars/Olympus", "22:00", "07:00", at(time.UTC, 2026, 6, 11, 7, 0)},
	}
	for _, c := range cases {
		got := push.QuietUntil(c.now, c.tz, c.start, c.end)
		if !got.Equal(c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
	// the spring-forward night really is an hour shorter
	night := push.QuietUntil(at(paris, 2026, 3, 28, 22, 0), "Europe/Paris", "22:00", "07:00").Sub(at(paris, 2026, 3, 28, 22, 0))
	if night != 8*time.Hour {
		t.Errorf("the DST night lasts %v", night)
	}
}

// TestWants: notify_prefs turns a type off only with an explicit false.
func TestWants(t *testing.T) {
	t.Parallel()
	for prefs, want := range map[string]bool{``: true, `null`: true, `{}`: true, `{"message":true}`: true,
		`{"message":false}`: false, `{"match":false}`: true, `{"message":"no"}`: true, `not json`: true} {
		if got := push.Wants([]byte(prefs), "message"); got != want {
			t.Errorf("%s: %v", prefs, got)
		}
	}
}

// TestKinds: urgency, TTL and Topic per type; a Topic is at most 32
// URL-safe characters, else none.
func TestKinds(t *testing.T) {
	t.Parallel()
	m := push.KindOf("message")
	if m.Urgency != "high" || m.TTL != 24*time.Hour || m.Topic(map[string]any{"thread": "abc123"}) != "t-abc123" {
		t.Errorf("message: %+v", m)
	}
	if k := push.KindOf("match"); k.Urgency != "normal" || k.Topic(map[string]any{"want": "w1"}) != "w-w1" || k.Topic(nil) != "" {
		t.Errorf("match: %+v", k)
	}
	if k := push.KindOf("exchange"); k.Urgency != "high" || !k.Urgent || k.Topic(nil) != "" {
		t.Errorf("exchange: %+v", k)
	}
	if k := push.KindOf("digest"); k.Urgency != "low" || k.Topic(nil) != "digest" {
		t.Errorf("digest: %+v", k)
	}
	if k := push.KindOf("unknown"); k != push.DefaultKind {
		t.Errorf("unknown: %+v", k)
	}
	if got := m.Topic(map[string]any{"thread": strings.Repeat("a", 31)}); got != "" {
		t.Errorf("a 33-character topic: %q", got)
	}
	if got := m.Topic(map[string]any{"thread": "a/b"}); got != "" {
		t.Errorf("a topic with /: %q", got)
	}
	for typ, k := range push.Kinds {
		if k.TTL <= 0 {
			t.Errorf("%s has no TTL", typ)
		}
	}
}

// TestBackoff: doubles from the base up to the ceiling, jittered over its
// upper half; a longer Retry-After wins, capped at a day.
func TestBackoff(t *testing.T) {
	t.Parallel()
	for attempt, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 10: time.Minute} {
		for range 50 {
			d := push.Backoff(attempt, time.Second, time.Minute, 0)
			if d < want/2 || d > want {
				t.Fatalf("attempt %d: %v, want in [%v, %v]", attempt, d, want/2, want)
			}
		}
	}
	if d := push.Backoff(1, time.Second, time.Minute, 90*time.Second); d != 90*time.Second {
		t.Errorf("Retry-After 90s: %v", d)
	}
	if d := push.Backoff(1, time.Second, time.Minute, 48*time.Hour); d != 24*time.Hour {
		t.Errorf("Retry-After 48h: %v", d)
	}
}

// TestKeys: generated pairs check out and are kept mode 0600; a mismatched
// or malformed pair is refused; the subject is checked and given to
// webpush-go without its mailto: prefix.
func TestKeys(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	k, err := push.LoadOrCreateKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, push.KeysFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("keys file: %v %v", fi, err)
	}
	again, err := push.LoadOrCreateKeys(dir)
	if err != nil || again != k {
		t.Fatalf("the kept keys changed: %v", err)
	}
	other, _ := push.GenerateKeys()
	if _, err := (push.Keys{Public: k.Public, Private: other.Private}).Normalize(); err == nil {
		t.Error("a mismatched pair was accepted")
	}
	if _, err := (push.Keys{Public: "abc", Private: k.Private}).Normalize(); err == nil {
		t.Error("a malformed public key was accepted")
	}
	if n, err := (push.Keys{Public: k.Public + "=", Private: k.Private}).Normalize(); err != nil || n != k {
		t.Errorf("a padded key: %v", err)
	}

	for in, want := range map[string]string{"mailto:ops@example.org": "mailto:ops@example.org", " mailto:ops@example.org ": "mailto:ops@example.org",
		"https://example.org/contact": "https://example.org/contact"} {
		if got, err := push.ParseSubject(in); err != nil || got != want {
			t.Errorf("%s: %q %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "ops@example.org", "mailto:", "mailto:not an address", "mailto:Ops <ops@example.org>",
		"http://example.org", "https://", "https://user@example.org"} {
		if _, err := push.ParseSubject(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestConfigFromEnv: the server refuses to start with one key alone, a
// malformed subject or allow-list, or a pair that does not match.
func TestConfigFromEnv(t *testing.T) {
	t.Parallel()
	k, _ := push.GenerateKeys()
	env := func(m map[string]string) func(string) string { return func(s string) string { return m[s] } }
	good := push.FromEnv(env(map[string]string{"PEERBASE_VAPID_PUBLIC_KEY": k.Public, "PEERBASE_VAPID_PRIVATE_KEY": k.Private,
		"PEERBASE_VAPID_SUBJECT": "mailto:ops@example.org", "PEERBASE_PUSH_ALLOW_HOSTS": "127.0.0.1:9000"}))
	if err := good.Validate(); err != nil || good.AllowHosts[0] != "127.0.0.1:9000" {
		t.Fatalf("good env: %v", err)
	}
	other, _ := push.GenerateKeys()
	for name, m := range map[string]map[string]string{
		"public alone":  {"PEERBASE_VAPID_PUBLIC_KEY": k.Public},
		"private alone": {"PEERBASE_VAPID_PRIVATE_KEY": k.Private},
		"mismatch":      {"PEERBASE_VAPID_PUBLIC_KEY": k.Public, "PEERBASE_VAPID_PRIVATE_KEY": other.Private},
		"subject":       {"PEERBASE_VAPID_SUBJECT": "ops@example.org"},
		"double mailto": {"PEERBASE_VAPID_SUBJECT": "mailto:mailto:ops@example.org"},
		"allow-list":    {"PEERBASE_PUSH_ALLOW_HOSTS": "127.0.0.1"},
	} {
		if err := push.FromEnv(env(m)).Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

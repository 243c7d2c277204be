package changes

import (
	"encoding/base64"
	"slices"
	"testing"
	"time"
)

func TestCursorRoundTrip(t *testing.T) {
	for _, seq := range []int64{0, 1, 42, 1 << 40, 1<<63 - 1} {
		c := EncodeCursor(seq)
		got, err := DecodeCursor(c)
		if err != nil || got != seq {
			t.Errorf("DecodeCursor(EncodeCursor(%d)) = %d, %v", seq, got, err)
		}
	}
}

func TestDecodeCursorRefuses(t *testing.T) {
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, c := range []string{
		"", "!!", "12", enc("12"), enc("pbs1:"), enc("pbs1:-1"), enc("pbs1:+5"), enc("pbs1:05"),
		enc("pbs1:1.5"), enc("pbs1:99999999999999999999"), enc("pbs2:5"),
		base64.URLEncoding.EncodeToString([]byte("pbs1:55")), // padded: another spelling of a valid one
		EncodeCursor(5) + "A",
	} {
		if seq, err := DecodeCursor(c); err == nil {
			t.Errorf("DecodeCursor(%q) = %d, want an error", c, seq)
		}
	}
}

func FuzzDecodeCursor(f *testing.F) {
	f.Add(EncodeCursor(7))
	f.Add("cGJzMTo3")
	f.Add("garbage")
	f.Fuzz(func(t *testing.T, c string) {
		seq, err := DecodeCursor(c)
		if err != nil {
			return
		}
		// a cursor that decodes is the one and only spelling of its position
		if seq < 0 || EncodeCursor(seq) != c {
			t.Fatalf("DecodeCursor(%q) = %d, which encodes as %q", c, seq, EncodeCursor(seq))
		}
	})
}

func TestParseLimit(t *testing.T) {
	for _, c := range []struct {
		raw  string
		want int
		ok   bool
	}{
		{"", 100, true}, {"1", 1, true}, {"250", 250, true}, {"500", 500, true}, {"501", 500, true},
		{"0", 0, false}, {"-1", 0, false}, {"abc", 0, false}, {"1.5", 0, false}, {" 5", 0, false},
		{"99999999999999999999999", 0, false},
	} {
		got, err := ParseLimit(c.raw, 100, 500)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseLimit(%q) = %d, %v; want %d, ok=%v", c.raw, got, err, c.want, c.ok)
		}
	}
}

func TestUnion(t *testing.T) {
	for _, c := range []struct{ a, b, want []string }{
		{nil, nil, []string{}},
		{[]string{"a"}, []string{"a"}, []string{"a"}},
		{[]string{"a", "b"}, []string{"b", "c"}, []string{"a", "b", "c"}},
		{[]string{"a"}, []string{"", "c", "c"}, []string{"a", "c"}},
	} {
		if got := Union(c.a, c.b); !slices.Equal(got, c.want) {
			t.Errorf("Union(%v, %v) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

func TestPage(t *testing.T) {
	rows := func(seqs ...int64) []Row {
		var out []Row
		for _, s := range seqs {
			out = append(out, Row{Seq: s})
		}
		return out
	}
	seqs := func(rs []Row) []int64 {
		var out []int64
		for _, r := range rs {
			out = append(out, r.Seq)
		}
		return out
	}
	for _, c := range []struct {
		name       string
		rows       []Row
		limit      int
		head       int64
		wantSeqs   []int64
		wantCursor int64
		wantMore   bool
	}{
		{"nothing new: the head, so the next call skips others' changes", nil, 3, 90, nil, 90, false},
		{"all fit: the head", rows(4, 9), 3, 90, []int64{4, 9}, 90, false},
		{"exactly the limit: the head", rows(4, 9, 12), 3, 90, []int64{4, 9, 12}, 90, false},
		{"one more than the limit: the last row answered", rows(4, 9, 12, 15), 3, 90, []int64{4, 9, 12}, 12, true},
	} {
		page, cursor, more := Page(c.rows, c.limit, c.head)
		if !slices.Equal(seqs(page), c.wantSeqs) || cursor != c.wantCursor || more != c.wantMore {
			t.Errorf("%s: got %v, %d, %v", c.name, seqs(page), cursor, more)
		}
	}
}

func TestRegisterRefusesBadConfig(t *testing.T) {
	for name, mod := range map[string]func(*Config){
		"no retention":            func(c *Config) { c.Retention = 0 },
		"a zero default limit":    func(c *Config) { c.DefaultLimit = 0 },
		"a max below the default": func(c *Config) { c.MaxLimit = c.DefaultLimit - 1 },
		"a negative retention":    func(c *Config) { c.Retention = -time.Hour },
	} {
		cfg := DefaultConfig()
		mod(&cfg)
		// the config is checked before the app is touched
		if err := Register(nil, cfg); err == nil {
			t.Errorf("%s: Register accepted %+v", name, cfg)
		}
	}
}

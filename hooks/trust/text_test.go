package trust

import (
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestCleanText(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in  string
		multiline bool
		want      string
		err       error
	}{
		{"plain", "Bosch drill", false, "Bosch drill", nil},
		{"accents", "Crème brûlée à Noël", false, "Crème brûlée à Noël", nil},
		{"arabic", "مثقاب كهربائي", false, "مثقاب كهربائي", nil},
		{"hebrew", "מקדחה חשמלית", false, "מקדחה חשמלית", nil},
		{"persian with ZWNJ", "می\u200cخواهم", false, "می\u200cخواهم", nil},
		{"emoji ZWJ sequence", "👩\u200d💻 coder", false, "👩\u200d💻 coder", nil},
		{"emoji with presentation selector", "❤\ufe0f\u200d🔥", false, "❤\ufe0f\u200d🔥", nil},
		{"subdivision flag", "🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F", false, "🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F", nil},
		{"stray tag characters", "hi\U000E0067\U000E0062", false, "hi", nil},
		{"arabic number sign", "\u0600١٢٣", false, "\u0600١٢٣", nil},
		{"only spaces", "     ", false, "", nil},
		{"spaces and zero-width", " \u200b \u200d\u200c \ufeff\u2060 ", true, "", nil},
		{"ideographic and no-break spaces", "\u3000\u00a0title\u2003", false, "title", nil},
		{"hangul filler name", "\u3164\u3164", false, "", nil},
		{"braille blank", "\u2800", false, "", nil},
		{"zero-width inside a word", "pay\u200bpal", false, "paypal", nil},
		{"joiner at the edges", "\u200dhello\u200d", false, "hello", nil},
		{"joiner next to a space", "a\u200d b \u200dc", false, "a b c", nil},
		{"doubled joiner", "👩\u200d\u200d💻", false, "👩\u200d💻", nil},
		{"direction marks", "abc\u200e\u200f\u061cdef", false, "abcdef", nil},
		{"soft hyphen", "ad\u00admin", false, "admin", nil},
		{"C0 and C1 controls", "a\x07b\x1bc\u0080d\u009fe", false, "abcde", nil},
		{"newlines kept in multiline", "line one\r\nline two\rthree\u2028four", true, "line one\nline two\nthree\nfour", nil},
		{"newlines become spaces on one line", "one\ntwo\tthree", false, "one two three", nil},
		{"tabs kept in multiline", "a\tb", true, "a\tb", nil},
		{"trailing newlines trimmed", "hello\n\n", true, "hello", nil},
		{"invalid UTF-8", "a\xffb", false, "a\uFFFDb", nil},
		{"NUL", "a\x00b", true, "", ErrNulChar},
		{"right-to-left override", "invoice\u202efdp.exe", false, "", ErrBidiControl},
		{"embedding", "\u202bx", false, "", ErrBidiControl},
		{"isolate", "a\u2067b\u2069", false, "", ErrBidiControl},
		{"pop directional formatting", "a\u202cb", false, "", ErrBidiControl},
	}
	for _, c := range cases {
		got, err := CleanText(c.in, c.multiline)
		if !errors.Is(err, c.err) || got != c.want {
			t.Errorf("%s: CleanText(%q) = %q, %v; want %q, %v", c.name, c.in, got, err, c.want, c.err)
		}
	}
}

func FuzzCleanText(f *testing.F) {
	for _, s := range []string{"hello", " \u200b ", "👩\u200d💻", "a\u202eb", "a\x00", "x\r\ny", "🏴\U000E0067\U000E007F",
		"\u200d\u200c", "می\u200cخواهم", "\u3164", "a\xff"} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, in string, multiline bool) {
		out, err := CleanText(in, multiline)
		if err != nil {
			if out != "" {
				t.Fatalf("refused %q but returned %q", in, out)
			}
			if !strings.ContainsRune(in, 0) && !strings.ContainsFunc(in, isBidiControl) {
				t.Fatalf("refused %q without a NUL or bidi control: %v", in, err)
			}
			return
		}
		if !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 out of %q: %q", in, out)
		}
		again, err := CleanText(out, multiline)
		if err != nil || again != out {
			t.Fatalf("not idempotent: %q -> %q -> %q (%v)", in, out, again, err)
		}
		if out != strings.TrimFunc(out, isBlank) {
			t.Fatalf("blank at an end of %q", out)
		}
		for i, r := range []rune(out) {
			switch {
			case r == '\n' || r == '\t':
				if !multiline {
					t.Fatalf("line break or tab kept on one line: %q", out)
				}
			case r == '\r' || isBidiControl(r) || r == '\u200b' || r == '\ufeff' || r == '\u2060':
				t.Fatalf("hidden %U kept at %d in %q", r, i, out)
			case unicode.IsControl(r):
				t.Fatalf("control %U kept in %q", r, out)
			}
		}
		if strings.TrimFunc(in, func(r rune) bool { return isBlank(r) || isHidden(r) || r == '\u200c' || r == '\u200d' }) == "" && out != "" {
			t.Fatalf("nothing visible in %q but kept %q", in, out)
		}
	})
}

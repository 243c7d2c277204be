package threads

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestPreview(t *testing.T) {
	t.Parallel()

	cases := []struct {
		name        string
		body        string
		attachments bool
		max         int
		want        string
	}{
		{"plain", "Is the drill still available?", false, 140, "Is the drill still available?"},
		{"folds white space", "  Hello\n\n\tthere  ", false, 140, "Hello there"},
		{"drops control characters", "a\x00b\x1bc", false, 140, "abc"},
		{"attachment only", "  \n", true, 140, AttachmentPreview},
		{"empty", "", false, 140, ""},
		{"cuts on a word", "one two three four five six", false, 12, "one two…"},
		{"cuts a long word", "abcdefghijklmnop", false, 6, "abcde…"},
		{"multibyte", "ééééééééé", false, 4, "ééé…"},
		{"exact length", "abcd", false, 4, "abcd"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Preview(c.body, c.attachments, c.max)
			if got != c.want {
				t.Fatalf("Preview(%q) = %q, want %q", c.body, got, c.want)
			}
		})
	}
}

func FuzzPreview(f *testing.F) {
	for _, s := range []string{"hello", "  a  b ", "ééé\n\n", strings.Repeat("word ", 100), "\xff\xfe"} {
		f.Add(s, 20)
	}
	f.Fuzz(func(t *testing.T, body string, max int) {
		if max < 2 || max > 1000 {
			max = 140
		}
		got := Preview(body, false, max)
		if !utf8.ValidString(got) {
			t.Fatalf("invalid UTF-8 preview %q", got)
		}
		if n := utf8.RuneCountInString(got); n > max {
			t.Fatalf("preview has %d runes, over %d", n, max)
		}
		if strings.ContainsAny(got, "\n\t\r") {
			t.Fatalf("preview keeps line breaks: %q", got)
		}
	})
}

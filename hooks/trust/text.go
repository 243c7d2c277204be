package trust

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrNulChar and ErrBidiControl are the text CleanText refuses rather than
// strips: a NUL truncates the text in many programs that handle it later,
// and a direction embedding, override or isolate reorders what follows it
// (a file name "invoice‮fdp.exe" reads "invoiceexe.pdf"), so silently
// dropping either would change what the writer meant to show.
var (
	ErrNulChar     = errors.New("text contains a NUL character")
	ErrBidiControl = errors.New("text contains a text-direction override")
)

// CleanText is the one rule for every text a person writes: it refuses NUL
// and the bidi embeddings, overrides and isolates (U+202A–U+202E,
// U+2066–U+2069); it strips every other control and format character that
// hides text (C0 and C1 controls, zero-width space, word joiner, BOM, soft
// hyphen, the direction marks U+200E, U+200F and U+061C, invisible
// operators, and so on), except the zero-width joiner and non-joiner
// between two visible characters (emoji sequences such as 👩‍💻, Persian and
// Indic words need them), tag characters after a flag (🏴 subdivision
// flags) and the visible Arabic prepended marks; it turns CRLF and the
// Unicode line separators into "\n", keeps tabs and newlines in multiline
// text and makes them spaces elsewhere; and it trims Unicode spaces and
// blank fillers (U+3164, U+2800, ...) at both ends, so text of nothing
// visible becomes "". Invalid UTF-8 becomes U+FFFD.
func CleanText(s string, multiline bool) (string, error) {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if strings.IndexByte(s, 0) >= 0 {
		return "", ErrNulChar
	}
	rs := []rune(s)
	var b strings.Builder
	b.Grow(len(s))
	var prev rune = -1 // the last rune written, -1 at the start
	for i, r := range rs {
		switch {
		case isBidiControl(r):
			return "", ErrBidiControl
		case r == '\r':
			if i+1 < len(rs) && rs[i+1] == '\n' {
				continue
			}
			r = '\n'
		case r == '\u2028' || r == '\u2029' || r == '\u0085':
			r = '\n'
		}
		switch {
		case r == '\n' || r == '\t':
			if !multiline {
				r = ' '
			}
		case r == '\u200C' || r == '\u200D':
			if !isVisible(prev) || i+1 >= len(rs) || !isVisible(rs[i+1]) {
				continue
			}
		case r >= 0xE0020 && r <= 0xE007F:
			if prev != 0x1F3F4 && (prev < 0xE0020 || prev > 0xE007F) {
				continue
			}
		case isHidden(r):
			continue
		}
		b.WriteRune(r)
		prev = r
	}
	return strings.TrimFunc(b.String(), isBlank), nil
}

// isBidiControl reports the explicit direction embeddings, overrides and
// isolates, which reorder the text after them.
func isBidiControl(r rune) bool {
	return (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069')
}

// visibleFormat are format characters that are drawn: the Arabic, Syriac
// and Kaithi marks written before numbers.
var visibleFormat = map[rune]bool{'\u0600': true, '\u0601': true, '\u0602': true, '\u0603': true,
	'\u0604': true, '\u0605': true, '\u06DD': true, '\u070F': true, '\u0890': true, '\u0891': true,
	'\u08E2': true, 0x110BD: true, 0x110CD: true}

// isHidden reports the control and format characters CleanText strips
// (tab, newline, the joiners and tag characters are decided before).
func isHidden(r rune) bool {
	if unicode.IsControl(r) {
		return true
	}
	return unicode.Is(unicode.Cf, r) && !visibleFormat[r] ||
		(r >= 0xFFF9 && r <= 0xFFFB) || r == '\u180E'
}

// isBlank reports the characters that show nothing: Unicode spaces and the
// fillers people use to fake an empty name.
func isBlank(r rune) bool {
	switch r {
	case '\u115F', '\u1160', '\u3164', '\uFFA0', '\u2800', '\u180E':
		return true
	}
	return unicode.IsSpace(r)
}

// isVisible reports whether r draws something a joiner may join to.
func isVisible(r rune) bool {
	return r >= 0 && !isBlank(r) && !unicode.IsControl(r) && !unicode.Is(unicode.Cf, r) && !isBidiControl(r)
}

// Package text is Peerbase's one text normaliser and query parser: matching
// (what a saved want looks for) and search (what a person types) both turn
// words into the same tokens here, so that "what matches my want" and
// "search" always agree. It folds case and accents, splits words, drops
// English and French stop words (the languages of the seeded categories)
// and stems plurals lightly, so "Vélos", "velo" and "vélo" are one token.
package text

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxTokens bounds the tokens taken from one text, so that a 5,000
// character description costs the same to match as a 500 character one.
const MaxTokens = 256

// foldSpecial maps letters that Unicode does not decompose into a base
// letter plus marks.
var foldSpecial = map[rune]string{
	'ß': "ss", 'æ': "ae", 'œ': "oe", 'ø': "o", 'ł': "l", 'đ': "d", 'ð': "d", 'þ': "th", 'ı': "i",
}

// Fold lowercases s and removes its accents ("Élève Œuvre" becomes
// "eleve oeuvre"); everything else, punctuation included, is kept.
func Fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || ('A' <= c && c <= 'Z') {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	// lowercase first: a capital may decompose differently from its small
	// letter; invalid bytes would stop the decomposition of what follows
	for _, r := range norm.NFD.String(strings.ToLower(strings.ToValidUTF8(s, " "))) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		if f, ok := foldSpecial[r]; ok {
			b.WriteString(f)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// isWordRune tells the runes that make words: letters and digits of any
// script, once folded.
func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// Normalize folds s and reduces it to its words separated by single spaces:
// the form in which texts are compared.
func Normalize(s string) string {
	return strings.Join(Words(s), " ")
}

// Words returns the folded words of s in order, stop words and repeats
// included: what a person wrote, made comparable. Apostrophes split words,
// so French elisions ("l'échelle") give the word after them.
func Words(s string) []string {
	return strings.FieldsFunc(Fold(s), func(r rune) bool { return !isWordRune(r) })
}

// Tokens returns the distinct tokens of s in order of first appearance:
// folded words that are not stop words, stemmed, at most MaxTokens.
func Tokens(s string) []string {
	var out []string
	seen := map[string]struct{}{}
	for _, w := range Words(s) {
		if IsStopWord(w) {
			continue
		}
		t := Stem(w)
		if _, ok := seen[t]; ok {
			continue
		}
		seen[t] = struct{}{}
		out = append(out, t)
		if len(out) == MaxTokens {
			break
		}
	}
	return out
}

// Set is the set of tokens of a document (an offer's title, description
// and tags), for Query.Match.
type Set map[string]struct{}

// TokenSet returns the tokens of every text together.
func TokenSet(texts ...string) Set {
	s := Set{}
	for _, t := range texts {
		for _, tok := range Tokens(t) {
			s[tok] = struct{}{}
		}
	}
	return s
}

// Has reports whether the set holds token.
func (s Set) Has(token string) bool {
	_, ok := s[token]
	return ok
}

// HasPrefix reports whether the set holds a token that starts with prefix.
func (s Set) HasPrefix(prefix string) bool {
	if s.Has(prefix) {
		return true
	}
	for t := range s {
		if strings.HasPrefix(t, prefix) {
			return true
		}
	}
	return false
}

// Stem reduces a folded word to its stem with a few plural rules that hold
// for English and French ("drills" and "drill", "batteries" and "battery",
// "bateaux" and "bateau", "chevaux" and "cheval"); it is deliberately light,
// since a wrong stem would make unrelated words match. Stem is idempotent.
func Stem(w string) string {
	for range 4 {
		s := stemOnce(w)
		if s == w {
			break
		}
		w = s
	}
	return w
}

func stemOnce(w string) string {
	n := utf8.RuneCountInString(w)
	if n < 4 {
		return w
	}
	switch {
	case strings.HasSuffix(w, "ies") && n > 4:
		return w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "eaux"):
		return w[:len(w)-1]
	case strings.HasSuffix(w, "aux") && n > 4:
		return w[:len(w)-3] + "al"
	case strings.HasSuffix(w, "eux"), strings.HasSuffix(w, "oux"):
		return w[:len(w)-1]
	case strings.HasSuffix(w, "sses"), strings.HasSuffix(w, "ches"), strings.HasSuffix(w, "shes"),
		strings.HasSuffix(w, "xes"), strings.HasSuffix(w, "zes"):
		return w[:len(w)-2]
	case strings.HasSuffix(w, "ss"), strings.HasSuffix(w, "us"), strings.HasSuffix(w, "is"):
		return w
	case strings.HasSuffix(w, "s"):
		return w[:len(w)-1]
	}
	return w
}

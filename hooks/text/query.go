package text

import (
	"strings"
)

// MaxTerms bounds the terms of one query; the rest is ignored.
const MaxTerms = 16

// Term is one word of a query, stemmed like a document's tokens.
type Term struct {
	// Token is the stemmed, folded form compared with a document's tokens.
	Token string `json:"token"`
	// Word is the word as the person wrote it (folded), for explanations.
	Word string `json:"word"`
	// Prefix marks a word written with a trailing "*": any token that starts
	// with it matches (the word is folded but not stemmed).
	Prefix bool `json:"prefix,omitempty"`
	// Not marks a word written with a leading "-": a document that has it
	// does not match.
	Not bool `json:"not,omitempty"`
}

// Query is a parsed query: a document matches when it has every positive
// term and none of the negated ones. An empty query matches everything.
type Query struct {
	Terms []Term `json:"terms"`
}

// ParseQuery parses what a person typed: words (all required), "-word" to
// exclude one, "word*" for any word that starts with it; quotes and other
// punctuation only separate words. Stop words are dropped, except when
// negated or prefixed, where the person clearly meant them. A query made
// only of negations matches nothing on its own terms, so its negations
// apply to everything else the want says (category, kind, place).
func ParseQuery(s string) Query {
	var q Query
	seen := map[Term]bool{}
	for _, field := range strings.Fields(s) {
		not := strings.HasPrefix(field, "-")
		prefix := strings.HasSuffix(field, "*")
		var words []string
		for _, w := range Words(field) {
			if !IsStopWord(w) {
				words = append(words, w)
			}
		}
		if all := Words(field); len(words) == 0 && len(all) > 0 && (not || prefix) {
			// "-the" or "the*": the person meant the word they marked
			if prefix {
				words = all[len(all)-1:]
			} else {
				words = all[:1]
			}
		}
		for i, w := range words {
			t := Term{Word: w, Token: Stem(w)}
			// "-" and "*" apply to the word they touch
			t.Not = not && i == 0
			t.Prefix = prefix && i == len(words)-1
			if t.Prefix {
				t.Token = w
			}
			key := Term{Token: t.Token, Prefix: t.Prefix, Not: t.Not}
			if seen[key] {
				continue
			}
			seen[key] = true
			q.Terms = append(q.Terms, t)
			if len(q.Terms) == MaxTerms {
				return q
			}
		}
	}
	return q
}

// Empty reports whether the query has no terms at all.
func (q Query) Empty() bool { return len(q.Terms) == 0 }

// Simple reports whether every term is a plain required word (no prefix, no
// negation): such a query is a set of tokens.
func (q Query) Simple() bool {
	for _, t := range q.Terms {
		if t.Prefix || t.Not {
			return false
		}
	}
	return true
}

// Match reports whether doc satisfies the query, and which positive terms it
// hit (in query order), for explanations.
func (q Query) Match(doc Set) (hits []Term, ok bool) {
	for _, t := range q.Terms {
		var has bool
		if t.Prefix {
			has = doc.HasPrefix(t.Token)
		} else {
			has = doc.Has(t.Token)
		}
		if has == t.Not {
			return nil, false
		}
		if has {
			hits = append(hits, t)
		}
	}
	return hits, true
}

// String writes the query back in the syntax ParseQuery reads, folded.
func (q Query) String() string {
	parts := make([]string, len(q.Terms))
	for i, t := range q.Terms {
		w := t.Word
		if t.Not {
			w = "-" + w
		}
		if t.Prefix {
			w += "*"
		}
		parts[i] = w
	}
	return strings.Join(parts, " ")
}

// alternativeSeparators split a list of things a person would take
// ("Pandemic, Spirit Island, or a Dixit expansion").
var alternativeSeparators = strings.NewReplacer(",", "\n", ";", "\n", "/", "\n", "|", "\n")

// ParseAlternatives parses a list of alternatives, each a query: items are
// separated by commas, semicolons, slashes or the words "or" / "ou", and a
// document matches the list when it matches any item. Empty items are
// dropped; at most MaxTerms items are kept.
func ParseAlternatives(s string) []Query {
	var out []Query
	for _, part := range strings.Split(alternativeSeparators.Replace(s), "\n") {
		var item []string
		flush := func() {
			if q := ParseQuery(strings.Join(item, " ")); !q.Empty() && len(out) < MaxTerms {
				out = append(out, q)
			}
			item = item[:0]
		}
		for _, f := range strings.Fields(part) {
			if w := Fold(f); w == "or" || w == "ou" {
				flush()
				continue
			}
			item = append(item, f)
		}
		flush()
	}
	return out
}

package search

import (
	"html"
	"strings"
	"unicode"

	"peerbase/hooks/text"
)

// Columns of the FTS5 tables, in order, and the weight of a query word
// found in each: a title hit outranks a tag hit, which outranks the
// category's name and then the description.
var (
	columns = []string{"title", "tags", "category", "body"}
	weights = []int{8, 4, 2, 1}
)

// Doc is what an index holds of one record: each column's normalised
// words (hooks/text's tokens, so search and matching agree on a word).
type Doc [4]string

// NewDoc normalises the texts of each column.
func NewDoc(title, tags, category, body string) Doc {
	return Doc{norm(title), norm(tags), norm(category), norm(body)}
}

func norm(s string) string { return strings.Join(text.Tokens(s), " ") }

// Terms is a parsed search: the words a document must have and those it
// must not. The last word typed is also a prefix (type-ahead).
type Terms struct {
	Must []text.Term
	Not  []text.Term
}

// ParseTerms reads what a person typed with the shared query parser.
// Words are data, never FTS5 syntax: they come out of the normaliser as
// letters and digits, and are quoted again when written into an FTS5
// expression. A word with a leading "-" excludes (the parser's syntax, as
// in saved wants).
func ParseTerms(q string) Terms {
	var t Terms
	parsed := text.ParseQuery(q)
	for _, term := range parsed.Terms {
		if term.Not {
			t.Not = append(t.Not, term)
		} else {
			t.Must = append(t.Must, term)
		}
	}
	// type-ahead: the last word may be unfinished, unless a space follows it
	if n := len(t.Must); n > 0 && !strings.HasSuffix(q, " ") {
		t.Must[n-1].Prefix = true
	}
	return t
}

// Empty reports whether there is no word to look for or exclude.
func (t Terms) Empty() bool { return len(t.Must) == 0 && len(t.Not) == 0 }

// quote writes s as an FTS5 string: inside double quotes, a double quote
// is doubled, and nothing else is special.
func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// termExpr is the FTS5 expression of one term: its stem, or for a prefix
// term also any indexed word that starts with what was typed.
func termExpr(t text.Term) string {
	if !t.Prefix {
		return quote(t.Token)
	}
	stem := text.Stem(t.Word)
	if stem == t.Word {
		return quote(t.Word) + " *"
	}
	return "(" + quote(stem) + " OR " + quote(t.Word) + " *)"
}

// MatchExpr is the FTS5 expression a document must match: every required
// term, anywhere. It is empty when no term is required.
func (t Terms) MatchExpr() string {
	parts := make([]string, len(t.Must))
	for i, term := range t.Must {
		parts[i] = termExpr(term)
	}
	return strings.Join(parts, " AND ")
}

// NotExprs are the FTS5 expressions of the excluded terms, one each.
func (t Terms) NotExprs() []string {
	out := make([]string, len(t.Not))
	for i, term := range t.Not {
		out[i] = termExpr(term)
	}
	return out
}

// ColumnExpr restricts a term's expression to one column.
func ColumnExpr(column string, t text.Term) string {
	return "{" + column + "} : (" + termExpr(t) + ")"
}

// hit reports whether a folded word of a text matches a term.
func hit(word string, terms []text.Term) bool {
	if text.IsStopWord(word) {
		return false
	}
	stem := text.Stem(word)
	for _, t := range terms {
		if stem == t.Token || (t.Prefix && (strings.HasPrefix(word, t.Word) || strings.HasPrefix(stem, t.Word))) {
			return true
		}
	}
	return false
}

// snippetWords is how many words of a long text the highlight keeps around
// the first hit.
const snippetWords = 12

// Highlight returns an HTML snippet of the first text that holds a query
// word, escaped, with each matching word in <mark>; a long text is cut
// around its first hit. Without a hit it returns "".
func Highlight(terms []text.Term, texts ...string) string {
	if len(terms) == 0 {
		return ""
	}
	for _, s := range texts {
		if out, ok := highlight(s, terms); ok {
			return out
		}
	}
	return ""
}

type span struct {
	start, end int
	hit        bool
}

func highlight(s string, terms []text.Term) (string, bool) {
	// split s into words (with their byte offsets) as the normaliser would
	var words []span
	start := -1
	for i, r := range s {
		word := unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
		switch {
		case word && start < 0:
			start = i
		case !word && start >= 0:
			words = append(words, span{start: start, end: i})
			start = -1
		}
	}
	if start >= 0 {
		words = append(words, span{start: start, end: len(s)})
	}
	first := -1
	for i := range words {
		w := text.Fold(s[words[i].start:words[i].end])
		if hit(w, terms) {
			words[i].hit = true
			if first < 0 {
				first = i
			}
		}
	}
	if first < 0 {
		return "", false
	}
	from, to := 0, len(words)
	if len(words) > 2*snippetWords {
		from = max(0, first-snippetWords/2)
		to = min(len(words), from+2*snippetWords)
	}
	var b strings.Builder
	pos := 0
	if from > 0 {
		b.WriteString("…")
		pos = words[from].start
	}
	for _, w := range words[from:to] {
		b.WriteString(html.EscapeString(s[pos:w.start]))
		if w.hit {
			b.WriteString("<mark>" + html.EscapeString(s[w.start:w.end]) + "</mark>")
		} else {
			b.WriteString(html.EscapeString(s[w.start:w.end]))
		}
		pos = w.end
	}
	if to < len(words) {
		b.WriteString("…")
	} else {
		b.WriteString(html.EscapeString(s[pos:]))
	}
	return strings.TrimSpace(b.String()), true
}

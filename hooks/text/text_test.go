package text

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestFold(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"Élève Œuvre":           "eleve oeuvre",
		"Perceuse à percussion": "perceuse a percussion",
		"Straße":                "strasse",
		"ÇA VA":                 "ca va",
		"naïve café":            "naive cafe",
		"plain ascii":           "plain ascii",
		"Ærø Łódź":              "aero lodz",
	}
	for in, want := range cases {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTokens(t *testing.T) {
	t.Parallel()
	cases := map[string][]string{
		"Perceuse à percussion Bosch, 18V":     {"perceuse", "percussion", "bosch", "18v"},
		"The drills and the batteries":         {"drill", "battery"},
		"l'échelle de l'atelier":               {"echelle", "atelier"},
		"Vélos, VELO, vélo!":                   {"velo"},
		"bateaux chevaux jeux bijoux":          {"bateau", "cheval", "jeu", "bijou"},
		"boxes glasses torches tennis bus":     {"box", "glass", "torch", "tennis", "bus"},
		"":                                     nil,
		"   ,,, ---":                           nil,
		"a 2 b 3":                              {"2", "3"},
		"Machine à coudre Singer — très bonne": {"machine", "coudre", "singer", "bonne"},
	}
	for in, want := range cases {
		if got := Tokens(in); !reflect.DeepEqual(got, want) {
			t.Errorf("Tokens(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStemAgreesOnSingularAndPlural(t *testing.T) {
	t.Parallel()
	pairs := [][2]string{
		{"drill", "drills"}, {"battery", "batteries"}, {"bateau", "bateaux"}, {"cheval", "chevaux"},
		{"box", "boxes"}, {"glass", "glasses"}, {"velo", "velos"}, {"jeu", "jeux"}, {"perceuse", "perceuses"},
		{"ladder", "ladders"}, {"echelle", "echelles"}, {"tent", "tents"},
	}
	for _, p := range pairs {
		if a, b := Stem(p[0]), Stem(p[1]); a != b {
			t.Errorf("Stem(%q) = %q but Stem(%q) = %q", p[0], a, p[1], b)
		}
	}
	// words that only look like plurals stay whole
	for _, w := range []string{"bus", "tennis", "paris", "boss", "gas"} {
		if Stem(w) != w && len(w) >= 4 {
			t.Errorf("Stem(%q) = %q, want it unchanged", w, Stem(w))
		}
	}
}

func TestParseQuery(t *testing.T) {
	t.Parallel()
	q := ParseQuery(`Perceuse "Bosch" -sans-fil vél* the`)
	want := []Term{
		{Token: "perceuse", Word: "perceuse"},
		{Token: "bosch", Word: "bosch"},
		{Token: "fil", Word: "fil", Not: true},
		{Token: "vel", Word: "vel", Prefix: true},
	}
	if !reflect.DeepEqual(q.Terms, want) {
		t.Fatalf("ParseQuery = %+v, want %+v", q.Terms, want)
	}
	if q.Simple() {
		t.Error("a query with - and * is not simple")
	}
	if q.String() != "perceuse bosch -fil vel*" {
		t.Errorf("String() = %q", q.String())
	}
	if !ParseQuery("").Empty() || !ParseQuery("the of a").Empty() {
		t.Error("a query of stop words is empty")
	}
	if got := ParseQuery("-the").Terms; len(got) != 1 || !got[0].Not || got[0].Token != "the" {
		t.Errorf("ParseQuery(-the) = %+v: a negated stop word is meant", got)
	}
	var many []string
	for i := range 40 {
		many = append(many, "word"+strings.Repeat("x", i))
	}
	if n := len(ParseQuery(strings.Join(many, " ")).Terms); n != MaxTerms {
		t.Errorf("%d terms, want at most %d", n, MaxTerms)
	}
}

func TestQueryMatch(t *testing.T) {
	t.Parallel()
	doc := TokenSet("Perceuse Bosch 18V", "Batteries incluses, très peu servi", `["drill","DIY"]`)
	cases := []struct {
		query string
		ok    bool
		hits  []string
	}{
		{"perceuse bosch", true, []string{"perceuse", "bosch"}},
		{"Perceuses", true, []string{"perceuses"}},
		{"drills", true, []string{"drills"}},
		{"battery", true, []string{"battery"}},
		{"perceuse makita", false, nil},
		{"perceuse -makita", true, []string{"perceuse"}},
		{"perceuse -bosch", false, nil},
		{"bos*", true, []string{"bos"}},
		{"mak*", false, nil},
		{"", true, nil},
	}
	for _, c := range cases {
		hits, ok := ParseQuery(c.query).Match(doc)
		var words []string
		for _, h := range hits {
			words = append(words, h.Word)
		}
		if ok != c.ok || !reflect.DeepEqual(words, c.hits) {
			t.Errorf("Match(%q) = %v %v, want %v %v", c.query, words, ok, c.hits, c.ok)
		}
	}
}

func FuzzTokens(f *testing.F) {
	for _, s := range []string{"Perceuse à percussion", "l'échelle", "ß Œ ǅ İ", "bateaux -velo* \"x\"", "\xff\xfe", "ΣΊΣΥΦΟΣ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		folded := Fold(s)
		if Fold(folded) != folded {
			t.Fatalf("Fold is not idempotent on %q: %q then %q", s, folded, Fold(folded))
		}
		n := Normalize(s)
		if Normalize(n) != n {
			t.Fatalf("Normalize is not idempotent on %q: %q then %q", s, n, Normalize(n))
		}
		toks := Tokens(s)
		if len(toks) > MaxTokens {
			t.Fatalf("%d tokens", len(toks))
		}
		seen := map[string]bool{}
		for _, tok := range toks {
			if tok == "" || seen[tok] || !utf8.ValidString(tok) || strings.ContainsAny(tok, " -*'\"") {
				t.Fatalf("bad token %q from %q", tok, s)
			}
			seen[tok] = true
			if Stem(tok) != tok {
				t.Fatalf("Stem is not idempotent: %q then %q", tok, Stem(tok))
			}
		}
		// a document always satisfies the query made of its own words
		q := ParseQuery(s)
		doc := TokenSet(s)
		for _, term := range q.Terms {
			if !term.Not && !term.Prefix && !doc.Has(term.Token) {
				t.Fatalf("query term %q of %q is not a token of the same text %v", term.Token, s, toks)
			}
		}
		if len(q.Terms) > MaxTerms {
			t.Fatalf("%d terms", len(q.Terms))
		}
		if again := ParseQuery(q.String()); !reflect.DeepEqual(again.Terms, q.Terms) && len(q.Terms) < MaxTerms {
			t.Fatalf("ParseQuery(String()) differs for %q: %+v then %+v", s, q.Terms, again.Terms)
		}
	})
}

func TestParseAlternatives(t *testing.T) {
	t.Parallel()
	var got []string
	for _, q := range ParseAlternatives("Cooperative games: Pandemic, Spirit Island, or a Dixit expansion. Ou un vélo / skis") {
		got = append(got, q.String())
	}
	want := []string{"cooperative games pandemic", "spirit island", "dixit expansion", "velo", "skis"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseAlternatives = %q, want %q", got, want)
	}
	if len(ParseAlternatives(" , or ,")) != 0 {
		t.Error("a list of nothing has no alternatives")
	}
}

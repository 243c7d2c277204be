package trust

import (
	"math"
	"testing"

	"github.com/pocketbase/pocketbase/core"
)

func TestTypeErrors(t *testing.T) {
	t.Parallel()
	fields := core.NewFieldsList(
		&core.NumberField{Name: "price"},
		&core.BoolField{Name: "public"},
		&core.GeoPointField{Name: "location"},
		&core.TextField{Name: "title"},
		&core.DateField{Name: "expires_at"},
		&core.SelectField{Name: "kind", MaxSelect: 1, Values: []string{"give", "sell"}},
		&core.SelectField{Name: "kinds", MaxSelect: 3, Values: []string{"give", "sell", "lend"}},
		&core.RelationField{Name: "thread", MaxSelect: 1},
		&core.RelationField{Name: "photos_of", MaxSelect: 5},
		&core.URLField{Name: "endpoint"},
		&core.JSONField{Name: "tags"},
		&core.FileField{Name: "photos", MaxSelect: 3},
	)
	cases := []struct {
		name string
		body map[string]any
		form bool
		bad  []string
	}{
		{"good JSON", map[string]any{"price": 12.5, "public": true, "location": map[string]any{"lon": 4.8, "lat": 45.7},
			"title": "Drill", "expires_at": "2026-05-01 12:00:00.000Z", "kind": "give", "kinds": []any{"give", "sell"},
			"thread": "abc", "photos_of": []any{"a", "b"}, "endpoint": "https://push.example/x", "tags": map[string]any{"x": 1.0}}, false, nil},
		{"good multipart text", map[string]any{"price": " 12.5 ", "public": "false", "location": `{"lon":4.8,"lat":45.7}`}, true, nil},
		{"multipart text that looks like a number or a bool", map[string]any{"title": 42.0, "kind": true, "thread": 123456789012345.0}, true, nil},
		{"multipart repeated keys for a multiple select", map[string]any{"kinds": []any{"give", "sell"}, "kinds+": "lend"}, true, nil},
		{"ISO date", map[string]any{"expires_at": "2026-05-01T12:00:00Z"}, false, nil},
		{"clearing date, select, relation", map[string]any{"expires_at": "", "kind": "", "thread": nil, "kinds": []any{}}, false, nil},
		{"file fields are PocketBase's", map[string]any{"photos": []any{1.0, true}}, false, nil},
		{"word as date", map[string]any{"expires_at": "not-a-date"}, false, []string{"expires_at"}},
		{"number as date", map[string]any{"expires_at": 1767225600.0}, false, []string{"expires_at"}},
		{"number as date in a form", map[string]any{"expires_at": 1767225600.0}, true, []string{"expires_at"}},
		{"list for a single select", map[string]any{"kind": []any{"give", "sell"}}, false, []string{"kind"}},
		{"repeated key for a single select", map[string]any{"kind": []any{"give", "sell"}}, true, []string{"kind"}},
		{"list for a single relation", map[string]any{"thread": []any{"a", "b"}}, false, []string{"thread"}},
		{"number in a multiple select", map[string]any{"kinds": []any{"give", 1.0}}, false, []string{"kinds"}},
		{"object for a multiple relation", map[string]any{"photos_of": map[string]any{"a": "b"}}, false, []string{"photos_of"}},
		{"modifier of a multiple select", map[string]any{"kinds+": []any{[]any{"give"}}}, false, []string{"kinds"}},
		{"number as text in JSON", map[string]any{"title": 7.0}, false, []string{"title"}},
		{"list as text", map[string]any{"title": []any{"a"}}, true, []string{"title"}},
		{"object as URL", map[string]any{"endpoint": map[string]any{}}, false, []string{"endpoint"}},
		{"clearing", map[string]any{"price": "", "public": "", "location": nil}, false, nil},
		{"word as number", map[string]any{"price": "abc"}, false, []string{"price"}},
		{"NaN text", map[string]any{"price": "NaN"}, false, []string{"price"}},
		{"infinite", map[string]any{"price": math.Inf(1)}, false, []string{"price"}},
		{"bool as number", map[string]any{"price": true}, false, []string{"price"}},
		{"list as number", map[string]any{"price": []any{1.0}}, false, []string{"price"}},
		{"modifier", map[string]any{"price+": "x"}, false, []string{"price"}},
		{"word as bool", map[string]any{"public": "yes"}, false, []string{"public"}},
		{"two as bool", map[string]any{"public": 2.0}, false, []string{"public"}},
		{"point without lat", map[string]any{"location": map[string]any{"lon": 1.0}}, false, []string{"location"}},
		{"point of words", map[string]any{"location": map[string]any{"lon": "east", "lat": 1.0}}, false, []string{"location"}},
		{"point as number", map[string]any{"location": 3.0}, false, []string{"location"}},
		{"point as broken JSON", map[string]any{"location": `{"lon":`}, false, []string{"location"}},
		{"several", map[string]any{"price": "abc", "public": "maybe"}, false, []string{"price", "public"}},
	}
	for _, c := range cases {
		errs := typeErrors(fields, c.body, c.form)
		if len(errs) != len(c.bad) {
			t.Errorf("%s: errors %v, want on %v", c.name, errs, c.bad)
			continue
		}
		for _, f := range c.bad {
			if errs[f] == nil {
				t.Errorf("%s: no error on %s", c.name, f)
			}
		}
	}
}

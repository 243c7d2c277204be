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
	)
	cases := []struct {
		name string
		body map[string]any
		bad  []string
	}{
		{"good JSON", map[string]any{"price": 12.5, "public": true, "location": map[string]any{"lon": 4.8, "lat": 45.7}, "title": 7.0}, nil},
		{"good multipart text", map[string]any{"price": " 12.5 ", "public": "false", "location": `{"lon":4.8,"lat":45.7}`}, nil},
		{"clearing", map[string]any{"price": "", "public": "", "location": nil}, nil},
		{"word as number", map[string]any{"price": "abc"}, []string{"price"}},
		{"NaN text", map[string]any{"price": "NaN"}, []string{"price"}},
		{"infinite", map[string]any{"price": math.Inf(1)}, []string{"price"}},
		{"bool as number", map[string]any{"price": true}, []string{"price"}},
		{"list as number", map[string]any{"price": []any{1.0}}, []string{"price"}},
		{"modifier", map[string]any{"price+": "x"}, []string{"price"}},
		{"word as bool", map[string]any{"public": "yes"}, []string{"public"}},
		{"two as bool", map[string]any{"public": 2.0}, []string{"public"}},
		{"point without lat", map[string]any{"location": map[string]any{"lon": 1.0}}, []string{"location"}},
		{"point of words", map[string]any{"location": map[string]any{"lon": "east", "lat": 1.0}}, []string{"location"}},
		{"point as number", map[string]any{"location": 3.0}, []string{"location"}},
		{"point as broken JSON", map[string]any{"location": `{"lon":`}, []string{"location"}},
		{"several", map[string]any{"price": "abc", "public": "maybe"}, []string{"price", "public"}},
	}
	for _, c := range cases {
		errs := typeErrors(fields, c.body)
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

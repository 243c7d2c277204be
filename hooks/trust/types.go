package trust

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
)

// typeErrors names the body values that PocketBase would silently coerce
// (it stores "abc" in a number field as 0): numbers that are not numbers,
// booleans that are not booleans, and geo points without numeric lon and
// lat. Multipart forms send every value as text, so numeric and boolean
// text is accepted as it would be from JSON.
func typeErrors(fields core.FieldsList, body map[string]any) validation.Errors {
	errs := validation.Errors{}
	for _, f := range fields {
		name := f.GetName()
		for _, key := range []string{name, name + "+", "+" + name, name + "-"} {
			v, ok := body[key]
			if !ok {
				continue
			}
			switch f.(type) {
			case *core.NumberField:
				if !isNumber(v) {
					errs[name] = validation.NewError("validation_not_a_number", "Must be a number.")
				}
			case *core.BoolField:
				if !isBool(v) {
					errs[name] = validation.NewError("validation_not_a_bool", "Must be true or false.")
				}
			case *core.GeoPointField:
				if !isGeoPoint(v) {
					errs[name] = validation.NewError("validation_not_a_geo_point", `Must be a point: {"lon": number, "lat": number}.`)
				}
			}
		}
	}
	return errs
}

func isNumber(v any) bool {
	switch n := v.(type) {
	case nil:
		return true // clears the field
	case float64:
		return !math.IsNaN(n) && !math.IsInf(n, 0)
	case float32, int, int32, int64, uint, uint32, uint64:
		return true
	case json.Number:
		f, err := n.Float64()
		return err == nil && !math.IsInf(f, 0)
	case string:
		s := strings.TrimSpace(n)
		if s == "" {
			return true
		}
		f, err := strconv.ParseFloat(s, 64)
		return err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
	}
	return false
}

func isBool(v any) bool {
	switch b := v.(type) {
	case nil, bool:
		return true
	case string:
		switch strings.TrimSpace(strings.ToLower(b)) {
		case "", "true", "false", "1", "0":
			return true
		}
	case float64:
		return b == 0 || b == 1
	}
	return false
}

func isGeoPoint(v any) bool {
	switch p := v.(type) {
	case nil:
		return true
	case string:
		if strings.TrimSpace(p) == "" {
			return true
		}
		var m map[string]any
		if json.Unmarshal([]byte(p), &m) != nil {
			return false
		}
		return isGeoPoint(m)
	case map[string]any:
		lon, okLon := p["lon"]
		lat, okLat := p["lat"]
		return okLon && okLat && lon != nil && lat != nil && isNumber(lon) && isNumber(lat)
	}
	return false
}

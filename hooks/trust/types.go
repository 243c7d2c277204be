package trust

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// typeErrors names the body values that PocketBase would silently coerce
// (it stores "abc" in a number field as 0, clears a date on "not-a-date",
// keeps the last item of a list sent to a single select or relation):
// numbers that are not numbers, booleans that are not booleans, geo points
// without numeric lon and lat, dates that are not dates, lists where one
// value goes, lists of anything but strings for multiple selects and
// relations (with their field+, +field and field- modifiers), and anything
// but a string for text, email, URL, editor and password fields. File
// fields are PocketBase's; the shape of JSON fields is checked on every
// write path by cleanRecord.
//
// form says that body came from a multipart or urlencoded form: those send
// every value as text, which PocketBase reads back as a number or a
// boolean when it looks like one ("42", "true"), so in a form such values
// are the text they were; a key sent several times is a list.
func typeErrors(fields core.FieldsList, body map[string]any, form bool) validation.Errors {
	errs := validation.Errors{}
	for _, f := range fields {
		name := f.GetName()
		for _, key := range []string{name, name + "+", "+" + name, name + "-"} {
			v, ok := body[key]
			if !ok {
				continue
			}
			var err validation.Error
			switch tf := f.(type) {
			case *core.NumberField:
				if !isNumber(v) {
					err = validation.NewError("validation_not_a_number", "Must be a number.")
				}
			case *core.BoolField:
				if !isBool(v) {
					err = validation.NewError("validation_not_a_bool", "Must be true or false.")
				}
			case *core.GeoPointField:
				if !isGeoPoint(v) {
					err = validation.NewError("validation_not_a_geo_point", `Must be a point: {"lon": number, "lat": number}.`)
				}
			case *core.DateField:
				if !isDate(v) {
					err = validation.NewError("validation_not_a_date", `Must be a date, e.g. "2026-05-01 12:00:00.000Z".`)
				}
			case *core.SelectField:
				err = choiceError(v, tf.IsMultiple(), form)
			case *core.RelationField:
				err = choiceError(v, tf.IsMultiple(), form)
			case *core.TextField, *core.EmailField, *core.URLField, *core.EditorField, *core.PasswordField:
				if !isText(v, form) {
					err = validation.NewError("validation_not_a_string", "Must be text.")
				}
			}
			if err != nil {
				errs[name] = err
			}
		}
	}
	return errs
}

// choiceError checks the value of a select or relation field: one string
// for a single one, a string or a list of strings for a multiple one.
func choiceError(v any, multiple, form bool) validation.Error {
	if isText(v, form) {
		return nil
	}
	if !multiple {
		return validation.NewError("validation_not_a_single_value", "Must be a single value, not a list.")
	}
	list, ok := v.([]any)
	if ok {
		for _, item := range list {
			if item == nil || !isText(item, form) {
				ok = false
				break
			}
		}
	} else {
		_, ok = v.([]string)
	}
	if !ok {
		return validation.NewError("validation_not_a_list", "Must be a list of values.")
	}
	return nil
}

// isText reports whether v is text: a string or nothing, or in a form any
// scalar (PocketBase read "42" as a number).
func isText(v any, form bool) bool {
	switch v.(type) {
	case nil, string:
		return true
	case float64, bool:
		return form
	}
	return false
}

// isDate accepts what PocketBase parses as a date, and nothing, which
// clears it; a number or any other text is refused (PocketBase would
// clear the field without a word).
func isDate(v any) bool {
	switch d := v.(type) {
	case nil:
		return true
	case string:
		s := strings.TrimSpace(d)
		if s == "" {
			return true
		}
		dt, err := types.ParseDateTime(s)
		return err == nil && !dt.IsZero()
	}
	return false
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

package trust

import (
	"encoding/json"
	"slices"
	"strings"
	"unicode/utf8"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	"peerbase/hooks/schema"
)

// jsonShapes holds, per collection and JSON field that clients write, the
// check of the field's documented shape. A check may rewrite the value it
// accepts (cleaned tags). JSON fields absent here are written by hooks
// only (schema.ComputedFields) or by superusers.
var jsonShapes = map[string]map[string]func(r *core.Record, name string) error{
	schema.Offers: {schema.OfferTags: checkTags},
	schema.Users:  {schema.UserNotify: checkNotifyPrefs},
}

// jsonValue decodes the JSON field name of r; null and an unset field are
// nil.
func jsonValue(r *core.Record, name string) (any, error) {
	raw := strings.TrimSpace(r.GetString(name))
	if raw == "" || raw == "null" {
		return nil, nil
	}
	var v any
	err := json.Unmarshal([]byte(raw), &v)
	return v, err
}

// checkTags accepts a list of at most schema.MaxTags strings, each of 1 to
// schema.MaxTagLength characters once cleaned as one-line text, and
// stores the cleaned list.
func checkTags(r *core.Record, name string) error {
	bad := validation.NewError("validation_invalid_tags",
		"Must be a list of at most 20 words or short phrases of up to 40 characters each, e.g. [\"drill\",\"bosch\"].")
	v, err := jsonValue(r, name)
	if err != nil {
		return bad
	}
	if v == nil {
		return nil
	}
	list, ok := v.([]any)
	if !ok || len(list) > schema.MaxTags {
		return bad
	}
	tags := make([]string, 0, len(list))
	for _, item := range list {
		s, ok := item.(string)
		if !ok {
			return bad
		}
		s, err := CleanText(s, false)
		if err != nil || s == "" || utf8.RuneCountInString(s) > schema.MaxTagLength {
			return bad
		}
		tags = append(tags, s)
	}
	r.Set(name, tags)
	return nil
}

// checkNotifyPrefs accepts an object whose keys are notification types
// (schema.NotifyTypes) and whose values are booleans.
func checkNotifyPrefs(r *core.Record, name string) error {
	bad := validation.NewError("validation_invalid_notify_prefs",
		"Must be an object of notification types ("+strings.Join(schema.NotifyTypes, ", ")+") to true or false.")
	v, err := jsonValue(r, name)
	if err != nil {
		return bad
	}
	if v == nil {
		return nil
	}
	prefs, ok := v.(map[string]any)
	if !ok {
		return bad
	}
	for k, on := range prefs {
		if _, isBool := on.(bool); !isBool || !slices.Contains(schema.NotifyTypes, k) {
			return bad
		}
	}
	return nil
}

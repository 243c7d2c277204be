package trust

import (
	"errors"
	"slices"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	"peerbase/hooks/schema"
)

// cleanRecord is the model hook (every write path: the API, batches, the
// dashboard and our own saves) that applies CleanText to every text and
// editor field of our collections, then checks the documented shape of the
// JSON fields people write. It runs before PocketBase validates the
// record, so "required" and "min" count what is left after cleaning: a
// title of five spaces is empty. On update only the values that changed
// are looked at, so a hook saving a record never trips over a value stored
// before this rule existed.
func cleanRecord(e *core.RecordEvent) error {
	c := e.Record.Collection()
	if c.System {
		return e.Next()
	}
	var original *core.Record
	if !e.Record.IsNew() {
		original = e.Record.Original()
	}
	changed := func(name string) bool {
		return original == nil || original.GetString(name) != e.Record.GetString(name)
	}
	errs := validation.Errors{}
	for _, f := range c.Fields {
		name := f.GetName()
		var multiline bool
		switch tf := f.(type) {
		case *core.TextField:
			if tf.PrimaryKey || name == core.FieldNameTokenKey {
				continue
			}
			multiline = slices.Contains(schema.MultilineTextFields[c.Name], name)
		case *core.EditorField:
			multiline = true
		default:
			continue
		}
		if !changed(name) {
			continue
		}
		value := e.Record.GetString(name)
		cleaned, err := CleanText(value, multiline)
		switch {
		case errors.Is(err, ErrNulChar):
			errs[name] = validation.NewError("validation_nul_character", "Must not contain a NUL character.")
		case err != nil:
			errs[name] = validation.NewError("validation_bidi_control",
				"Must not contain text-direction overrides, embeddings or isolates (U+202A–U+202E, U+2066–U+2069).")
		case cleaned != value:
			e.Record.Set(name, cleaned)
		}
	}
	for name, check := range jsonShapes[c.Name] {
		if changed(name) {
			if err := check(e.Record, name); err != nil {
				errs[name] = err
			}
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return e.Next()
}

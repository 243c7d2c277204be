package trust

import (
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	"peerbase/hooks/schema"
)

// rejectComputedFields answers 400 when a client (not a superuser) sends a
// field that only hooks write, naming each such field.
func rejectComputedFields(e *core.RecordRequestEvent) error {
	fields := schema.ComputedFields[e.Collection.Name]
	if len(fields) == 0 || e.HasSuperuserAuth() {
		return e.Next()
	}
	info, err := e.RequestInfo()
	if err != nil {
		return e.BadRequestError("Failed to read the submitted data.", err)
	}
	if errs := computedFieldErrors(fields, info.Body); len(errs) > 0 {
		return e.BadRequestError("Some fields are set by the server and can't be written.", errs)
	}
	return e.Next()
}

// computedFieldErrors names every computed field present in body, under its
// own name and its PocketBase modifier forms (field+, +field, field-).
func computedFieldErrors(fields []string, body map[string]any) validation.Errors {
	errs := validation.Errors{}
	for _, f := range fields {
		for _, key := range []string{f, f + "+", "+" + f, f + "-"} {
			if _, ok := body[key]; ok {
				errs[f] = validation.NewError("validation_computed_field", "This field is set by the server and can't be written.")
			}
		}
	}
	return errs
}

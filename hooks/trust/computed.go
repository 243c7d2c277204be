package trust

import (
	"net/http"
	"strings"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"peerbase/hooks/schema"
)

// checkInput answers 400, naming each field, when a request sends a value
// of the wrong type (which PocketBase would coerce silently), or when a
// client that is not a superuser sends a field that only hooks write.
func checkInput(e *core.RecordRequestEvent) error {
	info, err := e.RequestInfo()
	if err != nil {
		return e.BadRequestError("Failed to read the submitted data.", err)
	}
	// info.Body already holds the values cast to the fields' types ("abc"
	// became 0): read the raw body again (PocketBase keeps it rereadable)
	raw := map[string]any{}
	if err := e.BindBody(&raw); err != nil {
		return e.BadRequestError("Failed to read the submitted data.", err)
	}
	if errs := typeErrors(e.Collection.Fields, raw, sentAsForm(e.Request)); len(errs) > 0 {
		return e.BadRequestError("Some values have the wrong type.", errs)
	}
	fields := schema.ComputedFields[e.Collection.Name]
	if len(fields) > 0 && !e.HasSuperuserAuth() {
		// hidden fields (exchanges.resolution_note) never reach info.Body of
		// a client that is not a superuser: PocketBase drops them silently,
		// so look at the raw body too and say so
		sent := make(map[string]any, len(info.Body)+len(raw))
		for _, m := range []map[string]any{info.Body, raw} {
			for k, v := range m {
				sent[k] = v
			}
		}
		if errs := computedFieldErrors(fields, sent); len(errs) > 0 {
			return e.BadRequestError("Some fields are set by the server and can't be written.", errs)
		}
	}
	return e.Next()
}

// sentAsForm reports whether the body of r (already read) holds values
// sent as form text rather than JSON. A multipart body whose only value is
// PocketBase's "@jsonPayload" (how batches and the SDK send JSON with
// files) is JSON.
func sentAsForm(r *http.Request) bool {
	contentType := r.Header.Get("Content-Type")
	if strings.HasPrefix(contentType, "application/x-www-form-urlencoded") {
		return true
	}
	if !strings.HasPrefix(contentType, "multipart/form-data") {
		return false
	}
	if r.MultipartForm == nil {
		return true
	}
	for k := range r.MultipartForm.Value {
		if k != router.JSONPayloadKey {
			return true
		}
	}
	return false
}

// computedFieldErrors names every computed field present in body, under its
// own name or a modifier form (field+, +field, field-). PocketBase folds the
// modifiers of fields that have them into the name; for the others (JSON
// fields) the literal key is left, inert but still refused so a client
// learns the field is not theirs.
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

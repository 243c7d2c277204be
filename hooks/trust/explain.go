package trust

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"peerbase/hooks/schema"
)

const (
	patternCreate = "POST /api/collections/{collection}/records"
	patternUpdate = "PATCH /api/collections/{collection}/records/{id}"
)

// explainRuleFailure turns the bare "Failed to create record." that an API
// rule failure gives into a field-level 400 that says which field is wrong
// and why. The rule stays the boundary: this runs only after the handler
// has refused the request (so the body was already read within the route's
// size limit), and it only explains refusals to the caller who would be
// allowed to make the change but for that field — a stranger still gets
// PocketBase's own answer and learns nothing.
func explainRuleFailure(e *core.RequestEvent) error {
	err := e.Next()
	if err == nil || e.Auth == nil {
		return err
	}
	var apiErr *router.ApiError
	if !errors.As(err, &apiErr) {
		return err
	}
	var method string
	switch e.Request.Pattern {
	case patternCreate:
		method = http.MethodPost
	case patternUpdate:
		method = http.MethodPatch
	default:
		return err
	}
	info, ierr := e.RequestInfo()
	if ierr != nil {
		return err
	}
	if explained := explain(e.App, e.Auth, apiErr, method, e.Request.PathValue("collection"), e.Request.PathValue("id"), info.Body); explained != nil {
		return explained
	}
	return err
}

// explain returns the field-level version of a bare rule refusal of a
// create (400) or update (404) of a record of collection by auth, or nil
// when there is nothing to explain.
func explain(app core.App, auth *core.Record, refusal *router.ApiError, method, collection, id string, body map[string]any) *router.ApiError {
	if auth == nil || auth.Collection().Name != schema.Users || len(refusal.Data) > 0 {
		return nil
	}
	c, err := app.FindCachedCollectionByNameOrId(collection)
	if err != nil {
		return nil
	}
	var errs validation.Errors
	switch {
	case method == http.MethodPost && refusal.Status == http.StatusBadRequest:
		errs = explainCreate(app, c.Name, auth.Id, body)
	case method == http.MethodPatch && refusal.Status == http.StatusNotFound:
		record, err := app.FindRecordById(c, id)
		if err != nil {
			return nil
		}
		errs = explainUpdate(c.Name, auth.Id, record, body)
	}
	if len(errs) == 0 {
		return nil
	}
	message := refusal.Message
	if refusal.Status == http.StatusNotFound {
		// the refusal of an update is a 404 ("The requested resource
		// wasn't found."), which a 400 naming fields must not say
		message = "Failed to update record."
	}
	return router.NewBadRequestError(message, errs)
}

// explainBatchRuleFailure does for a refused request of a batch what
// explainRuleFailure does for a single one: PocketBase reports it under
// data.requests.<index>.response, which gets the field-level errors.
func explainBatchRuleFailure(e *core.BatchRequestEvent) error {
	err := e.Next()
	var apiErr *router.ApiError
	if err == nil || e.Auth == nil || !errors.As(err, &apiErr) {
		return err
	}
	requests, _ := apiErr.Data["requests"].(map[string]any)
	for index, item := range requests {
		failed, _ := item.(map[string]any)
		refusal, _ := failed["response"].(*router.ApiError)
		i, convErr := strconv.Atoi(index)
		if refusal == nil || convErr != nil || i < 0 || i >= len(e.Batch) {
			continue
		}
		r := e.Batch[i]
		collection, id, ok := schema.RecordsURL(r.URL)
		if !ok {
			continue
		}
		if explained := explain(e.App, e.Auth, refusal, strings.ToUpper(r.Method), collection, id, r.Body); explained != nil {
			failed["response"] = explained
		}
	}
	return err
}

// fieldError is a shorthand for a one-field validation error.
func fieldError(code, message string) validation.Error {
	return validation.NewError(code, message)
}

// explainCreate says why a create rule refused body for user uid.
func explainCreate(app core.App, collection, uid string, body map[string]any) validation.Errors {
	errs := validation.Errors{}
	str := func(k string) string { s, _ := body[k].(string); return s }

	if actor, ok := schema.ActorFields[collection]; ok {
		switch str(actor) {
		case "":
			errs[actor] = fieldError("validation_required", "Cannot be blank: set it to your own user id.")
		case uid:
		default:
			errs[actor] = fieldError("validation_not_yours", "Must be your own user id.")
		}
	}

	switch collection {
	case schema.Offers:
		if str(schema.FieldStatus) == schema.StatusHidden {
			errs[schema.FieldStatus] = fieldError("validation_moderation_only", "Only moderation hides offers.")
		}
	case schema.Threads, schema.Exchanges:
		explainOfferContact(app, collection, uid, str(schema.ThreadOffer), errs)
		if collection == schema.Exchanges && str(schema.ExchangeState) != "" && str(schema.ExchangeState) != schema.StateRequested {
			errs[schema.ExchangeState] = fieldError("validation_initial_state", "A new exchange starts as requested.")
		}
	case schema.Messages:
		thread, err := app.FindRecordById(schema.Threads, str(schema.MessageThread))
		if err != nil || (thread.GetString(schema.ThreadOwner) != uid && thread.GetString(schema.ThreadPeer) != uid) {
			errs[schema.MessageThread] = fieldError("validation_missing_thread", "The thread doesn't exist.")
		}
	case schema.Reviews:
		ex, err := app.FindRecordById(schema.Exchanges, str(schema.ReviewExchange))
		switch {
		case err != nil || (ex.GetString(schema.ExchangeOwner) != uid && ex.GetString(schema.ExchangeRequester) != uid):
			errs[schema.ReviewExchange] = fieldError("validation_missing_exchange", "The exchange doesn't exist.")
		case ex.GetString(schema.ExchangeState) != schema.StateCompleted:
			errs[schema.ReviewExchange] = fieldError("validation_not_completed", "Only a completed exchange can be reviewed.")
		}
	case schema.Blocks:
		if str(schema.BlockBlocked) == uid {
			errs[schema.BlockBlocked] = fieldError("validation_self", "You can't block yourself.")
		}
	case schema.Follows:
		if str(schema.FollowFollowee) == uid {
			errs[schema.FollowFollowee] = fieldError("validation_self", "You can't follow yourself.")
		}
	}
	return errs
}

// explainOfferContact says why uid may not open a thread or an exchange on
// the offer: it is missing or invisible to them, their own, or not open.
func explainOfferContact(app core.App, collection, uid, offerID string, errs validation.Errors) {
	offer, err := app.FindRecordById(schema.Offers, offerID)
	if err != nil {
		errs[schema.ThreadOffer] = fieldError("validation_missing_offer", "The offer doesn't exist.")
		return
	}
	status := offer.GetString(schema.FieldStatus)
	owner := offer.GetString(schema.FieldOwner)
	open := status == schema.StatusActive || (collection == schema.Threads && status == schema.StatusReserved)
	switch {
	case owner == uid:
		errs[schema.ThreadOffer] = fieldError("validation_own_offer", "You can't do this on your own offer.")
	case status == schema.StatusDraft || status == schema.StatusHidden:
		errs[schema.ThreadOffer] = fieldError("validation_missing_offer", "The offer doesn't exist.")
	case !open:
		errs[schema.ThreadOffer] = fieldError("validation_offer_closed", "This offer is no longer available.")
	}
}

// explainUpdate says why an update rule refused body, but only to the
// person the record belongs to: anyone else keeps PocketBase's 404.
func explainUpdate(collection, uid string, record *core.Record, body map[string]any) validation.Errors {
	actor, ok := schema.ActorFields[collection]
	if !ok || record.GetString(actor) != uid {
		return nil
	}
	errs := validation.Errors{}
	if v, ok := body[actor]; ok && v != uid {
		errs[actor] = fieldError("validation_immutable", "Can't be changed.")
	}
	if collection == schema.Offers {
		if record.GetString(schema.FieldStatus) == schema.StatusHidden {
			errs[schema.FieldStatus] = fieldError("validation_moderated", "This offer was hidden by moderation and can't be edited.")
		} else if body[schema.FieldStatus] == schema.StatusHidden {
			errs[schema.FieldStatus] = fieldError("validation_moderation_only", "Only moderation hides offers.")
		}
	}
	for _, f := range []string{schema.ExchangeOffer, schema.ExchangeThread} {
		if collection == schema.Exchanges {
			if v, ok := body[f]; ok && v != record.GetString(f) {
				errs[f] = fieldError("validation_immutable", "Can't be changed.")
			}
		}
	}
	return errs
}

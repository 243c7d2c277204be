package social

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"peerbase/hooks/schema"
)

// MaxRequestLength is the longest custom request, in characters (a
// message body's limit).
const MaxRequestLength = 4000

// customRequest answers POST /api/peerbase/offers/{id}/custom-request with
// {"text"}: the caller asks the offer's owner for a custom version of it.
// The caller's thread on the offer is opened (or reused) and the request
// becomes a message in it, in one transaction, on the model path where
// the threads and trust hooks apply (owner set from the offer, blocks).
// The answer is {"thread", "message", "created"} (created: the thread is
// new). An offer the caller can't see is a 404, as if it did not exist.
func customRequest(e *core.RequestEvent) error {
	var body struct {
		Text string `json:"text"`
	}
	if err := e.BindBody(&body); err != nil {
		return e.BadRequestError("Failed to read the request.", err)
	}
	text := strings.TrimSpace(body.Text)
	switch {
	case text == "":
		return e.BadRequestError("Say what you would like.", validation.Errors{"text": validation.NewError(
			"validation_required", "Describe the custom version you would like.")})
	case utf8.RuneCountInString(text) > MaxRequestLength:
		return e.BadRequestError("The request is too long.", validation.Errors{"text": validation.NewError(
			"validation_length_too_long", fmt.Sprintf("Write at most %d characters.", MaxRequestLength))})
	}

	offer, err := e.App.FindRecordById(schema.Offers, e.Request.PathValue("id"))
	if err != nil {
		return e.NotFoundError("", nil)
	}
	status := offer.GetString(schema.FieldStatus)
	owner := offer.GetString(schema.FieldOwner)
	if owner != e.Auth.Id && (status == schema.StatusDraft || status == schema.StatusHidden) {
		return e.NotFoundError("", nil)
	}
	switch {
	case owner == e.Auth.Id:
		return e.BadRequestError("This is your own offer.", validation.Errors{"offer": validation.NewError(
			"validation_own_offer", "You can't ask for a custom version of your own offer.")})
	case status != schema.StatusActive && status != schema.StatusReserved:
		return e.BadRequestError("This offer is no longer available.", validation.Errors{"offer": validation.NewError(
			"validation_offer_closed", "This offer is no longer available.")})
	}

	var thread, msg *core.Record
	created := false
	err = e.App.RunInTransaction(func(tx core.App) error {
		t, err := tx.FindFirstRecordByFilter(schema.Threads, "offer = {:offer} && peer = {:peer}",
			dbx.Params{"offer": offer.Id, "peer": e.Auth.Id})
		switch {
		case err == nil:
			thread = t
		case errors.Is(err, sql.ErrNoRows):
			c, err := tx.FindCachedCollectionByNameOrId(schema.Threads)
			if err != nil {
				return err
			}
			thread = core.NewRecord(c)
			thread.Set(schema.ThreadOffer, offer.Id)
			thread.Set(schema.ThreadPeer, e.Auth.Id)
			if err := tx.Save(thread); err != nil {
				return err
			}
			created = true
		default:
			return err
		}
		c, err := tx.FindCachedCollectionByNameOrId(schema.Messages)
		if err != nil {
			return err
		}
		msg = core.NewRecord(c)
		msg.Set(schema.MessageThread, thread.Id)
		msg.Set(schema.MessageAuthor, e.Auth.Id)
		msg.Set(schema.MessageBody, text)
		return tx.Save(msg)
	})
	if err != nil {
		var verrs validation.Errors
		if errors.As(err, &verrs) {
			return e.BadRequestError("The request can't be sent.", verrs)
		}
		return e.InternalServerError("Failed to send the request.", err)
	}
	// reload: the thread's preview and counts moved with the message
	if t, err := e.App.FindRecordById(schema.Threads, thread.Id); err == nil {
		thread = t
	}
	for _, r := range []*core.Record{thread, msg} {
		if err := apis.EnrichRecord(e, r); err != nil {
			return e.InternalServerError("Failed to prepare the answer.", err)
		}
	}
	return e.JSON(http.StatusOK, map[string]any{"thread": thread, "message": msg, "created": created})
}

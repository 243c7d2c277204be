package exchanges

import (
	"net/url"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"peerbase/hooks/schema"
)

// downloadStates are the states in which the requester of an exchange may
// download its offer's protected files.
var downloadStates = []any{schema.StateAccepted, schema.StateHandedOver, schema.StateReturned, schema.StateCompleted}

// registerFiles binds the digital exchange: the download count and the
// route listing an exchange's files (guardOfferFiles keeps them protected).
func registerFiles(app core.App) {
	app.OnFileDownloadRequest(schema.Offers).BindFunc(countDownload)
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.GET("/api/peerbase/exchanges/{id}/files", exchangeFiles).Bind(apis.RequireAuth(schema.Users))
		return se.Next()
	})
}

// downloadExchange is the requester's newest exchange of offer that lets
// them download its files, or nil.
func downloadExchange(app core.App, offer, requester string) *core.Record {
	found, err := app.FindRecordsByFilter(schema.Exchanges,
		"offer = {:offer} && requester = {:requester}", "-created", 0, 0,
		dbx.Params{"offer": offer, "requester": requester})
	if err != nil {
		return nil
	}
	for _, x := range found {
		for _, s := range downloadStates {
			if x.GetString(schema.ExchangeState) == s {
				return x
			}
		}
	}
	return nil
}

// countDownload counts, once the file has been served, a download of an
// offer's protected files by the requester of an exchange of it (the guard
// bound before has let only the owner, superusers and such requesters
// through), on that requester's exchange. The owner's and superusers'
// downloads are not counted. A thumbnail or a ranged request counts too:
// the count says how often the files were fetched.
func countDownload(e *core.FileDownloadRequestEvent) error {
	if e.FileField.Name != schema.OfferFiles {
		return e.Next()
	}
	if err := e.Next(); err != nil {
		return err
	}
	who, _ := e.App.FindAuthRecordByToken(e.Request.URL.Query().Get("token"), core.TokenTypeFile)
	if who == nil || who.IsSuperuser() || who.Id == e.Record.GetString(schema.FieldOwner) {
		return nil
	}
	err := e.App.RunInTransaction(func(tx core.App) error {
		x := downloadExchange(tx, e.Record.Id, who.Id)
		if x == nil {
			return nil
		}
		x.Set(schema.ExchangeDownloads, x.GetInt(schema.ExchangeDownloads)+1)
		return tx.Save(x)
	})
	if err != nil {
		// the file is served: a lost count is logged, not the download's failure
		e.App.Logger().Error("exchanges: failed to count a download", "offer", e.Record.Id, "error", err)
	}
	return nil
}

// FileItem is one protected file of an exchange's offer.
type FileItem struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// exchangeFiles is GET /api/peerbase/exchanges/{id}/files: the offer's
// protected files as the exchange's parties see them, {"items": [{"name",
// "url"}], "downloads", "token"}. The urls are the standard files API's;
// each needs ?token= with a file token (the answer carries a fresh one of the
// caller, as POST /api/files/token would give). The owner always sees them;
// the requester from accepted on (as the download guard says); anyone else
// gets a 404, as the exchange's view rule would answer.
func exchangeFiles(e *core.RequestEvent) error {
	x, err := e.App.FindRecordById(schema.Exchanges, e.Request.PathValue("id"))
	if err != nil {
		return e.NotFoundError("", nil)
	}
	owner, requester := x.GetString(schema.ExchangeOwner), x.GetString(schema.ExchangeRequester)
	if e.Auth.Id != owner && e.Auth.Id != requester {
		return e.NotFoundError("", nil)
	}
	items := []FileItem{}
	allowed := e.Auth.Id == owner
	for _, s := range downloadStates {
		allowed = allowed || x.GetString(schema.ExchangeState) == s
	}
	if offerID := x.GetString(schema.ExchangeOffer); offerID != "" {
		offer, err := e.App.FindRecordById(schema.Offers, offerID)
		if err != nil {
			return err
		}
		if !allowed {
			return e.ForbiddenError("The files are shared once the exchange is accepted.", nil)
		}
		for _, name := range offer.GetStringSlice(schema.OfferFiles) {
			items = append(items, FileItem{Name: name,
				URL: "/api/files/" + url.PathEscape(offer.Collection().Id) + "/" + url.PathEscape(offer.Id) + "/" + url.PathEscape(name)})
		}
	}
	token, err := e.Auth.NewFileToken()
	if err != nil {
		return err
	}
	return e.JSON(200, map[string]any{"items": items, "downloads": x.GetInt(schema.ExchangeDownloads), "token": token})
}

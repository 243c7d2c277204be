package hooks_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"peerbase/hooks/schema"
)

// Tests of issue 6, items 4 to 7, each attack next to its legitimate path:
// sorting by email, values PocketBase would coerce, invisible text and
// derived_from pointing at what the caller can't see.

// formBody encodes pairs (a key may repeat: a list) as multipart form data
// and returns the body and the headers of actor with its content type.
func formBody(t testing.TB, actor string, pairs ...[2]string) (*bytes.Buffer, map[string]string) {
	t.Helper()
	buf := &bytes.Buffer{}
	w := multipart.NewWriter(buf)
	for _, p := range pairs {
		if err := w.WriteField(p[0], p[1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	h := map[string]string{"Content-Type": w.FormDataContentType()}
	for k, v := range headers(actor) {
		h[k] = v
	}
	return buf, h
}

// fieldIs fails unless the field of the record id holds want.
func fieldIs(collection, id, field string, want any) func(t testing.TB, app *tests.TestApp, _ *http.Response) {
	return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
		r, err := app.FindRecordById(collection, id)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := json.Marshal(r.Get(field))
		wanted, _ := json.Marshal(want)
		if !bytes.Equal(got, wanted) {
			t.Fatalf("%s.%s = %s, want %s", collection, field, got, wanted)
		}
	}
}

func TestSortByEmailIsRefused(t *testing.T) {
	t.Parallel()
	sortURL := func(collection, sort string) string {
		return recordsURL(collection) + "?sort=" + url.QueryEscape(sort)
	}
	refused := []string{`"status":400`, `"data":{"sort":{"code":"validation_sort_email"`}
	scenarios := []tests.ApiScenario{}
	for _, c := range []struct{ name, actor, collection, sort string }{
		{"users by email", stranger, schema.Users, "email"},
		{"users by email, descending", stranger, schema.Users, "-email"},
		{"users by email, explicit ascending", stranger, schema.Users, "+email"},
		{"users by email in second place", stranger, schema.Users, "name,-email"},
		{"users by email, spaced", stranger, schema.Users, " name , email "},
		{"users by lower-cased email", stranger, schema.Users, "email:lower"},
		{"offers by their owner's email", stranger, schema.Offers, "owner.email"},
		{"messages by their author's email", owner, schema.Messages, "-author.email"},
		{"threads by the peer's email", owner, schema.Threads, "peer.email"},
		{"exchanges by the requester's email", owner, schema.Exchanges, "offer.owner.email"},
		{"users through a back-relation", stranger, schema.Users, "offers_via_owner.owner.email"},
		{"offers anonymously by the owner's email", anon, schema.Offers, "owner.email"},
	} {
		scenarios = append(scenarios, tests.ApiScenario{
			Name: "attack: " + c.name, Method: http.MethodGet, URL: sortURL(c.collection, c.sort),
			Headers: headers(c.actor), ExpectedStatus: 400, ExpectedContent: refused,
			NotExpectedContent: []string{`"items"`},
		})
	}
	scenarios = append(scenarios,
		tests.ApiScenario{
			Name: "attack: a second sort parameter", Method: http.MethodGet,
			URL: recordsURL(schema.Users) + "?sort=name&sort=email", Headers: headers(stranger),
			ExpectedStatus: 400, ExpectedContent: refused,
		},
		tests.ApiScenario{
			Name: "legit: a user sorts users by name", Method: http.MethodGet, URL: sortURL(schema.Users, "-name,created"),
			Headers: headers(stranger), ExpectedStatus: 200, ExpectedContent: []string{`"items"`},
		},
		tests.ApiScenario{
			Name: "legit: a user sorts offers by their owner's name", Method: http.MethodGet,
			URL: sortURL(schema.Offers, "owner.name,-created"), Headers: headers(stranger),
			ExpectedStatus: 200, ExpectedContent: []string{titleOffer},
		},
		tests.ApiScenario{
			Name: "legit: a user sorts by email visibility, which is no secret", Method: http.MethodGet,
			URL: sortURL(schema.Offers, "owner.emailVisibility"), Headers: headers(stranger),
			ExpectedStatus: 200, ExpectedContent: []string{titleOffer},
		},
		tests.ApiScenario{
			Name: "legit: a superuser sorts users by email", Method: http.MethodGet, URL: sortURL(schema.Users, "-email"),
			Headers: headers(admin), ExpectedStatus: 200, ExpectedContent: []string{`"items"`},
			AfterTestFunc: func(t testing.TB, _ *tests.TestApp, res *http.Response) {
				var page struct {
					Items []struct{ Email string } `json:"items"`
				}
				if err := json.NewDecoder(res.Body).Decode(&page); err != nil {
					t.Fatal(err)
				}
				emails := []string{}
				for _, u := range page.Items {
					emails = append(emails, u.Email)
				}
				if len(emails) != len(users) || !slices.IsSortedFunc(emails, func(a, b string) int { return strings.Compare(b, a) }) {
					t.Fatalf("emails %v: want all %d, in descending order", emails, len(users))
				}
			},
		},
		tests.ApiScenario{
			Name: "legit: a superuser sorts offers by their owner's email", Method: http.MethodGet,
			URL: sortURL(schema.Offers, "owner.email"), Headers: headers(admin),
			ExpectedStatus: 200, ExpectedContent: []string{titleOffer},
		},
	)
	for _, s := range scenarios {
		s.TestAppFactory = factory
		s.Test(t)
	}
}

func TestCoercedValuesAreRefused(t *testing.T) {
	t.Parallel()
	const expires = "2027-01-01 00:00:00.000Z"
	setExpiry := func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		r, err := app.FindRecordById(schema.Offers, ids[fxOffer])
		if err != nil {
			t.Fatal(err)
		}
		r.Set(schema.OfferExpiresAt, expires)
		if err := app.Save(r); err != nil {
			t.Fatal(err)
		}
	}
	kindsForm, kindsHeaders := formBody(t, peer, [2]string{schema.WantKinds, schema.KindLend},
		[2]string{schema.WantKinds, schema.KindRent})
	tagsForm, tagsHeaders := formBody(t, owner, [2]string{schema.OfferTags, `["drill","bosch"]`})
	titleForm, titleHeaders := formBody(t, owner, [2]string{schema.OfferTitle, "12345"}, [2]string{schema.OfferPrice, "20"})
	kindForm, kindHeaders := formBody(t, owner, [2]string{schema.FieldKind, schema.KindGive}, [2]string{schema.FieldKind, schema.KindSell})
	tooManyTags := []string{}
	for range schema.MaxTags + 1 {
		tooManyTags = append(tooManyTags, "tag")
	}
	scenarios := []tests.ApiScenario{
		{
			Name: "attack: a word as a date", Method: http.MethodPatch, URL: recordURL(schema.Offers, fxOffer),
			Headers: headers(owner), Body: jsonBody(map[string]any{schema.OfferExpiresAt: "not-a-date"}),
			BeforeTestFunc: setExpiry, ExpectedStatus: 400,
			ExpectedContent: []string{`"expires_at":{"code":"validation_not_a_date"`},
			AfterTestFunc:   fieldIs(schema.Offers, ids[fxOffer], schema.OfferExpiresAt, expires),
		},
		{
			Name: "attack: a number as a date", Method: http.MethodPatch, URL: recordURL(schema.Offers, fxOffer),
			Headers: headers(owner), Body: jsonBody(map[string]any{schema.OfferExpiresAt: 1767225600}),
			BeforeTestFunc: setExpiry, ExpectedStatus: 400,
			ExpectedContent: []string{`"expires_at":{"code":"validation_not_a_date"`},
			AfterTestFunc:   fieldIs(schema.Offers, ids[fxOffer], schema.OfferExpiresAt, expires),
		},
		{
			Name: "legit: a date, and clearing it", Method: http.MethodPatch, URL: recordURL(schema.Offers, fxOffer),
			Headers: headers(owner), Body: jsonBody(map[string]any{schema.OfferExpiresAt: "2027-03-01T10:00:00Z"}),
			ExpectedStatus: 200, ExpectedContent: []string{`"expires_at":"2027-03-01 10:00:00.000Z"`},
		},
		{
			Name: "legit: clearing a date", Method: http.MethodPatch, URL: recordURL(schema.Offers, fxOffer),
			Headers: headers(owner), Body: jsonBody(map[string]any{schema.OfferExpiresAt: ""}),
			BeforeTestFunc: setExpiry, ExpectedStatus: 200, ExpectedContent: []string{`"expires_at":""`},
		},
		{
			Name: "attack: a list for a single select", Method: http.MethodPatch, URL: recordURL(schema.Offers, fxOffer),
			Headers: headers(owner), Body: jsonBody(map[string]any{schema.FieldKind: []string{schema.KindGive, schema.KindSell}}),
			ExpectedStatus: 400, ExpectedContent: []string{`"kind":{"code":"validation_not_a_single_value"`},
			AfterTestFunc: fieldIs(schema.Offers, ids[fxOffer], schema.FieldKind, schema.KindService),
		},
		{
			Name: "attack: a repeated form key for a single select", Method: http.MethodPatch, URL: recordURL(schema.Offers, fxOffer),
			Headers: kindHeaders, Body: kindForm,
			ExpectedStatus: 400, ExpectedContent: []string{`"kind":{"code":"validation_not_a_single_value"`},
		},
		{
			Name: "attack: a list for an exchange state", Method: http.MethodPatch, URL: recordURL(schema.Exchanges, fxExchange2),
			Headers: headers(admin), Body: jsonBody(map[string]any{schema.ExchangeState: []string{schema.StateAccepted, schema.StateDeclined}}),
			ExpectedStatus: 400, ExpectedContent: []string{`"state":{"code":"validation_not_a_single_value"`},
			AfterTestFunc: fieldIs(schema.Exchanges, ids[fxExchange2], schema.ExchangeState, schema.StateRequested),
		},
		{
			Name: "attack: a list for a message's thread", Method: http.MethodPost, URL: recordsURL(schema.Messages),
			Headers: headers(peer), Body: jsonBody(map[string]any{schema.MessageAuthor: ids[peer],
				schema.MessageThread: []string{ids[fxThread], ids[fxThread]}, schema.MessageBody: "hello"}),
			ExpectedStatus: 400, ExpectedContent: []string{`"thread":{"code":"validation_not_a_single_value"`},
		},
		{
			Name: "attack: a list for a report's target collection", Method: http.MethodPost, URL: recordsURL(schema.Reports),
			Headers: headers(peer), Body: jsonBody(map[string]any{schema.ReportReporter: ids[peer],
				schema.ReportTargetColl: []string{schema.Messages, schema.Offers}, schema.ReportTargetID: ids[fxOffer2],
				schema.ReportReason: "spam"}),
			ExpectedStatus: 400, ExpectedContent: []string{`"target_collection":{"code":"validation_not_a_single_value"`},
		},
		{
			Name: "attack: an object for a multiple select", Method: http.MethodPatch, URL: recordURL(schema.Wants, fxWant),
			Headers: headers(peer), Body: jsonBody(map[string]any{schema.WantKinds: map[string]any{"a": schema.KindLend}}),
			ExpectedStatus: 400, ExpectedContent: []string{`"kinds":{"code":"validation_not_a_list"`},
		},
		{
			Name: "legit: a multiple select as repeated form keys", Method: http.MethodPatch, URL: recordURL(schema.Wants, fxWant),
			Headers: kindsHeaders, Body: kindsForm, ExpectedStatus: 200, ExpectedContent: []string{`"kinds":["lend","rent"]`},
			AfterTestFunc: fieldIs(schema.Wants, ids[fxWant], schema.WantKinds, []string{schema.KindLend, schema.KindRent}),
		},
		{
			Name: "legit: a multiple select's modifier", Method: http.MethodPatch, URL: recordURL(schema.Wants, fxWant),
			Headers: headers(peer), Body: jsonBody(map[string]any{schema.WantKinds + "+": []string{schema.KindSwap}}),
			ExpectedStatus: 200, ExpectedContent: []string{`"kinds":["swap"]`},
		},
		{
			Name: "attack: a number as text in JSON", Method: http.MethodPatch, URL: recordURL(schema.Offers, fxOffer),
			Headers: headers(owner), Body: jsonBody(map[string]any{schema.OfferTitle: 12345}),
			ExpectedStatus: 400, ExpectedContent: []string{`"title":{"code":"validation_not_a_string"`},
		},
		{
			Name: "legit: a form's text that looks like a number", Method: http.MethodPatch, URL: recordURL(schema.Offers, fxOffer),
			Headers: titleHeaders, Body: titleForm, ExpectedStatus: 200,
			ExpectedContent: []string{`"title":"12345"`, `"price":20`},
		},
		{
			Name: "attack: tags as an object", Method: http.MethodPatch, URL: recordURL(schema.Offers, fxOffer),
			Headers: headers(owner), Body: jsonBody(map[string]any{schema.OfferTags: map[string]any{"drill": true}}),
			ExpectedStatus: 400, ExpectedContent: []string{`"tags":{"code":"validation_invalid_tags"`},
		},
		{
			Name: "attack: tags as a string", Method: http.MethodPatch, URL: recordURL(schema.Offers, fxOffer),
			Headers: headers(owner), Body: jsonBody(map[string]any{schema.OfferTags: "drill"}),
			ExpectedStatus: 400, ExpectedContent: []string{`"tags":{"code":"validation_invalid_tags"`},
		},
		{
			Name: "attack: too many tags", Method: http.MethodPatch, URL: recordURL(schema.Offers, fxOffer),
			Headers: headers(owner), Body: jsonBody(map[string]any{schema.OfferTags: tooManyTags}),
			ExpectedStatus: 400, ExpectedContent: []string{`"tags":{"code":"validation_invalid_tags"`},
		},
		{
			Name: "attack: a blank or over-long tag", Method: http.MethodPatch, URL: recordURL(schema.Offers, fxOffer),
			Headers: headers(owner), Body: jsonBody(map[string]any{schema.OfferTags: []string{"ok", strings.Repeat("x", schema.MaxTagLength+1)}}),
			ExpectedStatus: 400, ExpectedContent: []string{`"tags":{"code":"validation_invalid_tags"`},
		},
		{
			Name: "legit: a list of tags, cleaned", Method: http.MethodPatch, URL: recordURL(schema.Offers, fxOffer),
			Headers: headers(owner), Body: jsonBody(map[string]any{schema.OfferTags: []string{"drill", " bosch\u200b "}}),
			ExpectedStatus: 200, ExpectedContent: []string{`"tags":["drill","bosch"]`},
		},
		{
			Name: "legit: tags sent as a form's JSON text", Method: http.MethodPatch, URL: recordURL(schema.Offers, fxOffer),
			Headers: tagsHeaders, Body: tagsForm, ExpectedStatus: 200, ExpectedContent: []string{`"tags":["drill","bosch"]`},
		},
		{
			Name: "attack: notification preferences as a string", Method: http.MethodPatch, URL: recordURL(schema.Users, peer),
			Headers: headers(peer), Body: jsonBody(map[string]any{schema.UserNotify: "all"}),
			ExpectedStatus: 400, ExpectedContent: []string{`"notify_prefs":{"code":"validation_invalid_notify_prefs"`},
		},
		{
			Name: "attack: an unknown notification type", Method: http.MethodPatch, URL: recordURL(schema.Users, peer),
			Headers: headers(peer), Body: jsonBody(map[string]any{schema.UserNotify: map[string]any{"telepathy": true}}),
			ExpectedStatus: 400, ExpectedContent: []string{`"notify_prefs":{"code":"validation_invalid_notify_prefs"`},
		},
		{
			Name: "attack: a preference that isn't a boolean", Method: http.MethodPatch, URL: recordURL(schema.Users, peer),
			Headers: headers(peer), Body: jsonBody(map[string]any{schema.UserNotify: map[string]any{schema.NotifyMessage: "on"}}),
			ExpectedStatus: 400, ExpectedContent: []string{`"notify_prefs":{"code":"validation_invalid_notify_prefs"`},
		},
		{
			Name: "legit: notification preferences", Method: http.MethodPatch, URL: recordURL(schema.Users, peer),
			Headers: headers(peer), Body: jsonBody(map[string]any{schema.UserNotify: map[string]any{
				schema.NotifyMessage: false, schema.NotifyDigest: true}}),
			ExpectedStatus: 200, ExpectedContent: []string{`"notify_prefs":{"digest":true,"message":false}`},
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = factory
		s.Test(t)
	}
}

func TestInvisibleTextIsCleaned(t *testing.T) {
	t.Parallel()
	message := func(body string) *strings.Reader {
		return jsonBody(map[string]any{schema.MessageThread: ids[fxThread], schema.MessageAuthor: ids[peer], schema.MessageBody: body})
	}
	offer := func(title string) *strings.Reader {
		return jsonBody(map[string]any{schema.OfferTitle: title, schema.FieldOwner: ids[stranger],
			schema.FieldKind: schema.KindGive, schema.FieldStatus: schema.StatusActive})
	}
	const emoji = "👩\u200d💻 can fix it ❤\ufe0f\u200d🔥 🇫🇷\nÀ bientôt"
	scenarios := []tests.ApiScenario{
		{
			Name: "attack: a message of spaces and zero-width characters", Method: http.MethodPost, URL: recordsURL(schema.Messages),
			Headers: headers(peer), Body: message(" \u200b\u200d \u2060\ufeff\u3000 \n "),
			ExpectedStatus: 400, ExpectedContent: []string{`"body":{"code":"validation_empty_message"`},
		},
		{
			Name: "legit: a message with emoji sequences and accents", Method: http.MethodPost, URL: recordsURL(schema.Messages),
			Headers: headers(peer), Body: message(emoji), ExpectedStatus: 200, ExpectedContent: []string{`"retracted":false`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				var m struct{ Body string }
				if err := json.NewDecoder(res.Body).Decode(&m); err != nil {
					t.Fatal(err)
				}
				if m.Body != emoji {
					t.Fatalf("body %q, want %q intact", m.Body, emoji)
				}
			},
		},
		{
			Name: "legit: zero-width characters inside a message are stripped", Method: http.MethodPost, URL: recordsURL(schema.Messages),
			Headers: headers(peer), Body: message("pay\u200bpal\u00ad.com\u200e"), ExpectedStatus: 200,
			ExpectedContent: []string{`"body":"paypal.com"`},
		},
		{
			Name: "attack: a right-to-left override in a message", Method: http.MethodPost, URL: recordsURL(schema.Messages),
			Headers: headers(peer), Body: message("see invoice\u202efdp.exe"),
			ExpectedStatus: 400, ExpectedContent: []string{`"body":{"code":"validation_bidi_control"`},
		},
		{
			Name: "attack: a NUL in a message", Method: http.MethodPost, URL: recordsURL(schema.Messages),
			Headers: headers(peer), Body: message("before\x00after"),
			ExpectedStatus: 400, ExpectedContent: []string{`"body":{"code":"validation_nul_character"`},
		},
		{
			Name: "attack: a title of five spaces", Method: http.MethodPost, URL: recordsURL(schema.Offers),
			Headers: headers(stranger), Body: offer("     "),
			ExpectedStatus: 400, ExpectedContent: []string{`"title":{"code":"validation_required"`},
		},
		{
			Name: "attack: a title short once its invisible padding is gone", Method: http.MethodPost, URL: recordsURL(schema.Offers),
			Headers: headers(stranger), Body: offer("\u200b ab \u2060\u00a0"),
			ExpectedStatus: 400, ExpectedContent: []string{`"title":{"code":"validation_min_text_constraint"`},
		},
		{
			Name: "attack: a name with an isolate", Method: http.MethodPatch, URL: recordURL(schema.Users, stranger),
			Headers: headers(stranger), Body: jsonBody(map[string]any{schema.UserName: "admin\u2067nimda\u2069"}),
			ExpectedStatus: 400, ExpectedContent: []string{`"name":{"code":"validation_bidi_control"`},
		},
		{
			Name: "legit: an Arabic title, a title with a line break", Method: http.MethodPost, URL: recordsURL(schema.Offers),
			Headers: headers(stranger), Body: offer("مثقاب كهربائي\nBosch"),
			ExpectedStatus: 200, ExpectedContent: []string{`"title":"مثقاب كهربائي Bosch"`},
		},
		{
			Name: "legit: a description keeps its lines", Method: http.MethodPatch, URL: recordURL(schema.Offers, fxOffer),
			Headers: headers(owner), Body: jsonBody(map[string]any{schema.OfferDescription: "Line one\r\nLine two\u200b"}),
			ExpectedStatus: 200, ExpectedContent: []string{`"description":"Line one\nLine two"`},
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = factory
		s.Test(t)
	}
}

// TestOwnSavesAreCleaned: the rule is a model hook, so our own saves and
// the dashboard's get it too.
func TestOwnSavesAreCleaned(t *testing.T) {
	t.Parallel()
	app := factory(t)
	defer app.Cleanup()
	r, err := app.FindRecordById(schema.Reviews, ids[fxReview])
	if err != nil {
		t.Fatal(err)
	}
	r.Set(schema.ReviewText, "\u200bGreat\u2060 lender ")
	if err := app.Save(r); err != nil {
		t.Fatal(err)
	}
	if got := r.GetString(schema.ReviewText); got != "Great lender" {
		t.Fatalf("saved %q", got)
	}
	r.Set(schema.ReviewText, "evil\u202e")
	if err := app.Save(r); err == nil || !strings.Contains(err.Error(), "text-direction") {
		t.Fatalf("a bidi override saved: %v", err)
	}
}

func TestDerivedFromMustBeVisible(t *testing.T) {
	t.Parallel()
	const ownID = "strangeroffer01"
	strangerOffer := func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		c, err := app.FindCollectionByNameOrId(schema.Offers)
		if err != nil {
			t.Fatal(err)
		}
		r := core.NewRecord(c)
		r.Id = ownID
		r.Set(schema.OfferTitle, "Stranger's offer")
		r.Set(schema.FieldOwner, ids[stranger])
		r.Set(schema.FieldKind, schema.KindGive)
		r.Set(schema.FieldStatus, schema.StatusActive)
		if err := app.Save(r); err != nil {
			t.Fatal(err)
		}
	}
	derived := func(who, from string) *strings.Reader {
		return jsonBody(map[string]any{schema.OfferTitle: "Remix", schema.FieldOwner: ids[who],
			schema.FieldKind: schema.KindGive, schema.FieldStatus: schema.StatusActive, schema.OfferDerivedFrom: from})
	}
	// the whole answer, the same for a draft, a hidden offer and no offer
	const missing = `{"data":{"derived_from":{"code":"validation_missing_offer","message":"The offer doesn't exist."}},` +
		`"message":"The offer it is derived from doesn't exist.","status":400}`
	scenarios := []tests.ApiScenario{
		{
			Name: "attack: deriving from someone else's draft", Method: http.MethodPost, URL: recordsURL(schema.Offers),
			Headers: headers(stranger), Body: derived(stranger, ids[fxDraft]), ExpectedStatus: 400, ExpectedContent: []string{missing},
		},
		{
			Name: "attack: deriving from a hidden offer", Method: http.MethodPost, URL: recordsURL(schema.Offers),
			Headers: headers(stranger), Body: derived(stranger, ids[fxHidden]), ExpectedStatus: 400, ExpectedContent: []string{missing},
		},
		{
			Name: "attack: deriving from an id that doesn't exist answers the same", Method: http.MethodPost, URL: recordsURL(schema.Offers),
			Headers: headers(stranger), Body: derived(stranger, "nosuchoffer0001"), ExpectedStatus: 400, ExpectedContent: []string{missing},
		},
		{
			Name: "attack: pointing one's offer at someone else's draft", Method: http.MethodPatch, URL: recordsURL(schema.Offers) + "/" + ownID,
			Headers: headers(stranger), Body: jsonBody(map[string]any{schema.OfferDerivedFrom: ids[fxDraft]}),
			BeforeTestFunc: strangerOffer, ExpectedStatus: 400, ExpectedContent: []string{missing},
			AfterTestFunc: fieldIs(schema.Offers, ownID, schema.OfferDerivedFrom, ""),
		},
		{
			Name: "legit: deriving from a visible offer", Method: http.MethodPost, URL: recordsURL(schema.Offers),
			Headers: headers(stranger), Body: derived(stranger, ids[fxOffer]), ExpectedStatus: 200,
			ExpectedContent: []string{`"derived_from":"` + ids[fxOffer] + `"`},
		},
		{
			Name: "legit: deriving from one's own draft", Method: http.MethodPost, URL: recordsURL(schema.Offers),
			Headers: headers(owner), Body: derived(owner, ids[fxDraft]), ExpectedStatus: 200,
			ExpectedContent: []string{`"derived_from":"` + ids[fxDraft] + `"`},
		},
		{
			Name: "legit: a superuser derives from a hidden offer", Method: http.MethodPost, URL: recordsURL(schema.Offers),
			Headers: headers(admin), Body: derived(stranger, ids[fxHidden]), ExpectedStatus: 200,
			ExpectedContent: []string{`"derived_from":"` + ids[fxHidden] + `"`},
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = factory
		s.Test(t)
	}
}

// TestBatchInputChecks: inside /api/batch (sent as multipart with an
// "@jsonPayload", which is JSON, not form text) the same checks hold.
func TestBatchInputChecks(t *testing.T) {
	t.Parallel()
	batch := func(body map[string]any) *strings.Reader {
		body[schema.OfferTitle] = "Batch offer"
		body[schema.FieldOwner] = ids[stranger]
		body[schema.FieldStatus] = schema.StatusActive
		if _, ok := body[schema.FieldKind]; !ok {
			body[schema.FieldKind] = schema.KindGive
		}
		return jsonBody(map[string]any{"requests": []any{map[string]any{"method": "POST",
			"url": recordsURL(schema.Offers), "body": body}}})
	}
	scenarios := []tests.ApiScenario{
		{
			Name: "attack: a list for a single select", Method: http.MethodPost, URL: "/api/batch", Headers: headers(stranger),
			Body:           batch(map[string]any{schema.FieldKind: []string{schema.KindGive, schema.KindSell}}),
			ExpectedStatus: 400, ExpectedContent: []string{`"kind":{"code":"validation_not_a_single_value"`},
		},
		{
			Name: "attack: a number as a title", Method: http.MethodPost, URL: "/api/batch", Headers: headers(stranger),
			Body:           batch(map[string]any{schema.OfferTitle + "+": 5}),
			ExpectedStatus: 400, ExpectedContent: []string{`"title":{"code":"validation_not_a_string"`},
		},
		{
			Name: "attack: deriving from a draft", Method: http.MethodPost, URL: "/api/batch", Headers: headers(stranger),
			Body:           batch(map[string]any{schema.OfferDerivedFrom: ids[fxDraft]}),
			ExpectedStatus: 400, ExpectedContent: []string{`"derived_from":{"code":"validation_missing_offer"`},
		},
		{
			Name: "attack: a title of zero-width characters", Method: http.MethodPost, URL: "/api/batch", Headers: headers(stranger),
			Body: jsonBody(map[string]any{"requests": []any{map[string]any{"method": "POST", "url": recordsURL(schema.Offers),
				"body": map[string]any{schema.OfferTitle: "\u200b\u200b\u200b\u200b", schema.FieldOwner: ids[stranger],
					schema.FieldKind: schema.KindGive, schema.FieldStatus: schema.StatusActive}}}}),
			ExpectedStatus: 400, ExpectedContent: []string{`"title":{"code":"validation_required"`},
		},
		{
			Name: "legit: an offer with tags, derived from a visible offer", Method: http.MethodPost, URL: "/api/batch",
			Headers: headers(stranger),
			Body: batch(map[string]any{schema.OfferDerivedFrom: ids[fxOffer], schema.OfferTags: []string{"drill"},
				schema.OfferExpiresAt: "2027-01-01 00:00:00.000Z"}),
			ExpectedStatus: 200, ExpectedContent: []string{`"status":200`, `"tags":["drill"]`, `"derived_from":"` + ids[fxOffer] + `"`},
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = factory
		s.Test(t)
	}
}

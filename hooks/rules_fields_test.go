package hooks_test

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/tests"

	"peerbase/hooks/schema"
	"peerbase/internal/testapp"
)

// clientWrite is a write a client may make to a collection but for the
// computed field added to it.
type clientWrite struct {
	actor  string
	method string
	target string         // fixture key, for updates
	body   map[string]any // the legal part of the request
	setup  func(t testing.TB, app *tests.TestApp)
}

// clientWrites lists, per collection with computed fields, every way a
// client may write its records.
func clientWrites() map[string][]clientWrite {
	post, patch := http.MethodPost, http.MethodPatch
	return map[string][]clientWrite{
		schema.Users: {
			{actor: anon, method: post, body: map[string]any{"email": "signup@test.peerbase.local",
				"password": testapp.Password, "passwordConfirm": testapp.Password}},
			{actor: owner, method: patch, target: owner, body: map[string]any{schema.UserBio: "hello"}},
		},
		schema.Offers: {
			{actor: owner, method: post, body: map[string]any{schema.OfferTitle: "New offer", schema.FieldKind: schema.KindGive,
				schema.FieldStatus: schema.StatusActive, schema.FieldOwner: ids[owner]}},
			{actor: owner, method: patch, target: fxOffer, body: map[string]any{schema.OfferTitle: "Renamed"}},
		},
		schema.Wants: {
			{actor: peer, method: post, body: map[string]any{schema.WantQuery: "ladder", schema.FieldOwner: ids[peer]}},
			{actor: peer, method: patch, target: fxWant, body: map[string]any{schema.WantQuery: "long ladder"}},
		},
		schema.Threads: {
			{actor: stranger, method: post, body: map[string]any{schema.ThreadOffer: ids[fxOffer2], schema.ThreadPeer: ids[stranger]}},
		},
		schema.Messages: {
			{actor: peer, method: post, body: map[string]any{schema.MessageThread: ids[fxThread],
				schema.MessageAuthor: ids[peer], schema.MessageBody: "hello"}},
		},
		schema.Exchanges: {
			{actor: stranger, method: post, body: map[string]any{schema.ExchangeOffer: ids[fxOffer], schema.ExchangeRequester: ids[stranger]}},
			{actor: peer, method: patch, target: fxExchange2, body: map[string]any{schema.ExchangeAgreedPrice: 10}},
		},
		schema.Reviews: {
			{actor: owner, method: post, body: map[string]any{schema.ReviewExchange: ids[fxExchange],
				schema.ReviewAuthor: ids[owner], schema.ReviewRating: 4}},
			{actor: owner, method: patch, target: fxReview, body: map[string]any{schema.ReviewReply: "Thanks"}, setup: publishReview},
		},
		schema.Reports: {
			{actor: stranger, method: post, body: map[string]any{schema.ReportReporter: ids[stranger],
				schema.ReportTargetColl: schema.Offers, schema.ReportTargetID: ids[fxOffer2], schema.ReportReason: "scam"}},
		},
		schema.Matches: {
			{actor: peer, method: patch, target: fxMatch, body: map[string]any{schema.MatchSeen: true}},
		},
		schema.Notifications: {
			{actor: peer, method: patch, target: fxNote, body: map[string]any{schema.NotificationRead: true}},
		},
		schema.PushSubscriptions: {
			{actor: peer, method: post, body: map[string]any{schema.SubUser: ids[peer], schema.SubEndpoint: "https://push.example.com/second",
				schema.SubP256dh: "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM", schema.SubAuth: "tBHItJI5svbpez7KI4CCXg"}},
			{actor: peer, method: patch, target: fxSub, body: map[string]any{schema.SubUserAgent: "Safari"}},
		},
	}
}

// superuserTargets is the fixture a superuser writes computed fields on.
var superuserTargets = map[string]string{schema.Users: owner, schema.Offers: fxOffer, schema.Wants: fxWant, schema.Threads: fxThread,
	schema.Messages: fxMessage, schema.Exchanges: fxExchange2, schema.Reviews: fxReview, schema.Reports: fxReport,
	schema.Matches: fxMatch, schema.PushSubscriptions: fxSub, schema.Notifications: fxNote}

// TestComputedFields: a client that may write a record still gets a 400
// naming the field when it sends one that hooks compute, on every write
// path it has, modifiers included; superusers may write them.
func TestComputedFields(t *testing.T) {
	t.Parallel()
	writes := clientWrites()
	for coll, fields := range schema.ComputedFields {
		if len(writes[coll]) == 0 {
			t.Errorf("no client write of %s is tested", coll)
		}
		var calls []call
		for _, f := range fields {
			value := computedValues[coll][f]
			for _, w := range writes[coll] {
				body := maps.Clone(w.body)
				body[f] = value
				c := call{name: fmt.Sprintf("%s %s %s as %s", w.method, coll, f, w.actor), actor: w.actor,
					method: w.method, url: recordsURL(coll), body: body, status: http.StatusBadRequest, setup: w.setup,
					content: []string{fieldErr(f, "validation_computed_field")},
					events:  map[string]int{"*": 0, "OnRecordCreateRequest": 1}}
				if w.method == http.MethodPatch {
					c.url = recordURL(coll, w.target)
					c.events = map[string]int{"*": 0, "OnRecordUpdateRequest": 1}
				}
				calls = append(calls, c)
			}

			target := superuserTargets[coll]
			if target == "" {
				t.Errorf("no superuser write of %s is tested", coll)
				continue
			}
			body := map[string]any{f: value}
			calls = append(calls, call{name: fmt.Sprintf("PATCH %s %s as admin", coll, f), actor: admin,
				method: http.MethodPatch, url: recordURL(coll, target), body: body, status: http.StatusOK,
				content: []string{idOf(target)}, check: updatedCheck(coll, target, body)})
		}
		run(t, coll, calls)
	}

	// PocketBase's modifiers (field+, +field, field-) are writes too
	run(t, "modifiers", []call{
		{name: "users rating_count+ as owner", actor: owner, method: http.MethodPatch, url: recordURL(schema.Users, owner),
			body: map[string]any{schema.UserRatingCount + "+": 5}, status: http.StatusBadRequest,
			content: []string{fieldErr(schema.UserRatingCount, "validation_computed_field")},
			events:  map[string]int{"*": 0, "OnRecordUpdateRequest": 1}},
		{name: "matches score- as peer", actor: peer, method: http.MethodPatch, url: recordURL(schema.Matches, fxMatch),
			body: map[string]any{schema.MatchScore + "-": 1}, status: http.StatusBadRequest,
			content: []string{fieldErr(schema.MatchScore, "validation_computed_field")},
			events:  map[string]int{"*": 0, "OnRecordUpdateRequest": 1}},
		{name: "messages +attachment_meta as peer", actor: peer, method: http.MethodPost, url: recordsURL(schema.Messages),
			body: map[string]any{schema.MessageThread: ids[fxThread], schema.MessageAuthor: ids[peer], schema.MessageBody: "hi",
				"+" + schema.MessageAttachmentMeta: map[string]any{"w": 1}}, status: http.StatusBadRequest,
			content: []string{fieldErr(schema.MessageAttachmentMeta, "validation_computed_field")},
			events:  map[string]int{"*": 0, "OnRecordCreateRequest": 1}},
	})
}

// actorRow says who a collection's actor field belongs to and what its
// rules answer when that person, or a stranger, tries to change it.
type actorRow struct {
	collection string
	record     string // fixture key
	actor      string // who the record's actor field holds
	change     int    // status when the actor changes the field
	same       int    // status when the actor sends the field unchanged with a legal change
	sameBody   map[string]any
}

func actorRows() []actorRow {
	return []actorRow{
		{schema.Offers, fxOffer, owner, 400, 200, map[string]any{schema.OfferTitle: "Renamed"}},
		{schema.Wants, fxWant, peer, 400, 200, map[string]any{schema.WantQuery: "renamed"}},
		{schema.Threads, fxThread, peer, 403, 403, nil},
		{schema.Messages, fxMessage, peer, 403, 403, nil},
		{schema.Exchanges, fxExchange2, peer, 400, 200, map[string]any{schema.ExchangeAgreedPrice: 12}},
		{schema.Reviews, fxReview, peer, 400, 404, map[string]any{schema.ReviewReply: "self reply"}}, // only the subject replies
		{schema.Reports, fxReport, peer, 403, 403, nil},
		{schema.Blocks, fxBlock, owner, 403, 403, nil},
		{schema.Follows, fxFollow, peer, 403, 403, nil},
		{schema.PushSubscriptions, fxSub, peer, 400, 200, map[string]any{schema.SubUserAgent: "Edge"}},
	}
}

// TestActorFields: the field naming the acting person must be the caller
// on create (a foreign or missing one is a 400 naming it) and never
// changes afterwards (a field-level 400 for its person, 404 or 403 for
// anyone else).
func TestActorFields(t *testing.T) {
	t.Parallel()
	rows := map[string]matrixRow{}
	for _, r := range matrix() {
		rows[r.collection] = r
	}
	covered := map[string]bool{}
	for _, ar := range actorRows() {
		covered[ar.collection] = true
	}
	for coll, field := range schema.ActorFields {
		if !covered[coll] {
			t.Errorf("the actor field %s.%s has no row", coll, field)
		}
		row := rows[coll]
		// the first person whose own create succeeds, and someone else
		caller := ""
		for _, a := range []string{owner, peer, stranger} {
			if row.create[slices.Index(actors[:], a)] == http.StatusOK {
				caller = a
				break
			}
		}
		if caller == "" {
			t.Errorf("nobody may create %s records", coll)
			continue
		}
		foreign := peer
		if caller == peer {
			foreign = owner
		}
		body := row.createBody(ids[caller])
		body[field] = ids[foreign]
		missing := row.createBody(ids[caller])
		delete(missing, field)
		run(t, coll+" create", []call{
			{name: fmt.Sprintf("%s as %s with %s %s", coll, caller, field, foreign), actor: caller, method: http.MethodPost,
				url: recordsURL(coll), body: body, status: http.StatusBadRequest,
				content: []string{fieldErr(field, "validation_not_yours")}},
			{name: fmt.Sprintf("%s as %s without %s", coll, caller, field), actor: caller, method: http.MethodPost,
				url: recordsURL(coll), body: missing, status: http.StatusBadRequest,
				content: []string{fieldErr(field, "validation_required")}},
			// anonymous callers have no id to match: some rules let an empty
			// actor through to the required-field validation, some don't;
			// either way it is a 400 and nothing is written
			{name: fmt.Sprintf("%s as anon without %s", coll, field), actor: anon, method: http.MethodPost,
				url: recordsURL(coll), body: missing, status: http.StatusBadRequest, events: map[string]int{}},
		})
	}

	for _, ar := range actorRows() {
		field := schema.ActorFields[ar.collection]
		change := map[string]any{field: ids[stranger]}
		// without an update rule it is superusers only; with one, a
		// stranger can't find the record
		strangerStatus := http.StatusNotFound
		if ar.change == http.StatusForbidden {
			strangerStatus = http.StatusForbidden
		}
		calls := []call{
			{name: fmt.Sprintf("%s %s to stranger as %s", ar.collection, field, ar.actor), actor: ar.actor,
				method: http.MethodPatch, url: recordURL(ar.collection, ar.record), body: change, status: ar.change},
			{name: fmt.Sprintf("%s %s to stranger as stranger", ar.collection, field), actor: stranger,
				method: http.MethodPatch, url: recordURL(ar.collection, ar.record), body: change, status: strangerStatus},
		}
		if ar.change == http.StatusBadRequest {
			calls[0].content = []string{fieldErr(field, "validation_immutable")}
		}
		if ar.sameBody != nil {
			body := maps.Clone(ar.sameBody)
			body[field] = ids[ar.actor]
			same := call{name: fmt.Sprintf("%s %s unchanged as %s", ar.collection, field, ar.actor), actor: ar.actor,
				method: http.MethodPatch, url: recordURL(ar.collection, ar.record), body: body, status: ar.same}
			if same.status == http.StatusOK {
				same.content = []string{idOf(ar.record)}
				same.check = updatedCheck(ar.collection, ar.record, body)
			}
			calls = append(calls, same)
		}
		run(t, ar.collection+" update", calls)
	}
}

// blockBetween saves a block through the model path.
func blockBetween(blocker, blockedUser string) func(t testing.TB, app *tests.TestApp) {
	return func(t testing.TB, app *tests.TestApp) {
		t.Helper()
		if _, err := testapp.CreateRecord(app, schema.Blocks, map[string]any{
			schema.BlockBlocker: ids[blocker], schema.BlockBlocked: ids[blockedUser]}); err != nil {
			t.Fatal(err)
		}
	}
}

// modelRefused are the events of a create that passed its rule and its
// request hooks and was refused by a model hook (OnRecordCreate).
var modelRefused = map[string]int{"*": 0, "OnRecordCreateRequest": 1, "OnRecordCreate": 1, "OnModelCreate": 1,
	"OnRecordAfterCreateError": 1, "OnModelAfterCreateError": 1}

// validationRefused are the events of a create refused by field validation.
// inputRefused: the trust request hook refuses a value of the wrong type
// before any model hook runs.
var inputRefused = map[string]int{"*": 0, "OnRecordCreateRequest": 1}

var validationRefused = map[string]int{"*": 0, "OnRecordCreateRequest": 1, "OnRecordCreate": 1, "OnModelCreate": 1,
	"OnRecordValidate": 1, "OnModelValidate": 1, "OnRecordAfterCreateError": 1, "OnModelAfterCreateError": 1}

// TestContactRules: nobody opens a thread with themself or on their own
// offer, on a draft or hidden one; a block stops new threads and messages
// between the two people, whoever blocked whom; superusers can't bypass the
// model hooks either.
func TestContactRules(t *testing.T) {
	t.Parallel()
	newThread := func(offerKey, who string) map[string]any {
		return map[string]any{schema.ThreadOffer: ids[offerKey], schema.ThreadPeer: ids[who]}
	}
	newMessage := func(who string) map[string]any {
		return map[string]any{schema.MessageThread: ids[fxThread], schema.MessageAuthor: ids[who], schema.MessageBody: "still there?"}
	}
	threads, messages := recordsURL(schema.Threads), recordsURL(schema.Messages)
	post := http.MethodPost
	run(t, "threads", []call{
		{name: "own offer", actor: owner, method: post, url: threads, body: newThread(fxOffer2, owner),
			status: 400, content: []string{fieldErr(schema.ThreadOffer, "validation_own_offer")}},
		{name: "own offer as superuser", actor: admin, method: post, url: threads, body: newThread(fxOffer2, owner),
			status: 400, content: []string{fieldErr(schema.ThreadOffer, "validation_own_offer")},
			events: map[string]int{"*": 0, "OnRecordCreateRequest": 1, "OnRecordCreate": 1, "OnModelCreate": 1,
				"OnRecordAfterCreateError": 1, "OnModelAfterCreateError": 1}},
		{name: "draft offer", actor: stranger, method: post, url: threads, body: newThread(fxDraft, stranger),
			status: 400, content: []string{fieldErr(schema.ThreadOffer, "validation_missing_offer")}},
		{name: "hidden offer", actor: stranger, method: post, url: threads, body: newThread(fxHidden, stranger),
			status: 400, content: []string{fieldErr(schema.ThreadOffer, "validation_missing_offer")}},
		{name: "second thread on the same offer", actor: peer, method: post, url: threads, body: newThread(fxOffer, peer),
			status: 400, content: []string{fieldErr(schema.ThreadPeer, "validation_not_unique")}, events: insertFailed},
		{name: "blocked person opens a thread with the blocker", actor: blocked, method: post, url: threads,
			body: newThread(fxOffer2, blocked), status: 400, events: modelRefused,
			content: []string{fieldErr(schema.ThreadOffer, "validation_blocked")}},
		{name: "blocker opens a thread with the blocked person", actor: owner, method: post, url: threads,
			body: newThread(fxBlockedOffer, owner), status: 400, events: modelRefused,
			content: []string{fieldErr(schema.ThreadOffer, "validation_blocked")}},
		{name: "blocked pair as superuser", actor: admin, method: post, url: threads,
			body: newThread(fxOffer2, blocked), status: 400, events: modelRefused,
			content: []string{fieldErr(schema.ThreadOffer, "validation_blocked")}},
		{name: "after a block, in both directions", actor: stranger, method: post, url: threads,
			body: newThread(fxOffer2, stranger), setup: blockBetween(stranger, owner), status: 400, events: modelRefused,
			content: []string{fieldErr(schema.ThreadOffer, "validation_blocked")}},
		{name: "a block elsewhere changes nothing", actor: stranger, method: post, url: threads,
			body: newThread(fxOffer2, stranger), setup: blockBetween(stranger, bystander), status: 200,
			content: []string{`"collectionName":"threads"`}},
	})
	run(t, "messages", []call{
		{name: "peer writes after peer blocked owner", actor: peer, method: post, url: messages, body: newMessage(peer),
			setup: blockBetween(peer, owner), status: 400, events: modelRefused,
			content: []string{fieldErr(schema.MessageThread, "validation_blocked")}},
		{name: "owner writes after peer blocked owner", actor: owner, method: post, url: messages, body: newMessage(owner),
			setup: blockBetween(peer, owner), status: 400, events: modelRefused,
			content: []string{fieldErr(schema.MessageThread, "validation_blocked")}},
		{name: "peer writes after owner blocked peer", actor: peer, method: post, url: messages, body: newMessage(peer),
			setup: blockBetween(owner, peer), status: 400, events: modelRefused,
			content: []string{fieldErr(schema.MessageThread, "validation_blocked")}},
		{name: "superuser writes for peer after a block", actor: admin, method: post, url: messages, body: newMessage(peer),
			setup: blockBetween(owner, peer), status: 400, events: modelRefused,
			content: []string{fieldErr(schema.MessageThread, "validation_blocked")}},
		{name: "stranger writes in a foreign thread", actor: stranger, method: post, url: messages, body: newMessage(stranger),
			status: 400, content: []string{fieldErr(schema.MessageThread, "validation_missing_thread")}},
		{name: "peer writes in a thread once the block is lifted", actor: peer, method: post, url: messages,
			body: newMessage(peer), status: 200, content: []string{`"collectionName":"messages"`},
			setup: func(t testing.TB, app *tests.TestApp) {
				blockBetween(peer, owner)(t, app)
				b, err := app.FindFirstRecordByData(schema.Blocks, schema.BlockBlocker, ids[peer])
				if err != nil {
					t.Fatal(err)
				}
				if err := app.Delete(b); err != nil {
					t.Fatal(err)
				}
			}},
	})
	run(t, "exchanges", []call{
		{name: "own offer", actor: owner, method: post, url: recordsURL(schema.Exchanges),
			body:   map[string]any{schema.ExchangeOffer: ids[fxOffer], schema.ExchangeRequester: ids[owner]},
			status: 400, content: []string{fieldErr(schema.ExchangeOffer, "validation_own_offer")}},
		{name: "draft offer", actor: stranger, method: post, url: recordsURL(schema.Exchanges),
			body:   map[string]any{schema.ExchangeOffer: ids[fxDraft], schema.ExchangeRequester: ids[stranger]},
			status: 400, content: []string{fieldErr(schema.ExchangeOffer, "validation_missing_offer")}},
		{name: "starting past requested", actor: stranger, method: post, url: recordsURL(schema.Exchanges),
			body: map[string]any{schema.ExchangeOffer: ids[fxOffer], schema.ExchangeRequester: ids[stranger],
				schema.ExchangeState: schema.StateCompleted},
			status: 400, content: []string{fieldErr(schema.ExchangeState, "validation_initial_state")}},
	})
}

// TestBadInput: bad input gets a 400 that names each wrong field in
// PocketBase's format, and the database is unchanged.
func TestBadInput(t *testing.T) {
	t.Parallel()
	offer := func(change map[string]any, drop ...string) map[string]any {
		b := map[string]any{schema.OfferTitle: "Kayak", schema.FieldKind: schema.KindRent,
			schema.FieldStatus: schema.StatusActive, schema.FieldOwner: ids[owner], schema.OfferPrice: 12}
		maps.Copy(b, change)
		for _, d := range drop {
			delete(b, d)
		}
		return b
	}
	offers := recordsURL(schema.Offers)
	bad := func(name, actor, url string, body map[string]any, events map[string]int, errs ...string) call {
		return call{name: name, actor: actor, method: http.MethodPost, url: url, body: body, status: 400,
			content: append([]string{`"data":{`}, errs...), events: events}
	}
	day := 24 * time.Hour
	run(t, "offers", []call{
		bad("unknown kind", owner, offers, offer(map[string]any{schema.FieldKind: "boat"}), validationRefused,
			fieldErr(schema.FieldKind, "validation_invalid_value")),
		bad("missing title", owner, offers, offer(nil, schema.OfferTitle), validationRefused,
			fieldErr(schema.OfferTitle, "validation_required")),
		bad("missing kind and status", owner, offers, offer(nil, schema.FieldKind, schema.FieldStatus), validationRefused,
			fieldErr(schema.FieldKind, "validation_required"), fieldErr(schema.FieldStatus, "validation_required")),
		bad("price is not a number", owner, offers, offer(map[string]any{schema.OfferPrice: "abc"}), inputRefused,
			fieldErr(schema.OfferPrice, "validation_not_a_number")),
		bad("location is not a point", owner, offers, offer(map[string]any{schema.FieldLocation: "Lyon"}), inputRefused,
			fieldErr(schema.FieldLocation, "validation_not_a_geo_point")),
		bad("negative price", owner, offers, offer(map[string]any{schema.OfferPrice: -5}), validationRefused,
			fieldErr(schema.OfferPrice, "")),
		bad("unknown category", owner, offers, offer(map[string]any{schema.FieldCategory: "nosuchcategory1"}),
			validationRefused, fieldErr(schema.FieldCategory, "")),
		bad("hidden by its owner", owner, offers, offer(map[string]any{schema.FieldStatus: schema.StatusHidden}), nil,
			fieldErr(schema.FieldStatus, "validation_moderation_only")),
		{name: "hide by update", actor: owner, method: http.MethodPatch, url: recordURL(schema.Offers, fxOffer),
			body: map[string]any{schema.FieldStatus: schema.StatusHidden}, status: 400,
			// a 400, not the rule's bare 404: its message must not say "not found"
			content: []string{fieldErr(schema.FieldStatus, "validation_moderation_only"), `"message":"Failed to update record."`}},
		{name: "unhide by update", actor: owner, method: http.MethodPatch, url: recordURL(schema.Offers, fxHidden),
			body: map[string]any{schema.FieldStatus: schema.StatusActive}, status: 400,
			content: []string{fieldErr(schema.FieldStatus, "validation_moderated")}},
	})
	run(t, "others", []call{
		bad("thread without fields", peer, recordsURL(schema.Threads), map[string]any{}, nil,
			fieldErr(schema.ThreadOffer, ""), fieldErr(schema.ThreadPeer, "validation_required")),
		bad("empty message", peer, recordsURL(schema.Messages), map[string]any{schema.MessageThread: ids[fxThread],
			schema.MessageAuthor: ids[peer], schema.MessageBody: "  \n "}, modelRefused,
			fieldErr(schema.MessageBody, "validation_empty_message")),
		bad("want of an unknown kind", peer, recordsURL(schema.Wants), map[string]any{schema.FieldOwner: ids[peer],
			schema.WantKinds: []string{"boat"}}, validationRefused, fieldErr(schema.WantKinds, "")),
		bad("lend without dates", stranger, recordsURL(schema.Exchanges), map[string]any{
			schema.ExchangeOffer: ids[fxOffer2], schema.ExchangeRequester: ids[stranger]}, modelRefused,
			fieldErr(schema.ExchangeStart, "validation_required")),
		bad("lend ending before it starts", stranger, recordsURL(schema.Exchanges), map[string]any{
			schema.ExchangeOffer: ids[fxOffer2], schema.ExchangeRequester: ids[stranger],
			schema.ExchangeStart: time.Now().Add(3 * day), schema.ExchangeEnd: time.Now().Add(day)}, modelRefused,
			fieldErr(schema.ExchangeEnd, "validation_end_before_start")),
		bad("rating out of range", owner, recordsURL(schema.Reviews), map[string]any{schema.ReviewExchange: ids[fxExchange],
			schema.ReviewAuthor: ids[owner], schema.ReviewRating: 9}, validationRefused, fieldErr(schema.ReviewRating, "")),
		bad("report of an unknown collection", stranger, recordsURL(schema.Reports), map[string]any{
			schema.ReportReporter: ids[stranger], schema.ReportTargetColl: schema.Threads, schema.ReportTargetID: ids[fxThread],
			schema.ReportReason: "spam"}, validationRefused, fieldErr(schema.ReportTargetColl, "validation_invalid_value")),
		bad("report of a message the reporter can't see", stranger, recordsURL(schema.Reports), map[string]any{
			schema.ReportReporter: ids[stranger], schema.ReportTargetColl: schema.Messages, schema.ReportTargetID: ids[fxMessage],
			schema.ReportReason: "spam"}, map[string]int{"*": 0, "OnRecordCreateRequest": 1},
			fieldErr(schema.ReportTargetID, "validation_missing_target")),
		bad("report of a draft", stranger, recordsURL(schema.Reports), map[string]any{
			schema.ReportReporter: ids[stranger], schema.ReportTargetColl: schema.Offers, schema.ReportTargetID: ids[fxDraft],
			schema.ReportReason: "spam"}, map[string]int{"*": 0, "OnRecordCreateRequest": 1},
			fieldErr(schema.ReportTargetID, "validation_missing_target")),
		bad("push subscription without an endpoint URL", peer, recordsURL(schema.PushSubscriptions), map[string]any{
			schema.SubUser: ids[peer], schema.SubEndpoint: "not a url", schema.SubP256dh: "BNcR", schema.SubAuth: "tBHI"},
			validationRefused, fieldErr(schema.SubEndpoint, "")),
		bad("self block", owner, recordsURL(schema.Blocks), map[string]any{schema.BlockBlocker: ids[owner],
			schema.BlockBlocked: ids[owner]}, nil, fieldErr(schema.BlockBlocked, "validation_self")),
		bad("self follow", owner, recordsURL(schema.Follows), map[string]any{schema.FollowFollower: ids[owner],
			schema.FollowFollowee: ids[owner]}, nil, fieldErr(schema.FollowFollowee, "validation_self")),
	})
}

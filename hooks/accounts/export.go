package accounts

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"peerbase/hooks/schema"
)

// ExportFormat names the shape of the export document, for whoever reads
// one later.
const ExportFormat = "peerbase-export/1"

// Person is how anyone else appears in an export: their id and public name,
// nothing of their own data.
type Person struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// ExportThread is one of the person's threads with all its messages.
type ExportThread struct {
	Thread   map[string]any   `json:"thread"`
	Messages []map[string]any `json:"messages"`
}

// Export is the document GET /api/peerbase/me/export answers: everything the
// person wrote or that concerns them and that they can see through the API
// anyway, and no private data of anyone else.
type Export struct {
	Format            string           `json:"format"`
	ExportedAt        types.DateTime   `json:"exported_at"`
	Profile           map[string]any   `json:"profile"`
	Offers            []map[string]any `json:"offers"`
	Wants             []map[string]any `json:"wants"`
	Matches           []map[string]any `json:"matches"`
	Threads           []ExportThread   `json:"threads"`
	Exchanges         []map[string]any `json:"exchanges"`
	ReviewsWritten    []map[string]any `json:"reviews_written"`
	ReviewsReceived   []map[string]any `json:"reviews_received"`
	Reports           []map[string]any `json:"reports"`
	Blocks            []map[string]any `json:"blocks"`
	Following         []map[string]any `json:"following"`
	Followers         []map[string]any `json:"followers"`
	PushSubscriptions []map[string]any `json:"push_subscriptions"`
	Notifications     []map[string]any `json:"notifications"`
	Swaps             []map[string]any `json:"swaps"`
	LedgerEntries     []map[string]any `json:"ledger_entries"`
	People            []Person         `json:"people"`
}

// export handles GET /api/peerbase/me/export: the caller's own data as one
// JSON document, served as a download.
func (s *service) export(e *core.RequestEvent) error {
	doc, err := BuildExport(e.App, e.Auth.Id)
	if err != nil {
		return e.InternalServerError("Failed to export your data.", err)
	}
	e.Response.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="peerbase-export-%s.json"`, e.Auth.Id))
	e.Response.Header().Set("Cache-Control", "no-store")
	return e.JSON(http.StatusOK, doc)
}

// BuildExport collects the export document of userID.
func BuildExport(app core.App, userID string) (*Export, error) {
	user, err := app.FindRecordById(schema.Users, userID)
	if err != nil {
		return nil, fmt.Errorf("failed to load the user: %w", err)
	}
	user.Unhide(schema.PrivateUserFields...)
	user.IgnoreEmailVisibility(true)
	doc := &Export{Format: ExportFormat, ExportedAt: types.NowDateTime(), Profile: user.PublicExport()}

	var others []string
	note := func(ids ...string) {
		for _, id := range ids {
			if id != "" && id != userID && !slices.Contains(others, id) {
				others = append(others, id)
			}
		}
	}
	find := func(collection string, where dbx.Expression) ([]*core.Record, error) {
		var records []*core.Record
		err := app.RecordQuery(collection).AndWhere(where).OrderBy("created ASC", "id ASC").All(&records)
		if err != nil {
			return nil, fmt.Errorf("failed to load %s: %w", collection, err)
		}
		return records, nil
	}
	lists := []struct {
		into       *[]map[string]any
		collection string
		where      dbx.Expression
		people     []string // relation fields naming someone else
	}{
		{&doc.Offers, schema.Offers, dbx.HashExp{schema.FieldOwner: userID}, nil},
		{&doc.Wants, schema.Wants, dbx.HashExp{schema.FieldOwner: userID}, nil},
		{&doc.Matches, schema.Matches, dbx.HashExp{schema.MatchRecipient: userID}, nil},
		{&doc.Exchanges, schema.Exchanges, dbx.Or(dbx.HashExp{schema.ExchangeOwner: userID}, dbx.HashExp{schema.ExchangeRequester: userID}),
			[]string{schema.ExchangeOwner, schema.ExchangeRequester}},
		{&doc.ReviewsWritten, schema.Reviews, dbx.HashExp{schema.ReviewAuthor: userID}, []string{schema.ReviewSubject}},
		// reviews are blind: one about the person shows only once published
		{&doc.ReviewsReceived, schema.Reviews, dbx.HashExp{schema.ReviewSubject: userID, schema.ReviewPublished: true}, []string{schema.ReviewAuthor}},
		{&doc.Reports, schema.Reports, dbx.HashExp{schema.ReportReporter: userID}, nil},
		// who blocked the person is the blocker's private data: only their own blocks
		{&doc.Blocks, schema.Blocks, dbx.HashExp{schema.BlockBlocker: userID}, []string{schema.BlockBlocked}},
		{&doc.Following, schema.Follows, dbx.HashExp{schema.FollowFollower: userID}, []string{schema.FollowFollowee}},
		{&doc.Followers, schema.Follows, dbx.HashExp{schema.FollowFollowee: userID}, []string{schema.FollowFollower}},
		{&doc.PushSubscriptions, schema.PushSubscriptions, dbx.HashExp{schema.SubUser: userID}, nil},
		{&doc.Notifications, schema.Notifications, dbx.HashExp{schema.NotificationUser: userID}, nil},
		{&doc.Swaps, schema.Swaps, dbx.NewExp("EXISTS (SELECT 1 FROM json_each("+schema.SwapParticipants+") WHERE value = {:me})",
			dbx.Params{"me": userID}), nil},
		// one's own side of each movement: the other side's entry is theirs
		{&doc.LedgerEntries, schema.LedgerEntries, dbx.HashExp{schema.LedgerAccount: userID}, []string{schema.LedgerCounterparty}},
	}
	for _, l := range lists {
		records, err := find(l.collection, l.where)
		if err != nil {
			return nil, err
		}
		*l.into = exportAll(records)
		for _, r := range records {
			for _, f := range l.people {
				note(r.GetString(f))
			}
		}
	}

	threads, err := find(schema.Threads, dbx.Or(dbx.HashExp{schema.ThreadOwner: userID}, dbx.HashExp{schema.ThreadPeer: userID}))
	if err != nil {
		return nil, err
	}
	doc.Threads = make([]ExportThread, 0, len(threads))
	for _, t := range threads {
		note(t.GetString(schema.ThreadOwner), t.GetString(schema.ThreadPeer))
		messages, err := app.FindRecordsByFilter(schema.Messages, "thread = {:thread}", "created,id", 0, 0, dbx.Params{"thread": t.Id})
		if err != nil {
			return nil, fmt.Errorf("failed to load the messages of thread %s: %w", t.Id, err)
		}
		doc.Threads = append(doc.Threads, ExportThread{Thread: t.PublicExport(), Messages: exportAll(messages)})
	}

	doc.People = make([]Person, 0, len(others))
	if len(others) > 0 {
		people, err := app.FindRecordsByIds(schema.Users, others)
		if err != nil {
			return nil, fmt.Errorf("failed to load the people in the export: %w", err)
		}
		for _, p := range people {
			doc.People = append(doc.People, Person{ID: p.Id, Name: p.GetString(schema.UserName)})
		}
		slices.SortFunc(doc.People, func(a, b Person) int { return strings.Compare(a.ID, b.ID) })
	}
	return doc, nil
}

// exportAll returns the records as the records API shows them to a client
// (hidden fields left out), in a list that is never null in JSON.
func exportAll(records []*core.Record) []map[string]any {
	out := make([]map[string]any, 0, len(records))
	for _, r := range records {
		out = append(out, r.PublicExport())
	}
	return out
}

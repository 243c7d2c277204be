package exchanges_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/tools/filesystem"

	"peerbase/hooks/schema"
	"peerbase/internal/testapp"
)

// get sends a GET to the world's server with an optional auth header.
func (w *world) get(t testing.TB, path, authToken string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, w.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if authToken != "" {
		req.Header.Set("Authorization", authToken)
	}
	res, err := w.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(raw)
}

// fileToken is a fresh file token of a fixture user.
func (w *world) fileToken(t testing.TB, who string) string {
	t.Helper()
	u, err := w.app.FindRecordById(schema.Users, ids[who])
	if err != nil {
		t.Fatal(err)
	}
	tok, err := u.NewFileToken()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (w *world) downloads(t testing.TB, x string) int {
	t.Helper()
	return w.record(t, schema.Exchanges, x).GetInt(schema.ExchangeDownloads)
}

// TestDigitalExchange: an offer's protected files go to its owner and to the
// requester of an accepted exchange, never to a stranger with a file token
// of their own; the requester's downloads are counted on their exchange,
// and the parties see the files listed on the exchange.
func TestDigitalExchange(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.srv = serve(t, w.app)
	f, err := filesystem.NewFileFromBytes([]byte("%PDF-1.4 sewing pattern"), "pattern.pdf")
	if err != nil {
		t.Fatal(err)
	}
	offer, err := testapp.CreateRecord(w.app, schema.Offers, map[string]any{
		schema.OfferTitle: "Sewing pattern", schema.FieldOwner: ids["owner"], schema.FieldKind: schema.KindSell,
		schema.FieldStatus: schema.StatusActive, schema.OfferPriceUnit: "item", schema.OfferFiles: []*filesystem.File{f},
	})
	if err != nil {
		t.Fatal(err)
	}
	name := offer.GetStringSlice(schema.OfferFiles)[0]
	fileURL := "/api/files/" + schema.Offers + "/" + offer.Id + "/" + name + "?token="
	x := w.exchange(offer.Id, "requester", "")
	listURL := "/api/peerbase/exchanges/" + x + "/files"

	// requested: not yet
	if st, raw := w.get(t, fileURL+w.fileToken(t, "requester"), ""); st != 403 {
		t.Errorf("requester before acceptance: %d %s", st, raw)
	}
	if st, raw := w.get(t, listURL, tokens["requester"]); st != 403 {
		t.Errorf("listing before acceptance: %d %s", st, raw)
	}
	w.move(x, schema.StateAccepted)

	for i := 1; i <= 2; i++ {
		if st, raw := w.get(t, fileURL+w.fileToken(t, "requester"), ""); st != 200 || raw != "%PDF-1.4 sewing pattern" {
			t.Fatalf("requester download %d: %d %s", i, st, raw)
		}
		if n := w.downloads(t, x); n != i {
			t.Errorf("after download %d the count is %d", i, n)
		}
	}
	// the owner's own downloads aren't the exchange's
	if st, raw := w.get(t, fileURL+w.fileToken(t, "owner"), ""); st != 200 {
		t.Errorf("owner: %d %s", st, raw)
	}
	// a stranger with a valid file token of their own, anonymous, a forged token
	for who, tok := range map[string]string{"stranger": w.fileToken(t, "other"), "anonymous": "", "auth token as file token": tokens["other"]} {
		if st, raw := w.get(t, fileURL+url.QueryEscape(tok), ""); st != 403 {
			t.Errorf("%s: %d %s", who, st, raw)
		}
	}
	if n := w.downloads(t, x); n != 2 {
		t.Errorf("count %d after the owner's and refused downloads, want 2", n)
	}
	// the count is the server's: a party can't write it
	if st, raw := w.get(t, recordURL(schema.Exchanges, x), tokens["requester"]); st != 200 || !strings.Contains(raw, `"downloads":2`) {
		t.Errorf("requester's view: %d %s", st, raw)
	}

	// the files on the exchange, for its parties only
	for _, c := range []struct {
		who  string
		want int
	}{{"", 401}, {"other", 404}, {"owner", 200}, {"requester", 200}} {
		who, want := c.who, c.want
		st, raw := w.get(t, listURL, tokens[who])
		if st != want {
			t.Errorf("list as %q: %d %s", who, st, raw)
			continue
		}
		if st != 200 {
			continue
		}
		var got struct {
			Items     []struct{ Name, URL string }
			Downloads int
			Token     string
		}
		if err := json.Unmarshal([]byte(raw), &got); err != nil {
			t.Fatal(err)
		}
		if len(got.Items) != 1 || got.Items[0].Name != name || got.Downloads != 2 || got.Token == "" {
			t.Fatalf("list as %s: %s", who, raw)
		}
		// the listed url with the listed token downloads the file
		if st, body := w.get(t, got.Items[0].URL+"?token="+got.Token, ""); st != 200 || body != "%PDF-1.4 sewing pattern" {
			t.Errorf("listed url as %s: %d %s", who, st, body)
		}
	}
	if n := w.downloads(t, x); n != 3 {
		t.Errorf("count %d after the requester's download through the list, want 3", n)
	}
	// cancelled: the files are no longer theirs
	w.move(x, schema.StateCancelled)
	if st, raw := w.get(t, fileURL+w.fileToken(t, "requester"), ""); st != 403 {
		t.Errorf("requester after cancel: %d %s", st, raw)
	}
}

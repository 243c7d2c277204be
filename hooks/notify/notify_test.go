package notify_test

import (
	"testing"

	"peerbase/hooks/notify"
	"peerbase/hooks/schema"
	"peerbase/internal/testapp"
)

func init() {
	notify.Define("test.hello", map[string]notify.Text{
		"en": {Title: "Hello {name}", Body: "Your offer {title} is live"},
		"fr": {Title: "Bonjour {name}", Body: "Votre offre {title} est en ligne"},
	})
}

func TestLanguage(t *testing.T) {
	for in, want := range map[string]string{"fr-CA": "fr", "FR": "fr", "fr_BE": "fr", "en-GB": "en", "de": "en", "": "en"} {
		if got := notify.Language(in); got != want {
			t.Errorf("Language(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSendRendersInTheRecipientsLanguage(t *testing.T) {
	app := testapp.New(t)
	ids := map[string]string{}
	if err := testapp.CreateUsers(app, ids, map[string]string{}, "ana", "bob"); err != nil {
		t.Fatal(err)
	}
	ana, _ := app.FindRecordById(schema.Users, ids["ana"])
	ana.Set(schema.UserLocale, "fr-FR")
	if err := app.Save(ana); err != nil {
		t.Fatal(err)
	}
	args := map[string]string{"name": "Ana", "title": "Perceuse"}
	fr, err := notify.Send(app, notify.Notification{User: ids["ana"], Type: schema.NotifyMatch, Key: "test.hello", Args: args,
		Link: "/offers/x", Data: map[string]any{"offer": "x"}})
	if err != nil {
		t.Fatal(err)
	}
	if fr.GetString(schema.NotificationTitle) != "Bonjour Ana" || fr.GetString(schema.NotificationText) != "Votre offre Perceuse est en ligne" {
		t.Errorf("French recipient got %q / %q", fr.GetString(schema.NotificationTitle), fr.GetString(schema.NotificationText))
	}
	en, err := notify.Send(app, notify.Notification{User: ids["bob"], Type: schema.NotifyMatch, Key: "test.hello", Args: args})
	if err != nil {
		t.Fatal(err)
	}
	if en.GetString(schema.NotificationTitle) != "Hello Ana" || en.GetBool(schema.NotificationRead) {
		t.Errorf("English recipient got %q, read=%v", en.GetString(schema.NotificationTitle), en.GetBool(schema.NotificationRead))
	}
	if _, err := notify.Send(app, notify.Notification{User: ids["bob"], Type: "nope", Key: "test.hello"}); err == nil {
		t.Error("an unknown type must be refused")
	}
	if _, err := notify.Send(app, notify.Notification{User: ids["bob"], Type: schema.NotifyMatch, Key: "test.missing"}); err == nil {
		t.Error("an unknown message must be refused")
	}
	if r, err := notify.Send(app, notify.Notification{User: "nobody12345678", Type: schema.NotifyMatch, Key: "test.hello"}); r != nil || err != nil {
		t.Errorf("an unknown person gets nothing and no error, got %v, %v", r, err)
	}
}

// TestPersonName: a person's name, or Someone for an unknown, deleted or
// nameless account (never their id, never blank).
func TestPersonName(t *testing.T) {
	app := testapp.New(t)
	ids := map[string]string{}
	if err := testapp.CreateUsers(app, ids, map[string]string{}, "ana", "gone", "blank"); err != nil {
		t.Fatal(err)
	}
	for who, change := range map[string]func(u interface{ Set(string, any) }){
		"gone":  func(u interface{ Set(string, any) }) { u.Set(schema.UserDeleted, true) },
		"blank": func(u interface{ Set(string, any) }) { u.Set(schema.UserName, "") },
	} {
		u, err := app.FindRecordById(schema.Users, ids[who])
		if err != nil {
			t.Fatal(err)
		}
		change(u)
		if err := app.Save(u); err != nil {
			t.Fatal(err)
		}
	}
	for id, want := range map[string]string{ids["ana"]: "ana", ids["gone"]: notify.Someone, ids["blank"]: notify.Someone, "nobody12345678": notify.Someone} {
		if got := notify.PersonName(app, id); got != want {
			t.Errorf("PersonName(%s) = %q, want %q", id, got, want)
		}
	}
}

package photos_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"peerbase/hooks/photos"
	"peerbase/hooks/photos/photostest"
	"peerbase/hooks/schema"
	"peerbase/internal/testapp"
)

// TestBackfill stores an offer as it was before the pipeline (the raw
// upload with EXIF and GPS, no meta, no thumbs), runs the backfill, checks
// the photo is now sanitised and thumbnailed, then runs it again: nothing
// left to do.
func TestBackfill(t *testing.T) {
	t.Parallel()
	app := testapp.FromTemplate(t, template)

	r, err := testapp.CreateRecord(app, schema.Offers, map[string]any{
		schema.FieldOwner: ownerID, schema.OfferTitle: "Old offer", schema.FieldKind: schema.KindLend,
		schema.FieldStatus: schema.StatusActive,
		schema.OfferPhotos: testapp.File(t, "old.jpg", photostest.EncodeJPEG(t, photostest.MarkedRGBA(40, 30), 90)),
	})
	if err != nil {
		t.Fatal(err)
	}
	oldName := r.GetStringSlice(schema.OfferPhotos)[0]

	// turn it into a pre-pipeline record: raw bytes back, thumbs and meta gone
	fsys, err := app.NewFilesystem()
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.Close()
	raw := phoneUpload(t)
	if err := fsys.Upload(raw, r.BaseFilesPath()+"/"+oldName); err != nil {
		t.Fatal(err)
	}
	fsys.DeletePrefix(r.BaseFilesPath() + "/thumbs_" + oldName + "/")
	if _, err := app.DB().NewQuery("UPDATE offers SET photo_meta = NULL WHERE id = {:id}").Bind(map[string]any{"id": r.Id}).Execute(); err != nil {
		t.Fatal(err)
	}

	var progress bytes.Buffer
	stats, err := photos.Backfill(app, &progress)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Reworked != 1 || stats.Images != 1 || stats.Failed != 0 {
		t.Fatalf("first run: %s", stats)
	}
	if !strings.Contains(progress.String(), "] 4/4 offers") {
		t.Errorf("progress = %q", progress.String())
	}

	r, err = app.FindRecordById(schema.Offers, r.Id)
	if err != nil {
		t.Fatal(err)
	}
	checkStored(t, app, r, 300, 400) // upright, clean, meta and thumbs
	if name := r.GetStringSlice(schema.OfferPhotos)[0]; name == oldName {
		t.Error("the photo kept its old file")
	}
	if _, err := os.Stat(filepath.Join(app.DataDir(), "storage", r.BaseFilesPath(), oldName)); !os.IsNotExist(err) {
		t.Errorf("the raw original is still stored: %v", err)
	}

	again, err := photos.Backfill(app, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again.Reworked != 0 || again.UpToDate != again.Records || again.Records < 2 {
		t.Fatalf("second run: %s", again)
	}
}

// TestBackfillCommand runs the cobra command as the binary does.
func TestBackfillCommand(t *testing.T) {
	t.Parallel()
	app := testapp.FromTemplate(t, template)
	cfg := photos.DefaultConfig()
	cmd := photos.NewCommand(app, &cfg)
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs([]string{"backfill"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "records looked at: 0 reprocessed") {
		t.Fatalf("output = %q", out.String())
	}
}

package photos_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"peerbase/hooks/photos"
	"peerbase/hooks/photos/photostest"
	"peerbase/hooks/schema"
	"peerbase/internal/testapp"
)

// thumbSetup is an app holding one offer with a 12 MP phone photo, and the
// HTTP handler that serves its files.
type thumbSetup struct {
	app     core.App
	handler http.Handler
	offer   *core.Record
	name    string
}

func newThumbSetup(b *testing.B, withHooks bool) *thumbSetup {
	b.Helper()
	var app *tests.TestApp
	var err error
	if withHooks {
		app, err = testapp.Open(template)
	} else {
		app, err = tests.NewTestApp(template) // the same schema, plain PocketBase behaviour
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(app.Cleanup)
	offer, err := testapp.CreateRecord(app, schema.Offers, map[string]any{
		schema.FieldOwner: ownerID, schema.OfferTitle: "Bench", schema.FieldKind: schema.KindSell,
		schema.FieldStatus: schema.StatusActive, schema.OfferPhotos: testapp.File(b, "IMG_4032.jpg", photostest.PhoneJPEG(b)),
	})
	if err != nil {
		b.Fatal(err)
	}
	r, err := apis.NewRouter(app)
	if err != nil {
		b.Fatal(err)
	}
	mux, err := r.BuildMux()
	if err != nil {
		b.Fatal(err)
	}
	return &thumbSetup{app: app, handler: mux, offer: offer, name: offer.GetStringSlice(schema.OfferPhotos)[0]}
}

func (s *thumbSetup) get(b *testing.B, thumb string) {
	req := httptest.NewRequest(http.MethodGet, "/api/files/offers/"+s.offer.Id+"/"+s.name+"?thumb="+thumb, nil)
	rec := httptest.NewRecorder()
	s.handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || rec.Body.Len() == 0 {
		b.Fatalf("GET thumb %s: %d", thumb, rec.Code)
	}
}

// thumbsBytes sums the sizes of the thumb files on disk.
func (s *thumbSetup) thumbsBytes(b *testing.B, sizes []string) float64 {
	total := 0.0
	for _, size := range sizes {
		fi, err := os.Stat(filepath.Join(s.app.DataDir(), "storage", photos.ThumbPath(s.offer.BaseFilesPath(), s.name, size)))
		if err != nil {
			b.Fatal(err)
		}
		total += float64(fi.Size())
	}
	return total
}

// BenchmarkFirstThumbRequest measures the first ?thumb=480x0 request after
// a 12 MP phone photo was uploaded: plain PocketBase makes the thumb then
// (it decodes the original), Peerbase serves the file the upload wrote.
// It also reports the bytes of all four thumbs each way.
//
//	go test -run '^$' -bench FirstThumb -benchtime 5x -cpu 1 ./hooks/photos/
func BenchmarkFirstThumbRequest(b *testing.B) {
	sizes := photos.ThumbSizes(schema.OfferPhotoThumbs)
	var pocketbaseNs float64

	b.Run("pocketbase", func(b *testing.B) {
		s := newThumbSetup(b, false)
		fsys, err := s.app.NewFilesystem()
		if err != nil {
			b.Fatal(err)
		}
		defer fsys.Close()
		b.ResetTimer()
		for range b.N {
			b.StopTimer()
			fsys.DeletePrefix(s.offer.BaseFilesPath() + "/thumbs_" + s.name + "/")
			b.StartTimer()
			s.get(b, "480x0")
		}
		b.StopTimer()
		pocketbaseNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		for _, size := range sizes {
			s.get(b, size)
		}
		b.ReportMetric(s.thumbsBytes(b, sizes)/1024, "thumbs-KiB")
	})

	b.Run("peerbase", func(b *testing.B) {
		s := newThumbSetup(b, true)
		b.ResetTimer()
		for range b.N {
			s.get(b, "480x0")
		}
		b.StopTimer()
		ours := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		if pocketbaseNs > 0 {
			b.ReportMetric(pocketbaseNs/ours, "x-vs-pocketbase")
		}
		b.ReportMetric(s.thumbsBytes(b, sizes)/1024, "thumbs-KiB")
	})
}

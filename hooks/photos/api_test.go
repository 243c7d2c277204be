package photos_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	_ "image/gif"
	"image/jpeg"
	_ "image/png"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"peerbase/hooks/photos"
	"peerbase/hooks/photos/photostest"
	"peerbase/hooks/schema"
	"peerbase/internal/testapp"
)

var (
	template string
	ownerID  string
	token    string
	threadID string
)

func TestMain(m *testing.M) {
	testapp.Main(m, &template, func(app core.App) error {
		owner, err := testapp.CreateUser(app, "owner")
		if err != nil {
			return err
		}
		peer, err := testapp.CreateUser(app, "peer")
		if err != nil {
			return err
		}
		ownerID = owner.Id
		if token, err = owner.NewAuthToken(); err != nil {
			return err
		}
		offer, err := testapp.CreateRecord(app, schema.Offers, map[string]any{schema.OfferTitle: "Tent",
			schema.FieldOwner: peer.Id, schema.FieldKind: schema.KindLend, schema.FieldStatus: schema.StatusActive})
		if err != nil {
			return err
		}
		thread, err := testapp.CreateRecord(app, schema.Threads, map[string]any{schema.ThreadOffer: offer.Id, schema.ThreadPeer: owner.Id})
		if err != nil {
			return err
		}
		threadID = thread.Id
		return nil
	})
}

// factory clones the template for each scenario.
var factory = testapp.Factory(&template)

// upload is one file part of a multipart body.
type upload struct {
	field, name, contentType string
	data                     []byte
}

// multipartBody builds a multipart form of fields and uploads.
func multipartBody(t testing.TB, fields map[string]string, files ...upload) (io.Reader, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range fields {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="`+f.field+`"; filename="`+f.name+`"`)
		h.Set("Content-Type", f.contentType)
		part, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		part.Write(f.data)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return &b, w.FormDataContentType()
}

func offerForm(t testing.TB, files ...upload) (io.Reader, map[string]string) {
	body, ct := multipartBody(t, map[string]string{schema.FieldOwner: ownerID, schema.OfferTitle: "Folding bike",
		schema.FieldKind: schema.KindSell, schema.FieldStatus: schema.StatusActive}, files...)
	return body, map[string]string{"Authorization": token, "Content-Type": ct}
}

func photo(name, contentType string, data []byte) upload {
	return upload{schema.OfferPhotos, name, contentType, data}
}

// phoneUpload is a 400×300 marked picture as a phone stores it: EXIF with
// orientation 6 (turn 90° clockwise to view) and a GPS position.
func phoneUpload(t testing.TB) []byte {
	jpg := photostest.EncodeJPEG(t, photostest.MarkedRGBA(400, 300), 92)
	return photostest.WithAPP1(jpg, photostest.ExifTIFF(6, binary.BigEndian))
}

// storedFiles lists every file under the app's storage folder.
func storedFiles(t testing.TB, app core.App) []string {
	t.Helper()
	var out []string
	root := filepath.Join(app.DataDir(), "storage")
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasSuffix(p, ".attrs") {
			out = append(out, strings.TrimPrefix(p, root+"/"))
		}
		return nil
	})
	return out
}

// onlyOffer loads the one offer the scenario created.
func onlyOffer(t testing.TB, app core.App) *core.Record {
	t.Helper()
	all, err := app.FindAllRecords(schema.Offers, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range all {
		if r.GetString(schema.FieldOwner) == ownerID {
			return r
		}
	}
	t.Fatal("the offer was not created")
	return nil
}

// readStored returns the stored bytes of a record's file.
func readStored(t testing.TB, app core.App, r *core.Record, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(app.DataDir(), "storage", r.BaseFilesPath(), name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// checkStored asserts what every accepted photo must be: a web format with
// no metadata, the meta entry, and every declared thumb on disk.
func checkStored(t testing.TB, app core.App, r *core.Record, wantW, wantH int) []byte {
	t.Helper()
	names := r.GetStringSlice(schema.OfferPhotos)
	if len(names) != 1 {
		t.Fatalf("photos = %v", names)
	}
	name := names[0]
	if !strings.HasSuffix(name, ".jpg") && !strings.HasSuffix(name, ".png") {
		t.Fatalf("stored name %q is not a web format", name)
	}
	data := readStored(t, app, r, name)
	for _, marker := range []string{"Exif", "GPS", "PhoneCo", "http://ns.adobe.com/xap"} {
		if bytes.Contains(data, []byte(marker)) {
			t.Errorf("stored original still contains %q", marker)
		}
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || (format != "jpeg" && format != "png") {
		t.Fatalf("stored original: format %q, err %v", format, err)
	}
	if cfg.Width != wantW || cfg.Height != wantH {
		t.Errorf("stored original is %dx%d, want %dx%d", cfg.Width, cfg.Height, wantW, wantH)
	}
	meta := map[string]photos.StoredMeta{}
	if err := r.UnmarshalJSONField(schema.OfferPhotoMeta, &meta); err != nil {
		t.Fatal(err)
	}
	m, ok := meta[name]
	if !ok || m.Width != wantW || m.Height != wantH || len(m.Blurhash) < 6 || len(m.Color) != 7 {
		t.Errorf("photo_meta = %+v", meta)
	}
	for _, size := range photos.ThumbSizes(schema.OfferPhotoThumbs) {
		if _, err := os.Stat(filepath.Join(app.DataDir(), "storage", photos.ThumbPath(r.BaseFilesPath(), name, size))); err != nil {
			t.Errorf("thumb %s: %v", size, err)
		}
	}
	return data
}

func TestUploadsThroughTheAPI(t *testing.T) {
	t.Parallel()

	accepted := func(w, h int, extra func(testing.TB, core.App, []byte)) func(testing.TB, *tests.TestApp, *http.Response) {
		return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
			data := checkStored(t, app, onlyOffer(t, app), w, h)
			if extra != nil {
				extra(t, app, data)
			}
		}
	}
	refused := func(t testing.TB, app *tests.TestApp, _ *http.Response) {
		n, err := app.CountRecords(schema.Offers)
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 { // the template's offer only
			t.Errorf("%d offers, want the template's 1", n)
		}
		if files := storedFiles(t, app); len(files) != 0 {
			t.Errorf("files left behind: %v", files)
		}
	}
	jpg := photostest.EncodeJPEG(t, photostest.PhonePhoto(320, 240, 3), 90)

	cases := []struct {
		name    string
		file    upload
		status  int
		content []string
		after   func(testing.TB, *tests.TestApp, *http.Response)
	}{
		{"phone JPEG with GPS and orientation 6 comes out upright and clean", photo("IMG_0001.JPG", "image/jpeg", phoneUpload(t)), 200,
			[]string{`"photo_meta":{"img_0001_`}, accepted(300, 400, func(t testing.TB, _ core.App, data []byte) {
				img, err := jpeg.Decode(bytes.NewReader(data))
				if err != nil {
					t.Fatal(err)
				}
				// turned clockwise: the red top-left corner is now top-right, the blue top-right bottom-right
				if r, g, b, _ := img.At(295, 5).RGBA(); r>>8 < 200 || g>>8 > 60 || b>>8 > 60 {
					t.Errorf("top-right pixel is %d,%d,%d, want red", r>>8, g>>8, b>>8)
				}
				if r, g, b, _ := img.At(295, 395).RGBA(); b>>8 < 200 || r>>8 > 60 || g>>8 > 60 {
					t.Errorf("bottom-right pixel is %d,%d,%d, want blue", r>>8, g>>8, b>>8)
				}
			})},
		{"CMYK JPEG", photo("print.jpg", "image/jpeg", photostest.ReadFixture(t, "cmyk.jpg")), 200, []string{`"photos":["print_`}, nil},
		{"progressive JPEG", photo("web.jpg", "image/jpeg", photostest.ReadFixture(t, "progressive.jpg")), 200, []string{`"photos":["web_`}, nil},
		{"WebP is stored as JPEG", photo("pic.webp", "image/webp", photostest.ReadFixture(t, "photo.webp")), 200, []string{`.jpg"]`}, nil},
		{"animated GIF keeps its first frame", photo("anim.gif", "image/gif", photostest.AnimatedGIF(t)), 200, []string{`"photos":["anim_`},
			accepted(40, 30, nil)},
		{"HEIC from an iPhone is stored as JPEG", photo("IMG_0002.HEIC", "image/heic", photostest.ReadFixture(t, "sample.heic")), 200,
			[]string{`.jpg"]`}, nil},
		{"PNG declaring 50000x50000", photo("huge.png", "image/png", photostest.HugePNG(50000, 50000)), 400,
			[]string{`"photos":{"code":"validation_image_too_large"`, "50000x50000", "huge.png"}, refused},
		{"JPEG declaring 50000x50000", photo("huge.jpg", "image/jpeg", photostest.HugeJPEG(50000, 50000)), 400,
			[]string{`"photos":{"code":"validation_image_too_large"`}, refused},
		{"truncated JPEG", photo("cut.jpg", "image/jpeg", jpg[:len(jpg)/2]), 400,
			[]string{`"photos":{"code":"validation_image_corrupt"`}, refused},
		{"corrupt JPEG", photo("bad.jpg", "image/jpeg", append(append([]byte{}, jpg[:200]...), bytes.Repeat([]byte{0x13}, 4000)...)), 400,
			[]string{`"photos":{"code":"validation_image_corrupt"`}, refused},
		{"text file named .jpg", photo("notes.jpg", "image/jpeg", []byte("shopping list: milk, eggs\n")), 400,
			[]string{`"photos":{"code":"validation_invalid_mime_type"`}, refused}, // PocketBase's own check comes first
		{"PNG named .jpg", photo("fake.jpg", "image/jpeg", photostest.EncodePNG(t, photostest.MarkedRGBA(20, 20))), 400,
			[]string{`"photos":{"code":"validation_image_name_mismatch"`}, refused},
		{"empty file", photo("empty.jpg", "image/jpeg", nil), 400, []string{`"photos":{"code":"validation_invalid_mime_type"`}, refused},
	}
	for _, c := range cases {
		if c.after == nil && c.status == 200 {
			c.after = func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				r := onlyOffer(t, app)
				data := readStored(t, app, r, r.GetStringSlice(schema.OfferPhotos)[0])
				cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
				if err != nil {
					t.Fatal(err)
				}
				checkStored(t, app, r, cfg.Width, cfg.Height)
			}
		}
		body, headers := offerForm(t, c.file)
		s := tests.ApiScenario{
			Name: c.name, Method: http.MethodPost, URL: "/api/collections/offers/records",
			Body: body, Headers: headers, TestAppFactory: factory,
			ExpectedStatus: c.status, ExpectedContent: c.content, AfterTestFunc: c.after,
		}
		s.Test(t)
	}
}

func TestUpdateKeepsMetaInStepWithFiles(t *testing.T) {
	t.Parallel()
	app := testapp.FromTemplate(t, template)

	// create through the model path with two photos, then drop one and add one
	offers, err := app.FindCollectionByNameOrId(schema.Offers)
	if err != nil {
		t.Fatal(err)
	}
	r := core.NewRecord(offers)
	r.Set(schema.FieldOwner, ownerID)
	r.Set(schema.OfferTitle, "Two photos")
	r.Set(schema.FieldKind, schema.KindGive)
	r.Set(schema.FieldStatus, schema.StatusActive)
	r.Set(schema.OfferPhotos, []any{
		testapp.File(t, "a.jpg", photostest.EncodeJPEG(t, photostest.MarkedRGBA(64, 48), 90)),
		testapp.File(t, "b.png", photostest.EncodePNG(t, photostest.MarkedRGBA(30, 60))),
	})
	if err := app.Save(r); err != nil {
		t.Fatal(err)
	}
	names := r.GetStringSlice(schema.OfferPhotos)
	if len(names) != 2 {
		t.Fatalf("photos = %v", names)
	}

	r, _ = app.FindRecordById(schema.Offers, r.Id)
	r.Set(schema.OfferPhotos+"-", names[0])
	r.Set(schema.OfferPhotos+"+", testapp.File(t, "c.jpg", photostest.EncodeJPEG(t, photostest.MarkedRGBA(50, 50), 90)))
	if err := app.Save(r); err != nil {
		t.Fatal(err)
	}
	r, _ = app.FindRecordById(schema.Offers, r.Id)
	meta := map[string]photos.StoredMeta{}
	if err := r.UnmarshalJSONField(schema.OfferPhotoMeta, &meta); err != nil {
		t.Fatal(err)
	}
	now := r.GetStringSlice(schema.OfferPhotos)
	if len(now) != 2 || len(meta) != 2 {
		t.Fatalf("photos %v, meta %v", now, meta)
	}
	for _, n := range now {
		if _, ok := meta[n]; !ok {
			t.Errorf("no meta for %s: %v", n, meta)
		}
	}
	if _, ok := meta[names[0]]; ok {
		t.Errorf("meta kept for the removed %s", names[0])
	}
	if m := meta[names[1]]; m.Width != 30 || m.Height != 60 {
		t.Errorf("meta of the kept PNG = %+v", m)
	}

	// removing a photo without adding one drops its meta too
	r.Set(schema.OfferPhotos+"-", names[1])
	if err := app.Save(r); err != nil {
		t.Fatal(err)
	}
	r, _ = app.FindRecordById(schema.Offers, r.Id)
	meta = map[string]photos.StoredMeta{}
	if err := r.UnmarshalJSONField(schema.OfferPhotoMeta, &meta); err != nil {
		t.Fatal(err)
	}
	if left := r.GetStringSlice(schema.OfferPhotos); len(left) != 1 || len(meta) != 1 || meta[left[0]].Width != 50 {
		t.Fatalf("after removing %s: photos %v, meta %v", names[1], left, meta)
	}
}

func TestAvatarsAndAttachments(t *testing.T) {
	t.Parallel()

	avatarBody, avatarType := multipartBody(t, nil, upload{schema.UserAvatar, "me.jpg", "image/jpeg", phoneUpload(t)})
	pdf := []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
	msgBody, msgType := multipartBody(t, map[string]string{schema.MessageThread: threadID, schema.MessageAuthor: ownerID, schema.MessageBody: "the manual and a photo"},
		upload{schema.MessageAttachments, "manual.pdf", "application/pdf", pdf},
		upload{schema.MessageAttachments, "IMG_0003.jpg", "image/jpeg", phoneUpload(t)})

	scenarios := []tests.ApiScenario{
		{
			Name: "an avatar is sanitised, with meta and its own thumbs", Method: http.MethodPatch,
			URL: "/api/collections/users/records/" + ownerID, Body: avatarBody,
			Headers:        map[string]string{"Authorization": token, "Content-Type": avatarType},
			ExpectedStatus: 200, ExpectedContent: []string{`"avatar_meta":{"`, `"width":300,"height":400`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				u, _ := app.FindRecordById(schema.Users, ownerID)
				name := u.GetString(schema.UserAvatar)
				if bytes.Contains(readStored(t, app, u, name), []byte("Exif")) {
					t.Error("avatar keeps its EXIF")
				}
				for _, size := range photos.ThumbSizes(schema.AvatarThumbs) {
					if _, err := os.Stat(filepath.Join(app.DataDir(), "storage", photos.ThumbPath(u.BaseFilesPath(), name, size))); err != nil {
						t.Errorf("avatar thumb %s: %v", size, err)
					}
				}
			},
		},
		{
			Name: "a PDF attachment is kept as sent; an image attachment is sanitised", Method: http.MethodPost,
			URL: "/api/collections/messages/records", Body: msgBody,
			Headers:        map[string]string{"Authorization": token, "Content-Type": msgType},
			ExpectedStatus: 200, ExpectedContent: []string{`"attachment_meta":{"img_0003_`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				msgs, err := app.FindAllRecords(schema.Messages)
				if err != nil || len(msgs) != 1 {
					t.Fatalf("messages: %v %v", msgs, err)
				}
				m := msgs[0]
				for _, name := range m.GetStringSlice(schema.MessageAttachments) {
					data := readStored(t, app, m, name)
					switch {
					case strings.HasSuffix(name, ".pdf"):
						if !bytes.Equal(data, pdf) {
							t.Error("the PDF was changed")
						}
					case bytes.Contains(data, []byte("Exif")):
						t.Errorf("attachment %s keeps its EXIF", name)
					}
				}
			},
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = factory
		s.Test(t)
	}
}

// TestRolledBackSaveLeavesNoThumbs: the thumbs are written inside the save,
// so a transaction that fails after it must take them away with the files.
func TestRolledBackSaveLeavesNoThumbs(t *testing.T) {
	t.Parallel()
	app := testapp.FromTemplate(t, template)
	err := app.RunInTransaction(func(tx core.App) error {
		_, err := testapp.CreateRecord(tx, schema.Offers, map[string]any{
			schema.FieldOwner: ownerID, schema.OfferTitle: "Rolled back", schema.FieldKind: schema.KindGive,
			schema.FieldStatus: schema.StatusActive, schema.OfferPhotos: testapp.File(t, "a.jpg", phoneUpload(t)),
		})
		if err != nil {
			return err
		}
		if n := len(storedFiles(t, tx)); n != 5 { // the original and its four thumbs
			t.Errorf("%d files stored inside the transaction, want 5", n)
		}
		return errors.New("abort")
	})
	if err == nil || err.Error() != "abort" {
		t.Fatalf("transaction error = %v", err)
	}
	if files := storedFiles(t, app); len(files) != 0 {
		t.Fatalf("files left after the rollback: %v", files)
	}
}

// TestRecordIsValidatedBeforeAnyDecode: the limits of the field (count,
// size of the upload) and the rest of the record are checked before any
// image is read, so a bad request costs no decoding.
func TestRecordIsValidatedBeforeAnyDecode(t *testing.T) {
	t.Parallel()
	jpg := photostest.EncodeJPEG(t, photostest.MarkedRGBA(64, 48), 90)
	padded := append(append([]byte{}, jpg...), make([]byte, int(schema.MaxImageBytes))...) // a valid JPEG, then 20 MiB of padding
	eleven := make([]upload, 11)
	for i := range eleven {
		eleven[i] = photo(fmt.Sprintf("p%d.jpg", i), "image/jpeg", jpg)
	}
	form := func(status string, files ...upload) (io.Reader, map[string]string) {
		body, ct := multipartBody(t, map[string]string{schema.FieldOwner: ownerID, schema.OfferTitle: "Too much",
			schema.FieldKind: schema.KindSell, schema.FieldStatus: status}, files...)
		return body, map[string]string{"Authorization": token, "Content-Type": ct}
	}
	nothingStored := func(t testing.TB, app *tests.TestApp, _ *http.Response) {
		if files := storedFiles(t, app); len(files) != 0 {
			t.Errorf("files left behind: %v", files)
		}
	}
	cases := []struct {
		name      string
		status    string
		files     []upload
		content   []string
		forbidden []string
	}{
		{"an upload over the field's size limit", schema.StatusActive, []upload{photo("big.jpg", "image/jpeg", padded)},
			[]string{`"photos":{"code":"validation_file_size_limit"`}, nil},
		{"more photos than the field takes", schema.StatusActive, eleven,
			[]string{`"photos":{"code":"validation_too_many_files"`}, nil},
		{"a bad status is reported before the photo is even looked at", "bogus",
			[]upload{photo("huge.png", "image/png", photostest.HugePNG(50000, 50000))},
			[]string{`"status":{"code":"validation_invalid_value"`}, []string{"validation_image_too_large"}},
	}
	for _, c := range cases {
		body, headers := form(c.status, c.files...)
		s := tests.ApiScenario{
			Name: c.name, Method: http.MethodPost, URL: "/api/collections/offers/records", Body: body, Headers: headers,
			TestAppFactory: factory, ExpectedStatus: 400, ExpectedContent: c.content, NotExpectedContent: c.forbidden,
			AfterTestFunc: nothingStored,
		}
		s.Test(t)
	}
}

// TestNoPhotosInBatch: a batch is one write transaction; images are refused
// there (with the request and field named) and nothing of the batch is kept,
// while the same batch without the image goes through.
func TestNoPhotosInBatch(t *testing.T) {
	t.Parallel()
	batch := func(withPhoto bool) (io.Reader, map[string]string) {
		payload := `{"requests":[{"method":"POST","url":"/api/collections/offers/records","body":{"owner":"` + ownerID +
			`","title":"Batch offer","kind":"give","status":"active"}}]}`
		var files []upload
		if withPhoto {
			files = append(files, upload{"requests.0.photos", "a.jpg", "image/jpeg", photostest.EncodeJPEG(t, photostest.MarkedRGBA(40, 30), 90)})
		}
		body, ct := multipartBody(t, map[string]string{"@jsonPayload": payload}, files...)
		return body, map[string]string{"Authorization": token, "Content-Type": ct}
	}
	countOffers := func(want int64) func(testing.TB, *tests.TestApp, *http.Response) {
		return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
			if n, _ := app.CountRecords(schema.Offers); n != want {
				t.Fatalf("%d offers, want %d", n, want)
			}
		}
	}
	withPhoto, withHeaders := batch(true)
	without, withoutHeaders := batch(false)
	scenarios := []tests.ApiScenario{
		{
			Name: "a batch with a photo is refused", Method: http.MethodPost, URL: "/api/batch", Body: withPhoto, Headers: withHeaders,
			ExpectedStatus: 400, ExpectedContent: []string{`"requests.0.photos":{"code":"validation_photos_not_in_batch"`},
			AfterTestFunc: countOffers(1),
		},
		{
			Name: "the same batch without it goes through", Method: http.MethodPost, URL: "/api/batch", Body: without, Headers: withoutHeaders,
			ExpectedStatus: 200, ExpectedContent: []string{`"title":"Batch offer"`}, AfterTestFunc: countOffers(2),
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = factory
		s.Test(t)
	}
}

// TestAttachmentsOnlyForParticipants: a message's attachments and their
// thumbs are served to the thread's participants only, with a file token.
func TestAttachmentsOnlyForParticipants(t *testing.T) {
	t.Parallel()
	app := testapp.FromTemplate(t, template)
	msg, err := testapp.CreateRecord(app, schema.Messages, map[string]any{
		schema.MessageThread: threadID, schema.MessageAuthor: ownerID, schema.MessageBody: "see the photo",
		schema.MessageAttachments: testapp.File(t, "door.jpg", phoneUpload(t)),
	})
	if err != nil {
		t.Fatal(err)
	}
	name := msg.GetStringSlice(schema.MessageAttachments)[0]
	stranger, err := testapp.CreateUser(app, "stranger")
	if err != nil {
		t.Fatal(err)
	}
	owner, err := app.FindRecordById(schema.Users, ownerID)
	if err != nil {
		t.Fatal(err)
	}
	fileToken := func(u *core.Record) string {
		tok, err := u.NewFileToken()
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	r, err := apis.NewRouter(app)
	if err != nil {
		t.Fatal(err)
	}
	mux, err := r.BuildMux()
	if err != nil {
		t.Fatal(err)
	}
	get := func(query string) int {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/files/messages/"+msg.Id+"/"+name+query, nil))
		return rec.Code
	}
	for _, c := range []struct {
		who   string
		query string
		want  int
	}{
		{"participant", "?token=" + fileToken(owner), 200},
		{"participant, thumb", "?thumb=480x0&token=" + fileToken(owner), 200},
		{"stranger", "?token=" + fileToken(stranger), 404},
		{"stranger, thumb", "?thumb=480x0&token=" + fileToken(stranger), 404},
		{"anonymous", "", 404},
		{"anonymous, thumb", "?thumb=100x100", 404},
	} {
		if got := get(c.query); got != c.want {
			t.Errorf("%s: %d, want %d", c.who, got, c.want)
		}
	}
}

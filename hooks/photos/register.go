package photos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/gabriel-vasile/mimetype"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/filesystem"
	"github.com/pocketbase/pocketbase/tools/hook"

	"peerbase/hooks/schema"
)

// StoredMeta is what the photos hooks keep per image in a collection's meta
// JSON field, keyed by file name: enough for a mobile list to lay out and
// paint a placeholder before the image loads.
type StoredMeta struct {
	Width    int    `json:"width"`
	Height   int    `json:"height"`
	Blurhash string `json:"blurhash"`
	Color    string `json:"color"`
}

// service binds the pipeline to PocketBase's record events.
type service struct {
	cfg  Config
	pool *Pool
}

// Register binds the photo pipeline to every image field of every
// collection, on every write path (API, batch, dashboard, our own Go code).
//
// When a record with new images is saved, each image is guarded and then
// processed on the bounded pool while the save waits: the upload is
// replaced by its sanitised original, the record's meta field gets the
// image's size, blurhash and color, and right after the record and its
// files are written — still before the API answers — the thumbs go to the
// keys PocketBase serves ?thumb= from. So a client that gets the record can
// ask for any declared thumb at once and nothing is ever decoded for it.
// A rejected image fails the save with a field-level 400 and nothing is
// stored.
func Register(app core.App, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	cfg = cfg.WithDefaults()
	s := &service{cfg: cfg, pool: NewPool(cfg.Workers, cfg.Workers*4)}

	app.OnRecordCreate().Bind(&hook.Handler[*core.RecordEvent]{Id: "peerbasePhotosCreate", Func: s.onSave})
	app.OnRecordUpdate().Bind(&hook.Handler[*core.RecordEvent]{Id: "peerbasePhotosUpdate", Func: s.onSave})
	app.OnBatchRequest().BindFunc(refusePhotosInBatch)
	app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		s.pool.Close()
		return e.Next()
	})
	return nil
}

// ImageFields returns the file fields of c that accept images.
func ImageFields(c *core.Collection) []*core.FileField {
	var out []*core.FileField
	for _, f := range c.Fields {
		ff, ok := f.(*core.FileField)
		if !ok {
			continue
		}
		if slices.ContainsFunc(ff.MimeTypes, func(m string) bool { return strings.HasPrefix(m, "image/") }) {
			out = append(out, ff)
		}
	}
	return out
}

// processed is one upload after the pipeline, waiting for its record to be
// written so that its thumbs can be.
type processed struct {
	name   string
	result *Result
}

func (s *service) onSave(e *core.RecordEvent) error {
	fields := ImageFields(e.Record.Collection())
	if len(fields) == 0 {
		return e.Next()
	}

	// the whole record is validated before any image is read or decoded: a
	// request with 11 photos, a 30 MB one or a bad status costs nothing.
	// (The sanitised file is smaller than the upload, so the size limit must
	// be checked on the upload, here.)
	for _, field := range fields {
		if len(e.Record.GetUnsavedFiles(field.Name)) > 0 {
			if err := e.App.ValidateWithContext(e.Context, e.Record); err != nil {
				return err
			}
			break
		}
	}

	var done []processed
	errs := validation.Errors{}
	for _, field := range fields {
		files := e.Record.GetUnsavedFiles(field.Name)
		if len(files) == 0 && slices.Equal(e.Record.GetStringSlice(field.Name), e.Record.Original().GetStringSlice(field.Name)) {
			continue // the field's files did not change: its meta stays as it is
		}
		meta := s.loadMeta(e.Record, field.Name)
		for _, f := range files {
			result, err := s.processUpload(e.Context, field, f)
			if err != nil {
				var pe *Error
				if errors.As(err, &pe) {
					errs[field.Name] = validation.NewError(pe.Code(), fmt.Sprintf("%s (%s).", pe.Reason, f.OriginalName))
					break
				}
				return fmt.Errorf("failed to process %s: %w", f.OriginalName, err)
			}
			if result == nil {
				continue // an allowed non-image file (a PDF attachment)
			}
			// the record keeps the pointer: this replaces the upload itself
			f.Name = ReplaceExt(f.Name, result.Format)
			f.Reader = &filesystem.BytesReader{Bytes: result.Original}
			f.Size = int64(len(result.Original))
			if meta != nil {
				meta[f.Name] = StoredMeta{Width: result.Meta.Width, Height: result.Meta.Height,
					Blurhash: result.Meta.Blurhash, Color: result.Meta.Color}
			}
			done = append(done, processed{name: f.Name, result: result})
		}
		if meta != nil {
			// also when files were only removed: their entries go with them
			s.setMeta(e.Record, field.Name, meta)
		}
	}
	if len(errs) > 0 {
		return errs
	}

	if err := e.Next(); err != nil {
		return err
	}
	if len(done) > 0 {
		s.writeThumbs(e.App, e.Record, done)
	}
	return nil
}

// processUpload runs the guard and the pipeline on one upload, on the pool.
// It returns nil, nil for a file the field allows that is not an image.
func (s *service) processUpload(ctx context.Context, field *core.FileField, f *filesystem.File) (*Result, error) {
	data, err := readFile(f, field.MaxSize)
	if err != nil {
		return nil, err
	}
	if !looksLikeImage(field, data, f.OriginalName) {
		return nil, nil
	}
	// the header and the name, before the upload waits for a worker
	if _, err := Guard(data, f.OriginalName, s.cfg); err != nil {
		return nil, err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	var result *Result
	err = s.pool.Do(ctx, func() error {
		var err error
		result, err = Process(data, field.Thumbs, s.cfg)
		return err
	})
	return result, err
}

// looksLikeImage tells whether an upload to a field that also takes other
// types (attachments take PDFs) must go through the image pipeline: all but
// a file whose content is one of the field's non-image types does, so that
// a text file named .jpg is rejected rather than waved through.
func looksLikeImage(field *core.FileField, data []byte, name string) bool {
	mt := mimetype.Detect(data)
	if strings.HasPrefix(mt.String(), "image/") {
		return true
	}
	for _, allowed := range field.MimeTypes {
		if !strings.HasPrefix(allowed, "image/") && mt.Is(allowed) {
			claimed, _ := claimedFormat(name)
			return claimed != "" // a PDF named photo.jpg still claims to be an image
		}
	}
	return true
}

// readFile reads an upload that validation found within maxSize; the limit
// holds even if a reader says one size and gives more.
func readFile(f *filesystem.File, maxSize int64) ([]byte, error) {
	r, err := f.Reader.Open()
	if err != nil {
		return nil, fmt.Errorf("failed to open the upload: %w", err)
	}
	defer r.Close()
	if maxSize <= 0 {
		maxSize = core.DefaultFileFieldMaxSize
	}
	data, err := io.ReadAll(io.LimitReader(r, maxSize+1))
	if err != nil {
		return nil, fmt.Errorf("failed to read the upload: %w", err)
	}
	if int64(len(data)) > maxSize {
		return nil, &Error{Kind: ErrTooLarge, Reason: fmt.Sprintf("the file is over the %d MB limit", maxSize>>20)}
	}
	return data, nil
}

// loadMeta returns the stored meta of field's images that the record keeps,
// or nil when the field has no meta field.
func (s *service) loadMeta(r *core.Record, field string) map[string]StoredMeta {
	metaField := metaFieldOf(r.Collection().Name, field)
	if metaField == "" {
		return nil
	}
	meta := map[string]StoredMeta{}
	if err := r.UnmarshalJSONField(metaField, &meta); err != nil || meta == nil {
		meta = map[string]StoredMeta{} // empty or broken meta is rebuilt, not fatal
	}
	return meta
}

// setMeta stores meta, keeping only the images the record still has.
func (s *service) setMeta(r *core.Record, field string, meta map[string]StoredMeta) {
	keep := map[string]bool{}
	// the raw value mixes kept names and new uploads: GetStringSlice would
	// drop the lot
	switch v := r.GetRaw(field).(type) {
	case []string:
		for _, name := range v {
			keep[name] = true
		}
	case []any:
		for _, item := range v {
			switch x := item.(type) {
			case string:
				keep[x] = true
			case *filesystem.File:
				keep[x.Name] = true
			}
		}
	case string:
		keep[v] = true
	case *filesystem.File:
		keep[v.Name] = true
	}
	for name := range meta {
		if !keep[name] {
			delete(meta, name)
		}
	}
	r.Set(metaFieldOf(r.Collection().Name, field), meta)
}

// metaFieldOf names the JSON field that keeps the meta of an image field,
// or "" when it has none.
func metaFieldOf(collection, field string) string {
	return schema.ImageMetaFields[collection][field]
}

// writeThumbs writes every thumb of the processed uploads where PocketBase's
// file route looks for them. A failure is logged, not returned: the record
// is saved and PocketBase can still make a missing thumb lazily from the
// sanitised original.
func (s *service) writeThumbs(app core.App, r *core.Record, done []processed) {
	fsys, err := app.NewFilesystem()
	if err != nil {
		app.Logger().Error("photos: failed to open the file storage", "error", err)
		return
	}
	defer fsys.Close()
	for _, p := range done {
		for _, t := range p.result.Thumbs {
			if err := fsys.Upload(t.Data, ThumbPath(r.BaseFilesPath(), p.name, t.Size)); err != nil {
				app.Logger().Error("photos: failed to write a thumb", "error", err, "record", r.Id, "file", p.name, "size", t.Size)
			}
		}
	}
}

// refusePhotosInBatch keeps image uploads out of the batch API: a batch runs
// in one transaction, which holds SQLite's write lock, and decoding photos
// inside it would stall every write on the server. Photos go in their own
// create or update request; the rest of the batch is unaffected.
func refusePhotosInBatch(e *core.BatchRequestEvent) error {
	errs := validation.Errors{}
	for i, r := range e.Batch {
		collection, _, ok := schema.RecordsURL(r.URL)
		if !ok {
			continue
		}
		c, err := e.App.FindCachedCollectionByNameOrId(collection)
		if err != nil {
			continue
		}
		for _, f := range ImageFields(c) {
			for _, key := range []string{f.Name, f.Name + "+", "+" + f.Name} {
				switch r.Body[key].(type) {
				case *filesystem.File, []*filesystem.File:
					errs[fmt.Sprintf("requests.%d.%s", i, f.Name)] = validation.NewError("validation_photos_not_in_batch",
						"Images are processed on upload: send them in their own request, not in a batch.")
				}
			}
		}
	}
	if len(errs) > 0 {
		return e.BadRequestError("Images can't be uploaded in a batch.", errs)
	}
	return e.Next()
}

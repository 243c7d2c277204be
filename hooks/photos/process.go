package photos

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"
	"math"
	"slices"
)

// Result is a processed photo: the sanitised original that replaces the
// upload, its thumbs and its metadata.
type Result struct {
	// Format of Original and of every thumb: JPEG, or PNG for pictures with
	// real transparency. Store the original under ReplaceExt(name, Format).
	Format Format
	// Original is the upright, metadata-free, size-capped original.
	Original []byte
	// Thumbs are in the order asked for, DefaultThumbSize included.
	Thumbs []Thumb
	// Meta describes Original.
	Meta Meta
}

// Thumb is one encoded thumb.
type Thumb struct {
	// Size is the PocketBase size string, as in the field's Thumbs.
	Size          string
	Width, Height int
	Data          []byte
}

// Meta is what mobile lists need before a photo loads.
type Meta struct {
	Width, Height int
	// Blurhash is a 4x3 (3x4 for portrait) blurhash of the picture.
	Blurhash string
	// Color is the dominant colour as "#rrggbb".
	Color string
}

// Thumb returns the thumb of the given size.
func (r *Result) Thumb(size string) (Thumb, bool) {
	for _, t := range r.Thumbs {
		if t.Size == size {
			return t, true
		}
	}
	return Thumb{}, false
}

// ContentType returns the MIME type of the original and its thumbs.
func (r *Result) ContentType() string { return r.Format.ContentType() }

// ThumbSizes returns the sizes to make for a field that declares
// declared: those, plus DefaultThumbSize, without repeats.
func ThumbSizes(declared []string) []string {
	out := make([]string, 0, len(declared)+1)
	for _, s := range declared {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if !slices.Contains(out, DefaultThumbSize) {
		out = append(out, DefaultThumbSize)
	}
	return out
}

// Process turns an upload into what is stored: it guards the header,
// decodes once, bakes the EXIF orientation into the pixels (never for
// HEIC, which libheif has already turned), drops every piece of metadata
// by re-encoding, caps the longest side at cfg.MaxSide, encodes the
// original as JPEG (PNG when it has real transparency), and makes every
// size in thumbs plus DefaultThumbSize the way PocketBase would from that
// original, each smaller one derived from a larger intermediate instead of
// from the full picture. It runs on the calling goroutine: callers bound
// concurrency with a Pool.
//
// Bad content is reported as an *Error; an invalid configuration or thumb
// size as a plain error.
func Process(data []byte, thumbs []string, cfg Config) (*Result, error) {
	return process(data, thumbs, cfg, true)
}

// process is Process; encodeOriginal false skips encoding the original,
// for the benchmark that compares the thumbs alone with PocketBase's.
func process(data []byte, thumbs []string, cfg Config, encodeOriginal bool) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("failed to process photo: %w", err)
	}
	cfg = cfg.WithDefaults()
	sizes := ThumbSizes(thumbs)
	specs := make([]ThumbSize, len(sizes))
	for i, s := range sizes {
		t, err := ParseThumbSize(s)
		if err != nil {
			return nil, fmt.Errorf("failed to process photo: %w", err)
		}
		specs[i] = t
	}

	info, err := Guard(data, "", cfg)
	if err != nil {
		return nil, err
	}
	pic, err := decode(info, data)
	if err != nil {
		return nil, err
	}
	orientation := 1
	if info.Format != HEIC {
		orientation = orientationOf(info.Format, data)
	}

	// cap the longest side, in the stored orientation, before turning:
	// turning the capped picture moves fewer pixels
	cw, ch := capDims(pic.w, pic.h, cfg.MaxSide)
	if cw != pic.w || ch != pic.h || !pic.encodable() || (orientation != 1 && !pic.orientable()) {
		pic = pic.resize(box{0, 0, float64(pic.w), float64(pic.h)}, cw, ch, catmullRomFilter)
	}
	pic = pic.orient(orientation)

	// plan the thumbs first: a configured size too large to make is an
	// error before any encoding is spent
	type job struct {
		i      int
		b      box
		w, h   int
		weight float64
	}
	jobs := make([]job, len(specs))
	for i, t := range specs {
		b, w, h := t.plan(pic.w, pic.h)
		if int64(w)*int64(h) > int64(cfg.MaxPixels) {
			return nil, fmt.Errorf("failed to process photo: thumb %s would be %dx%d, over MaxPixels", sizes[i], w, h)
		}
		jobs[i] = job{i: i, b: b, w: w, h: h, weight: float64(w) * float64(h) / (b.dx() * b.dy())}
	}

	res := &Result{Format: JPEG, Meta: Meta{Width: pic.w, Height: pic.h}, Thumbs: make([]Thumb, len(specs))}
	if pic.alpha {
		res.Format = PNG
	}
	if encodeOriginal {
		if res.Original, err = encode(pic, res.Format, cfg.JPEGQuality); err != nil {
			return nil, fmt.Errorf("failed to encode the original: %w", err)
		}
	}

	d := newDeriver(pic)
	// densest first, so every thumb can come from a larger one made before
	slices.SortStableFunc(jobs, func(a, b job) int {
		switch {
		case a.weight > b.weight:
			return -1
		case a.weight < b.weight:
			return 1
		}
		return 0
	})
	for _, j := range jobs {
		th := Thumb{Size: sizes[j.i], Width: j.w, Height: j.h}
		if j.b == d.full && j.w == pic.w && j.h == pic.h && res.Original != nil {
			// the thumb is the original to the pixel (a fit that does not
			// shrink): PocketBase would re-encode the same pixels
			th.Data = res.Original
		} else {
			t := d.derive(j.b, j.w, j.h)
			if th.Data, err = encode(t, res.Format, cfg.JPEGQuality); err != nil {
				return nil, fmt.Errorf("failed to encode thumb %s: %w", th.Size, err)
			}
		}
		res.Thumbs[j.i] = th
	}

	tw, th := aspectDims(pic.w, pic.h, min(metaSide, pic.w), 0)
	if pic.h > pic.w {
		tw, th = aspectDims(pic.w, pic.h, 0, min(metaSide, pic.h))
	}
	tiny := d.derive(d.full, tw, th)
	res.Meta.Blurhash, res.Meta.Color, err = describe(tiny)
	if err != nil {
		return nil, fmt.Errorf("failed to describe photo: %w", err)
	}
	return res, nil
}

// capDims returns w×h scaled so that the longest side is at most maxSide.
func capDims(w, h, maxSide int) (int, int) {
	if w <= maxSide && h <= maxSide {
		return w, h
	}
	if w >= h {
		return maxSide, max(1, int(math.Round(float64(h)*float64(maxSide)/float64(w))))
	}
	return max(1, int(math.Round(float64(w)*float64(maxSide)/float64(h)))), maxSide
}

// decode decodes data, already guarded as info, into the pipeline's
// working form. Failures and decoder panics are *Error of kind ErrCorrupt.
func decode(info Info, data []byte) (pic *picture, err error) {
	img, err := decodeImage(info.Format, data)
	if err != nil {
		return nil, reject(ErrCorrupt, err, "corrupt or truncated %s", info.Format)
	}
	b := img.Bounds()
	if info.Format == GIF && b != image.Rect(0, 0, info.Width, info.Height) {
		// a first frame smaller than the GIF's screen: the rest of the
		// screen is transparent
		canvas := image.NewRGBA(image.Rect(0, 0, info.Width, info.Height))
		draw.Draw(canvas, b, img, b.Min, draw.Src)
		img, b = canvas, canvas.Rect
	}
	if b.Dx() != info.Width || b.Dy() != info.Height {
		return nil, reject(ErrCorrupt, nil, "corrupt %s: the header says %dx%d, the data %dx%d",
			info.Format, info.Width, info.Height, b.Dx(), b.Dy())
	}
	return pictureOf(img), nil
}

func decodeImage(f Format, data []byte) (img image.Image, err error) {
	defer recoverInto(&err)
	cd, ok := codecs[f]
	if !ok {
		return nil, fmt.Errorf("failed to decode: no decoder for %s", f)
	}
	return cd.decode(bytes.NewReader(data))
}

// encode writes p as JPEG or PNG. The encoders get the picture's own
// planes as *image.YCbCr or *image.Gray (or *image.RGBA), the types they
// have fast paths for, so no RGB copy is made.
func encode(p *picture, f Format, quality int) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(p.w*p.h/4 + 4096)
	var err error
	if f == PNG {
		err = (&png.Encoder{CompressionLevel: png.DefaultCompression}).Encode(&buf, p.image())
	} else {
		err = jpeg.Encode(&buf, p.image(), &jpeg.Options{Quality: quality})
	}
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// minDeriveRatio is the shrink a derived thumb prefers from its source:
// from 2× on, a scaled kernel sees enough samples that chaining loses
// nothing visible.
const minDeriveRatio = 2.0

// deriver makes thumbs of one original from the smallest picture already
// made that still holds enough detail.
type deriver struct {
	full  box
	nodes []node
}

// node is a picture made from the original and the span of the original
// it shows.
type node struct {
	pic   *picture
	cover box
}

func newDeriver(orig *picture) *deriver {
	full := box{0, 0, float64(orig.w), float64(orig.h)}
	return &deriver{full: full, nodes: []node{{pic: orig, cover: full}}}
}

// derive returns the span b of the original at w×h.
func (d *deriver) derive(b box, w, h int) *picture {
	src := d.source(b, w, h)
	sx := float64(src.pic.w) / src.cover.dx()
	sy := float64(src.pic.h) / src.cover.dy()
	sb := box{(b.x0 - src.cover.x0) * sx, (b.y0 - src.cover.y0) * sy, (b.x1 - src.cover.x0) * sx, (b.y1 - src.cover.y0) * sy}
	p := src.pic.resize(sb, w, h, catmullRomFilter)
	d.nodes = append(d.nodes, node{pic: p, cover: b})
	return p
}

// source picks the picture to make the span b at w×h from: the least
// detailed one at least minDeriveRatio denser than the target, else the
// most detailed one that is at least as dense, else the original.
func (d *deriver) source(b box, w, h int) node {
	const eps = 1e-6
	best, bestRatio := -1, 0.0
	fallback, fallbackRatio := 0, 0.0
	for i, n := range d.nodes {
		c := n.cover
		if b.x0 < c.x0-eps || b.y0 < c.y0-eps || b.x1 > c.x1+eps || b.y1 > c.y1+eps {
			continue
		}
		rx := float64(n.pic.w) / c.dx() * b.dx() / float64(w)
		ry := float64(n.pic.h) / c.dy() * b.dy() / float64(h)
		r := min(rx, ry)
		switch {
		case r >= minDeriveRatio-eps:
			if best < 0 || r < bestRatio {
				best, bestRatio = i, r
			}
		case r >= 1-eps:
			if r > fallbackRatio {
				fallback, fallbackRatio = i, r
			}
		}
	}
	if best >= 0 {
		return d.nodes[best]
	}
	return d.nodes[fallback]
}

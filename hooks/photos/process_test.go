package photos

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"sync"
	"testing"

	"github.com/bbrks/go-blurhash"
	"github.com/disintegration/imaging"
)

// decodeOutput decodes a stored file, which must be in format f.
func decodeOutput(t *testing.T, data []byte, f Format) image.Image {
	t.Helper()
	var img image.Image
	var err error
	switch f {
	case JPEG:
		img, err = jpeg.Decode(bytes.NewReader(data))
	case PNG:
		img, err = png.Decode(bytes.NewReader(data))
	default:
		t.Fatalf("outputs are JPEG or PNG, not %s", f)
	}
	if err != nil {
		t.Fatalf("output does not decode as %s: %v", f, err)
	}
	return img
}

// assertNoMetadata fails if a stored file carries anything but pixels:
// for JPEG no APPn or COM segment at all, for PNG no chunk besides IHDR,
// IDAT and IEND.
func assertNoMetadata(t *testing.T, data []byte, f Format) {
	t.Helper()
	switch f {
	case JPEG:
		for i := 2; i+4 <= len(data); {
			marker := data[i+1]
			if marker == 0xda { // the scan: only pixels follow
				return
			}
			if (marker >= 0xe0 && marker <= 0xef) || marker == 0xfe {
				t.Errorf("output has marker %#x", marker)
			}
			i += 2 + int(binary.BigEndian.Uint16(data[i+2:]))
		}
	case PNG:
		for i := 8; i+8 <= len(data); {
			n := int(binary.BigEndian.Uint32(data[i:]))
			if typ := string(data[i+4 : i+8]); typ != "IHDR" && typ != "IDAT" && typ != "IEND" {
				t.Errorf("output has chunk %s", typ)
			}
			i += 12 + n
		}
	}
}

type shade int

const (
	red shade = iota
	blue
	grey
	transparent
)

func (s shade) String() string { return [...]string{"red", "blue", "grey", "transparent"}[s] }

// isShade tells the marks of markedRGBA and the fixtures apart, with room
// for JPEG's and HEVC's losses.
func isShade(c color.Color, s shade) bool {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	r, g, b, a := int(n.R), int(n.G), int(n.B), int(n.A)
	switch s {
	case red:
		return a == 255 && r > 180 && g < 90 && b < 90
	case blue:
		return a == 255 && b > 180 && r < 90 && g < 90
	case grey:
		return a == 255 && absInt(r-128) < 30 && absInt(g-128) < 30 && absInt(b-128) < 30
	default:
		return a == 0
	}
}

// corners checks the colours at given points of a stored original.
func checkPoints(t *testing.T, img image.Image, want map[image.Point]shade) {
	t.Helper()
	for p, s := range want {
		if c := img.At(p.X, p.Y); !isShade(c, s) {
			t.Errorf("pixel %v = %v, want %s", p, color.NRGBAModel.Convert(c), s)
		}
	}
}

// TestProcessPhoneJPEGWithGPSAndOrientation6 is the phone case: GPS in the
// EXIF block and the picture stored on its side. The output has no
// metadata at all and is upright.
func TestProcessPhoneJPEGWithGPSAndOrientation6(t *testing.T) {
	t.Parallel()
	// stored 300x200 with red top-left and blue top-right; orientation 6
	// says to turn it clockwise, which puts red top-right and blue
	// bottom-right
	data := withAPP1(encodeJPEG(t, markedRGBA(300, 200), 92), exifTIFF(6, binary.LittleEndian))
	if o := orientationOf(JPEG, data); o != 6 {
		t.Fatalf("fixture orientation = %d", o)
	}
	res, err := Process(data, []string{"120x0", "50x50t"}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != JPEG || res.ContentType() != "image/jpeg" {
		t.Fatalf("format %s", res.Format)
	}
	assertNoMetadata(t, res.Original, JPEG)
	for _, s := range []string{"Exif", "PhoneCo"} {
		if bytes.Contains(res.Original, []byte(s)) {
			t.Errorf("output contains %q", s)
		}
	}
	img := decodeOutput(t, res.Original, JPEG)
	if img.Bounds().Size() != (image.Point{200, 300}) || res.Meta.Width != 200 || res.Meta.Height != 300 {
		t.Fatalf("original is %v, meta %dx%d; want 200x300", img.Bounds().Size(), res.Meta.Width, res.Meta.Height)
	}
	checkPoints(t, img, map[image.Point]shade{
		{195, 5}: red, {195, 295}: blue, {5, 5}: grey, {5, 295}: grey, {100, 150}: grey,
	})
	for _, th := range res.Thumbs {
		assertNoMetadata(t, th.Data, JPEG)
	}
	// thumbs are upright too: 50x50t shows the top of the turned picture,
	// red in its top-right corner
	th, ok := res.Thumb("50x50t")
	if !ok {
		t.Fatal("no 50x50t thumb")
	}
	checkPoints(t, decodeOutput(t, th.Data, JPEG), map[image.Point]shade{{47, 2}: red, {2, 2}: grey})
}

// TestProcessOrientationsMatchPocketBase bakes each of the eight EXIF
// orientations and compares the result with imaging's auto-orientation,
// which is what PocketBase shows for such a JPEG.
func TestProcessOrientationsMatchPocketBase(t *testing.T) {
	t.Parallel()
	base := encodeJPEG(t, phonePhoto(120, 80, 8), 95)
	for o := 1; o <= 8; o++ {
		data := withAPP1(base, exifTIFF(o, binary.BigEndian))
		res, err := Process(data, nil, Config{})
		if err != nil {
			t.Fatal(err)
		}
		want, err := imaging.Decode(bytes.NewReader(data), imaging.AutoOrientation(true))
		if err != nil {
			t.Fatal(err)
		}
		got := decodeOutput(t, res.Original, JPEG)
		if got.Bounds().Size() != want.Bounds().Size() {
			t.Fatalf("orientation %d: %v, PocketBase %v", o, got.Bounds().Size(), want.Bounds().Size())
		}
		if p := psnrLuma(got, want); p < 35 {
			t.Errorf("orientation %d: %.1f dB from PocketBase's upright picture", o, p)
		}
	}
}

func TestProcessCapsTheLongestSide(t *testing.T) {
	t.Parallel()
	tests := []struct {
		w, h, maxSide int
		want          image.Point
	}{
		{3000, 1200, 0, image.Pt(2560, 1024)},
		{1200, 3000, 0, image.Pt(1024, 2560)},
		{900, 300, 500, image.Pt(500, 167)},
		{400, 300, 500, image.Pt(400, 300)}, // smaller: kept as is
	}
	for _, tt := range tests {
		data := encodeJPEG(t, phonePhoto(tt.w, tt.h, 2), 80)
		res, err := Process(data, nil, Config{MaxSide: tt.maxSide})
		if err != nil {
			t.Fatal(err)
		}
		got := decodeOutput(t, res.Original, JPEG).Bounds().Size()
		if got != tt.want || res.Meta.Width != tt.want.X || res.Meta.Height != tt.want.Y {
			t.Errorf("%dx%d cap %d: %v (meta %dx%d), want %v", tt.w, tt.h, tt.maxSide, got, res.Meta.Width, res.Meta.Height, tt.want)
		}
	}
}

// TestProcessFormats runs every accepted kind of input through and checks
// the stored format, the size and where the marks end up.
func TestProcessFormats(t *testing.T) {
	t.Parallel()
	alphaPNG := image.NewNRGBA(image.Rect(0, 0, 40, 30))
	for i := range alphaPNG.Pix {
		alphaPNG.Pix[i] = 200
	}
	alphaPNG.SetNRGBA(39, 29, color.NRGBA{0, 0, 0, 0})
	png16 := image.NewRGBA64(image.Rect(0, 0, 30, 20))
	for i := range png16.Pix {
		png16.Pix[i] = 0xff
	}
	png16.SetRGBA64(0, 0, color.RGBA64{0xffff, 0, 0, 0xffff})
	grayJPEG := encodeJPEG(t, image.NewGray(image.Rect(0, 0, 33, 21)), 90)

	// the 96x64 fixtures: red square top-left, blue top-right, 16 px
	upright96 := map[image.Point]shade{{4, 4}: red, {91, 4}: blue}
	tests := []struct {
		name   string
		data   []byte
		format Format
		size   image.Point
		points map[image.Point]shade
	}{
		{"baseline jpeg", encodeJPEG(t, markedRGBA(80, 60), 90), JPEG, image.Pt(80, 60), map[image.Point]shade{{3, 3}: red, {76, 3}: blue, {40, 50}: grey}},
		{"progressive jpeg", readFixture(t, "progressive.jpg"), JPEG, image.Pt(96, 64), upright96},
		{"cmyk jpeg", readFixture(t, "cmyk.jpg"), JPEG, image.Pt(96, 64), upright96},
		{"gray jpeg", grayJPEG, JPEG, image.Pt(33, 21), nil},
		{"opaque png", encodePNG(t, markedRGBA(50, 40)), JPEG, image.Pt(50, 40), map[image.Point]shade{{2, 2}: red, {47, 2}: blue}},
		{"png with transparency stays png", encodePNG(t, alphaPNG), PNG, image.Pt(40, 30), map[image.Point]shade{{39, 29}: transparent}},
		{"16-bit png", encodePNG(t, png16), JPEG, image.Pt(30, 20), nil},
		{"lossy webp", readFixture(t, "photo.webp"), JPEG, image.Pt(96, 64), upright96},
		{"lossless webp with alpha", readFixture(t, "alpha_lossless.webp"), PNG, image.Pt(96, 64), map[image.Point]shade{{4, 4}: red, {91, 4}: blue, {90, 60}: transparent}},
		{"lossy webp with alpha", readFixture(t, "alpha_lossy.webp"), PNG, image.Pt(96, 64), map[image.Point]shade{{4, 4}: red, {90, 60}: transparent}},
		{"webp with exif orientation 6", readFixture(t, "rot6.webp"), JPEG, image.Pt(64, 96), map[image.Point]shade{{59, 4}: red, {59, 91}: blue}},
		{"animated gif keeps the first frame", animatedGIF(t), JPEG, image.Pt(40, 30), map[image.Point]shade{{1, 1}: red, {38, 28}: red}},
		{"heic", readFixture(t, "sample.heic"), JPEG, image.Pt(192, 128), map[image.Point]shade{{8, 8}: red, {183, 8}: blue}},
		// EXIF says 6 but HEIF does not apply EXIF orientation: as stored
		{"heic exif orientation is not applied", readFixture(t, "exif6.heic"), JPEG, image.Pt(192, 128), map[image.Point]shade{{8, 8}: red, {183, 8}: blue}},
		// irot turns it once (libheif); EXIF 6 must not turn it again
		{"heic irot applied once", readFixture(t, "irot-exif6.heic"), JPEG, image.Pt(128, 192), map[image.Point]shade{{119, 8}: red, {119, 183}: blue}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := Process(tt.data, []string{"48x0", "20x20", "30x30f"}, Config{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Format != tt.format {
				t.Fatalf("format %s, want %s", res.Format, tt.format)
			}
			assertNoMetadata(t, res.Original, res.Format)
			img := decodeOutput(t, res.Original, res.Format)
			if img.Bounds().Size() != tt.size {
				t.Fatalf("size %v, want %v", img.Bounds().Size(), tt.size)
			}
			checkPoints(t, img, tt.points)
			checkThumbs(t, res, []string{"48x0", "20x20", "30x30f", "100x100"})
			if !strings.HasPrefix(res.Meta.Color, "#") || len(res.Meta.Color) != 7 {
				t.Errorf("color %q", res.Meta.Color)
			}
			if _, err := blurhash.Decode(res.Meta.Blurhash, 8, 8, 1); err != nil {
				t.Errorf("blurhash %q: %v", res.Meta.Blurhash, err)
			}
		})
	}
}

// checkThumbs checks that the result has exactly the sizes asked for, in
// order, each decoding in the result's format at the size PocketBase
// would give it.
func checkThumbs(t *testing.T, res *Result, sizes []string) {
	t.Helper()
	if len(res.Thumbs) != len(sizes) {
		t.Fatalf("%d thumbs, want %v", len(res.Thumbs), sizes)
	}
	for i, s := range sizes {
		th := res.Thumbs[i]
		if th.Size != s {
			t.Fatalf("thumb %d is %s, want %s", i, th.Size, s)
		}
		ts, _ := ParseThumbSize(s)
		_, w, h := ts.plan(res.Meta.Width, res.Meta.Height)
		img := decodeOutput(t, th.Data, res.Format)
		if img.Bounds().Size() != image.Pt(w, h) || th.Width != w || th.Height != h {
			t.Errorf("thumb %s: decodes to %v, says %dx%d, want %dx%d", s, img.Bounds().Size(), th.Width, th.Height, w, h)
		}
		assertNoMetadata(t, th.Data, res.Format)
	}
}

func TestProcessRejectsBadContent(t *testing.T) {
	t.Parallel()
	good := encodeJPEG(t, phonePhoto(200, 150, 1), 90)
	goodPNG := encodePNG(t, randomRGBA(60, 40, 2))
	// flip a byte inside the IDAT data: its checksum no longer matches
	idat := bytes.Index(goodPNG, []byte("IDAT"))
	tests := []struct {
		name string
		data []byte
		kind error
	}{
		{"empty", nil, ErrEmpty},
		{"text", []byte("definitely not a picture"), ErrNotImage},
		{"truncated jpeg", good[:len(good)/2], ErrCorrupt},
		{"jpeg cut after the header", good[:700], ErrCorrupt},
		{"corrupt png data", flipByte(goodPNG, idat+40), ErrCorrupt},
		{"truncated png", goodPNG[:len(goodPNG)-30], ErrCorrupt},
		{"truncated webp", readFixture(t, "photo.webp")[:100], ErrCorrupt},
		{"truncated heic", readFixture(t, "sample.heic")[:400], ErrCorrupt},
		{"huge png", hugePNG(50000, 50000), ErrTooLarge},
		{"huge jpeg", hugeJPEG(50000, 50000), ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := Process(tt.data, nil, Config{})
			var pe *Error
			if !errors.As(err, &pe) || !errors.Is(err, tt.kind) {
				t.Fatalf("Process() = %v, %v; want an *Error of kind %v", res, err, tt.kind)
			}
		})
	}
}

func TestProcessThumbSizes(t *testing.T) {
	t.Parallel()
	data := encodeJPEG(t, phonePhoto(640, 480, 3), 90)
	res, err := Process(data, []string{"1024x0", "480x0", "240x240", "640x480f", "0x50", "10x10b"}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	checkThumbs(t, res, []string{"1024x0", "480x0", "240x240", "640x480f", "0x50", "10x10b", "100x100"})
	// a fit the original already fits is the original itself
	if th, _ := res.Thumb("640x480f"); !bytes.Equal(th.Data, res.Original) {
		t.Error("640x480f should be the original's bytes")
	}
	// like PocketBase, Wx0 enlarges
	if th, _ := res.Thumb("1024x0"); th.Width != 1024 || th.Height != 768 {
		t.Errorf("1024x0 is %dx%d", th.Width, th.Height)
	}
	if _, ok := res.Thumb("7x7"); ok {
		t.Error("Thumb() found a size that was not made")
	}
}

func TestProcessRefusesBadConfiguration(t *testing.T) {
	t.Parallel()
	data := encodeJPEG(t, markedRGBA(60, 40), 90)
	for name, c := range map[string]struct {
		thumbs []string
		cfg    Config
	}{
		"bad thumb syntax":          {[]string{"big"}, Config{}},
		"thumb over the pixel cap":  {[]string{"60000x0"}, Config{MaxPixels: 1_000_000}},
		"negative side":             {nil, Config{MaxSide: -1}},
		"quality out of range":      {nil, Config{JPEGQuality: 101}},
		"negative pixel limit":      {nil, Config{MaxPixels: -5}},
		"zero thumb sides":          {[]string{"0x0"}, Config{}},
		"thumb larger than a JPEG ": {[]string{"65536x0"}, Config{}},
	} {
		_, err := Process(data, c.thumbs, c.cfg)
		var pe *Error
		if err == nil || errors.As(err, &pe) {
			t.Errorf("%s: Process() = %v, want a plain configuration error", name, err)
		}
	}
}

func TestProcessMeta(t *testing.T) {
	t.Parallel()
	// three quarters red, a quarter blue
	m := image.NewRGBA(image.Rect(0, 0, 120, 80))
	for y := 0; y < 80; y++ {
		for x := 0; x < 120; x++ {
			c := color.RGBA{220, 20, 30, 255}
			if x >= 90 {
				c = color.RGBA{20, 30, 200, 255}
			}
			m.SetRGBA(x, y, c)
		}
	}
	res, err := Process(encodePNG(t, m), nil, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Meta.Color != "#dc141e" {
		t.Errorf("dominant colour %s, want #dc141e", res.Meta.Color)
	}
	// the blurhash is 4x3 for a landscape picture, and its placeholder
	// is red on the left and blue on the right
	if len(res.Meta.Blurhash) != 6+2*(4*3-1) {
		t.Errorf("blurhash %q is not 4x3", res.Meta.Blurhash)
	}
	ph, err := blurhash.Decode(res.Meta.Blurhash, 12, 8, 1)
	if err != nil {
		t.Fatal(err)
	}
	checkPoints(t, ph, map[image.Point]shade{{1, 4}: red, {11, 4}: blue})

	portrait, err := Process(encodeJPEG(t, phonePhoto(60, 90, 1), 90), nil, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if len(portrait.Meta.Blurhash) != 6+2*(3*4-1) {
		t.Errorf("portrait blurhash %q is not 3x4", portrait.Meta.Blurhash)
	}
}

func TestDominantColor(t *testing.T) {
	t.Parallel()
	m := image.NewNRGBA(image.Rect(0, 0, 10, 10))
	if got := dominantColor(m); got != "#000000" {
		t.Errorf("fully transparent: %s", got)
	}
	for i := 0; i < len(m.Pix); i += 4 {
		copy(m.Pix[i:], []uint8{10, 200, 10, 255})
	}
	// a few bright pixels do not outvote the many
	copy(m.Pix[0:], []uint8{255, 255, 255, 255})
	if got := dominantColor(m); got != "#0ac80a" {
		t.Errorf("dominantColor() = %s, want #0ac80a", got)
	}
}

// TestProcessIsSafeConcurrently runs photos of every decoder at once, as a
// pool with several workers does (the HEIC decoder instantiates its
// WebAssembly module per call).
func TestProcessIsSafeConcurrently(t *testing.T) {
	t.Parallel()
	inputs := [][]byte{
		readFixture(t, "sample.heic"), readFixture(t, "irot-exif6.heic"), readFixture(t, "photo.webp"),
		encodeJPEG(t, phonePhoto(300, 200, 4), 90), encodePNG(t, randomRGBA(50, 50, 6)),
	}
	want := make([]string, len(inputs))
	for i, in := range inputs {
		res, err := Process(in, []string{"64x0"}, Config{})
		if err != nil {
			t.Fatal(err)
		}
		want[i] = res.Meta.Blurhash
	}
	p := NewPool(4, 0)
	defer p.Close()
	errs := make(chan error, 4*len(inputs))
	var wg sync.WaitGroup
	for range 4 {
		for i, in := range inputs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- p.Do(context.Background(), func() error {
					res, err := Process(in, []string{"64x0"}, Config{})
					if err == nil && res.Meta.Blurhash != want[i] {
						err = fmt.Errorf("input %d: blurhash %s, alone %s", i, res.Meta.Blurhash, want[i])
					}
					return err
				})
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// TestEncodeJPEGFromPlanes checks that encode hands image/jpeg the
// picture's own planes: the file is the one image/jpeg makes of the
// source image, to the byte, and it decodes to the same layout (4:2:0 or
// gray), so no RGB round trip crept in. Odd sizes cover the half chroma
// sample past the edge.
func TestEncodeJPEGFromPlanes(t *testing.T) {
	t.Parallel()
	for _, size := range []image.Point{{1, 1}, {33, 21}, {64, 48}} {
		yc := phonePhoto(size.X, size.Y, uint64(size.X))
		gray := &image.Gray{Pix: yc.Y, Stride: yc.YStride, Rect: yc.Rect}
		for name, img := range map[string]image.Image{"ycbcr 4:2:0": yc, "gray": gray} {
			got, err := encode(pictureOf(img), JPEG, 85)
			if err != nil {
				t.Fatal(err)
			}
			var want bytes.Buffer
			if err := jpeg.Encode(&want, img, &jpeg.Options{Quality: 85}); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want.Bytes()) {
				t.Errorf("%s %v: output differs from image/jpeg's of the source", name, size)
			}
			out, err := jpeg.Decode(bytes.NewReader(got))
			if err != nil {
				t.Fatalf("%s %v: %v", name, size, err)
			}
			if out.Bounds() != img.Bounds() {
				t.Errorf("%s %v: bounds %v", name, size, out.Bounds())
			}
			switch m := out.(type) {
			case *image.YCbCr:
				if name != "ycbcr 4:2:0" || m.SubsampleRatio != image.YCbCrSubsampleRatio420 {
					t.Errorf("%s %v: decodes as YCbCr %v", name, size, m.SubsampleRatio)
				}
			case *image.Gray:
				if name != "gray" {
					t.Errorf("%s %v: decodes as gray", name, size)
				}
			default:
				t.Errorf("%s %v: decodes as %T", name, size, out)
			}
		}
	}
}

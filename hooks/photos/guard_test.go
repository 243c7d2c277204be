package photos

import (
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"runtime"
	"strings"
	"testing"
)

func TestGuard(t *testing.T) {
	t.Parallel()
	smallJPEG := encodeJPEG(t, markedRGBA(40, 30), 90)
	smallPNG := encodePNG(t, markedRGBA(40, 30))
	zeroGIF := []byte("GIF89a\x00\x00\x10\x00\x00\x00\x00;")
	webpAnim := readFixture(t, "animated.webp")

	tests := []struct {
		name     string
		data     []byte
		filename string
		cfg      Config
		kind     error
		reason   string // a part of the reason the user sees
		format   Format
		w, h     int
	}{
		{name: "jpeg", data: smallJPEG, filename: "a.jpg", format: JPEG, w: 40, h: 30},
		{name: "jpeg upper-case extension", data: smallJPEG, filename: "IMG_1.JPEG", format: JPEG, w: 40, h: 30},
		{name: "no extension claims nothing", data: smallJPEG, filename: "blob", format: JPEG, w: 40, h: 30},
		{name: "empty name skips the check", data: smallPNG, format: PNG, w: 40, h: 30},
		{name: "png", data: smallPNG, filename: "a.png", format: PNG, w: 40, h: 30},
		{name: "gif", data: animatedGIF(t), filename: "a.gif", format: GIF, w: 40, h: 30},
		{name: "webp", data: readFixture(t, "photo.webp"), filename: "a.webp", format: WebP, w: 96, h: 64},
		{name: "heic", data: readFixture(t, "sample.heic"), filename: "IMG_0001.HEIC", format: HEIC, w: 192, h: 128},
		{name: "heic turned by irot reports displayed size", data: readFixture(t, "irot-exif6.heic"), filename: "a.heic", format: HEIC, w: 128, h: 192},
		{name: "cmyk jpeg", data: readFixture(t, "cmyk.jpg"), filename: "a.jpg", format: JPEG, w: 96, h: 64},
		{name: "progressive jpeg", data: readFixture(t, "progressive.jpg"), filename: "a.jpg", format: JPEG, w: 96, h: 64},

		{name: "empty", data: nil, filename: "a.jpg", kind: ErrEmpty, reason: "empty"},
		{name: "text named jpg", data: []byte("hello, this is not a photo\n"), filename: "a.jpg", kind: ErrNotImage, reason: "not an image"},
		{name: "html named png", data: []byte("<!doctype html><p>hi"), filename: "a.png", kind: ErrNotImage, reason: "not an image"},
		{name: "png named jpg", data: smallPNG, filename: "photo.jpg", kind: ErrNameMismatch, reason: "content is PNG but the name says .jpg"},
		{name: "jpeg named txt", data: smallJPEG, filename: "photo.txt", kind: ErrNameMismatch, reason: "content is JPEG but the name says .txt"},
		{name: "heic named jpg", data: readFixture(t, "sample.heic"), filename: "photo.jpg", kind: ErrNameMismatch, reason: "content is HEIC but the name says .jpg"},
		{name: "bmp", data: append([]byte("BM"), make([]byte, 60)...), filename: "a.bmp", kind: ErrUnsupported, reason: "unsupported format BMP"},
		{name: "tiff", data: []byte("II*\x00\x08\x00\x00\x00"), filename: "a.tif", kind: ErrUnsupported, reason: "unsupported format TIFF"},
		{name: "avif", data: ftyp("avif", "mif1", "miaf"), filename: "a.avif", kind: ErrUnsupported, reason: "unsupported format AVIF"},
		{name: "svg", data: []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>`), filename: "a.svg", kind: ErrUnsupported, reason: "unsupported format SVG"},
		{name: "animated webp", data: webpAnim, filename: "a.webp", kind: ErrUnsupported, reason: "animated WebP"},
		{name: "narrow heic", data: readFixture(t, "narrow.heic"), filename: "a.heic", kind: ErrUnsupported, reason: "narrower than 128 px"},
		{name: "png declaring 50000x50000", data: hugePNG(50000, 50000), filename: "a.png", kind: ErrTooLarge, reason: "image is 50000x50000, over the 40 MP limit"},
		{name: "jpeg declaring 50000x50000", data: hugeJPEG(50000, 50000), filename: "a.jpg", kind: ErrTooLarge, reason: "image is 50000x50000, over the 40 MP limit"},
		{name: "limit is configurable", data: smallJPEG, filename: "a.jpg", cfg: Config{MaxPixels: 1000}, kind: ErrTooLarge, reason: "image is 40x30, over the 0.001 MP limit"},
		{name: "zero width gif", data: zeroGIF, filename: "a.gif", kind: ErrDimensions, reason: "image is 0x16"},
		{name: "truncated png header", data: smallPNG[:20], filename: "a.png", kind: ErrCorrupt, reason: "corrupt PNG header"},
		{name: "jpeg without frame header", data: []byte{0xff, 0xd8, 0xff, 0xd9}, filename: "a.jpg", kind: ErrCorrupt, reason: "corrupt JPEG header"},
		{name: "png header with a bad checksum", data: flipByte(smallPNG, 20), filename: "a.png", kind: ErrCorrupt, reason: "corrupt PNG header"},
		{name: "heic brand without boxes", data: ftyp("heic", "mif1", "heic"), filename: "a.heic", kind: ErrCorrupt, reason: "corrupt HEIC header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := Guard(tt.data, tt.filename, tt.cfg)
			if tt.kind == nil {
				if err != nil {
					t.Fatalf("Guard() error = %v", err)
				}
				if info.Format != tt.format || info.Width != tt.w || info.Height != tt.h {
					t.Fatalf("Guard() = %+v, want %s %dx%d", info, tt.format, tt.w, tt.h)
				}
				return
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Guard() error = %v (%T), want *Error", err, err)
			}
			if !errors.Is(err, tt.kind) {
				t.Errorf("Guard() error kind = %v, want %v", pe.Kind, tt.kind)
			}
			if !strings.Contains(pe.Error(), tt.reason) {
				t.Errorf("Guard() reason = %q, want it to contain %q", pe.Error(), tt.reason)
			}
			if !strings.HasPrefix(pe.Code(), "validation_") || pe.Code() == "validation_invalid_image" {
				t.Errorf("Code() = %q, want a specific validation code", pe.Code())
			}
		})
	}
}

// ftyp returns an ISO base media file that is only an ftyp box.
func ftyp(major string, compatible ...string) []byte {
	body := append([]byte(major), 0, 0, 0, 0)
	for _, c := range compatible {
		body = append(body, c...)
	}
	out := binary.BigEndian.AppendUint32(nil, uint32(8+len(body)))
	out = append(out, "ftyp"...)
	return append(out, body...)
}

func flipByte(b []byte, i int) []byte {
	out := append([]byte{}, b...)
	out[i] ^= 0xff
	return out
}

// TestGuardHugeDeclaredAllocatesLittle checks that the 50000x50000
// headers are refused from the header alone: memory stays flat (a decode
// would need 10 GB).
func TestGuardHugeDeclaredAllocatesLittle(t *testing.T) {
	for name, data := range map[string][]byte{"png": hugePNG(50000, 50000), "jpeg": hugeJPEG(50000, 50000)} {
		t.Run(name, func(t *testing.T) {
			allocs := testing.AllocsPerRun(50, func() {
				if _, err := Guard(data, "", Config{}); !errors.Is(err, ErrTooLarge) {
					t.Fatalf("Guard() error = %v, want ErrTooLarge", err)
				}
			})
			if allocs > 20 {
				t.Errorf("Guard() makes %v allocations a call, want at most 20", allocs)
			}
			const runs = 50
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for range runs {
				_, _ = Guard(data, "", Config{})
			}
			runtime.ReadMemStats(&after)
			perCall := (after.TotalAlloc - before.TotalAlloc) / runs
			if perCall > 64<<10 {
				t.Errorf("Guard() allocates %d bytes a call, want under 64 KiB", perCall)
			}
		})
	}
}

func TestErrorUnwrapsKindAndCause(t *testing.T) {
	cause := errors.New("unexpected EOF")
	err := error(reject(ErrCorrupt, cause, "corrupt or truncated %s", JPEG))
	if !errors.Is(err, ErrCorrupt) || !errors.Is(err, cause) {
		t.Fatalf("errors.Is does not see the kind and the cause in %v", err)
	}
	if err.Error() != "corrupt or truncated JPEG" {
		t.Fatalf("Error() = %q", err.Error())
	}
	if got := (&Error{Kind: ErrTooLarge}).Code(); got != "validation_image_too_large" {
		t.Fatalf("Code() = %q", got)
	}
}

func TestSniff(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		data []byte
		want Format
	}{
		"jpeg":          {[]byte{0xff, 0xd8, 0xff, 0xe0}, JPEG},
		"png":           {[]byte(pngMagic + "rest"), PNG},
		"gif87":         {[]byte("GIF87a......"), GIF},
		"webp":          {[]byte("RIFF\x00\x00\x00\x00WEBPVP8 "), WebP},
		"riff not webp": {[]byte("RIFF\x00\x00\x00\x00WAVEfmt "), ""},
		"heic":          {ftyp("heic", "mif1", "heic"), HEIC},
		"heif mif1":     {ftyp("mif1", "heic"), HEIC},
		"avif wins":     {ftyp("mif1", "avif", "miaf"), AVIF},
		"mp4":           {ftyp("isom", "iso2", "mp41"), ""},
		"short":         {[]byte{0xff, 0xd8}, ""},
		"text":          {[]byte("just text"), ""},
		"svg with bom":  {[]byte("\xef\xbb\xbf  <svg viewBox='0 0 1 1'/>"), SVG},
	}
	for name, tt := range tests {
		if got := sniff(tt.data); got != tt.want {
			t.Errorf("%s: sniff() = %q, want %q", name, got, tt.want)
		}
	}
}

func TestReplaceExtAndFormatNames(t *testing.T) {
	t.Parallel()
	if got := ReplaceExt("IMG_0001.HEIC", JPEG); got != "IMG_0001.jpg" {
		t.Errorf("ReplaceExt() = %q", got)
	}
	if got := ReplaceExt("scan", PNG); got != "scan.png" {
		t.Errorf("ReplaceExt() = %q", got)
	}
	if JPEG.ContentType() != "image/jpeg" || PNG.ContentType() != "image/png" || HEIC.ContentType() != "image/heic" {
		t.Error("ContentType() is wrong")
	}
}

// TestGuardAcceptsWhatItDecodes makes sure Guard's formats and limits
// agree with the decoders on generated images of odd sizes.
func TestGuardAcceptsWhatItDecodes(t *testing.T) {
	t.Parallel()
	for _, size := range []image.Point{{1, 1}, {3, 1}, {1, 5}, {17, 9}} {
		m := image.NewNRGBA(image.Rect(0, 0, size.X, size.Y))
		for i := range m.Pix {
			m.Pix[i] = uint8(i * 7)
		}
		m.Set(0, 0, color.NRGBA{1, 2, 3, 255})
		for _, data := range [][]byte{encodePNG(t, m), encodeJPEG(t, m, 80)} {
			info, err := Guard(data, "", Config{})
			if err != nil {
				t.Fatalf("%v: Guard() error = %v", size, err)
			}
			if info.Width != size.X || info.Height != size.Y {
				t.Fatalf("%v: Guard() = %+v", size, info)
			}
		}
	}
}

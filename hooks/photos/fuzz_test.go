package photos

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// fuzzConfig keeps a fuzzed picture small: the fuzzer would otherwise
// spend its time decoding the 40 MP it is allowed.
var fuzzConfig = Config{MaxPixels: 1 << 18, MaxSide: 128, JPEGQuality: 80}

// fuzzSeeds are the fixtures of the unit tests: every format, the phone
// JPEG with GPS and orientation 6, the oversized headers, truncated and
// corrupt files, a text file and an empty one.
func fuzzSeeds(f *testing.F) [][]byte {
	jpg := encodeJPEG(f, markedRGBA(40, 30), 85)
	png := encodePNG(f, randomRGBA(20, 10, 1))
	seeds := [][]byte{
		jpg,
		withAPP1(jpg, exifTIFF(6, binary.LittleEndian)),
		withAPP1(jpg, exifTIFF(3, binary.BigEndian)),
		png,
		animatedGIF(f),
		hugePNG(50000, 50000),
		hugeJPEG(50000, 50000),
		jpg[:len(jpg)/2],
		png[:len(png)-20],
		flipByte(png, len(png)/2),
		[]byte("not an image at all"),
		nil,
	}
	ents, err := os.ReadDir("testdata")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range ents {
		switch filepath.Ext(e.Name()) {
		case ".jpg", ".webp", ".heic":
			seeds = append(seeds, readFixture(f, e.Name()))
		}
	}
	return seeds
}

// FuzzGuard: whatever the bytes and the name, Guard does not panic, only
// refuses with an *Error, and what it accepts is a format we take at a
// size within the limit.
func FuzzGuard(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s, "upload.jpg")
	}
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		info, err := Guard(data, name, fuzzConfig)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || pe.Reason == "" || pe.Kind == nil {
				t.Fatalf("Guard() error %v (%T) is not a complete *Error", err, err)
			}
			return
		}
		if !info.Format.accepted() || info.Width <= 0 || info.Height <= 0 || info.Width*info.Height > fuzzConfig.MaxPixels {
			t.Fatalf("Guard() accepted %+v", info)
		}
	})
}

// FuzzProcess: the whole sanitiser on arbitrary bytes. It never panics,
// refuses bad content with an *Error, and whatever it stores is a
// metadata-free JPEG or PNG within the size cap, with every thumb at the
// size PocketBase would make.
func FuzzProcess(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	sizes := []string{"64x0", "20x20t", "30x10f"}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Process(data, sizes, fuzzConfig)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Process() error %v (%T) is not an *Error", err, err)
			}
			return
		}
		img := decodeOutput(t, res.Original, res.Format)
		b := img.Bounds()
		if b.Dx() != res.Meta.Width || b.Dy() != res.Meta.Height || max(b.Dx(), b.Dy()) > fuzzConfig.MaxSide {
			t.Fatalf("original %v, meta %dx%d", b, res.Meta.Width, res.Meta.Height)
		}
		assertNoMetadata(t, res.Original, res.Format)
		checkThumbs(t, res, append(sizes, DefaultThumbSize))
		if res.Meta.Blurhash == "" || len(res.Meta.Color) != 7 {
			t.Fatalf("meta %+v", res.Meta)
		}
	})
}

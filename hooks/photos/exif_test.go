package photos

import (
	"encoding/binary"
	"testing"
)

func TestOrientationOfJPEG(t *testing.T) {
	t.Parallel()
	jpg := encodeJPEG(t, markedRGBA(16, 8), 80)
	for _, bo := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		for o := 1; o <= 8; o++ {
			if got := orientationOf(JPEG, withAPP1(jpg, exifTIFF(o, bo))); got != o {
				t.Errorf("%v orientation %d: orientationOf() = %d", bo, o, got)
			}
		}
	}
	tests := map[string][]byte{
		"no exif":                 jpg,
		"orientation 0":           withAPP1(jpg, exifTIFF(0, binary.BigEndian)),
		"orientation 9":           withAPP1(jpg, exifTIFF(9, binary.BigEndian)),
		"not a jpeg":              []byte("hello"),
		"truncated segment":       withAPP1(jpg, exifTIFF(6, binary.BigEndian))[:30],
		"xmp app1 is not exif":    withAPP1Raw(jpg, []byte("http://ns.adobe.com/xap/1.0/\x00<x/>")),
		"exif after the scan":     append(append([]byte{}, jpg...), withAPP1([]byte{0xff, 0xd8}, exifTIFF(6, binary.BigEndian))...),
		"bad byte order":          withAPP1(jpg, append([]byte("XX"), exifTIFF(6, binary.BigEndian)[2:]...)),
		"ifd offset out of range": withAPP1(jpg, []byte("MM\x00\x2a\x7f\xff\xff\xff")),
	}
	for name, data := range tests {
		if got := orientationOf(JPEG, data); got != 1 {
			t.Errorf("%s: orientationOf() = %d, want 1", name, got)
		}
	}
}

func withAPP1Raw(jpg, payload []byte) []byte {
	out := append([]byte{}, jpg[:2]...)
	out = append(out, 0xff, 0xe1, byte((len(payload)+2)>>8), byte(len(payload)+2))
	out = append(out, payload...)
	return append(out, jpg[2:]...)
}

func TestOrientationOfOtherFormats(t *testing.T) {
	t.Parallel()
	if got := orientationOf(WebP, readFixture(t, "rot6.webp")); got != 6 {
		t.Errorf("rot6.webp: orientationOf() = %d, want 6", got)
	}
	if got := orientationOf(WebP, readFixture(t, "photo.webp")); got != 1 {
		t.Errorf("photo.webp: orientationOf() = %d, want 1", got)
	}
	// a PNG with an eXIf chunk before its data
	png := encodePNG(t, markedRGBA(8, 8))
	withExif := append(append(append([]byte{}, png[:33]...), pngChunkBytes("eXIf", exifTIFF(3, binary.LittleEndian))...), png[33:]...)
	if got := orientationOf(PNG, withExif); got != 3 {
		t.Errorf("png eXIf: orientationOf() = %d, want 3", got)
	}
	// HEIC: libheif applied the container's transforms, the EXIF tag is
	// never read again
	if got := orientationOf(HEIC, readFixture(t, "exif6.heic")); got != 1 {
		t.Errorf("heic: orientationOf() = %d, want 1", got)
	}
}

// FuzzOrientation feeds the EXIF readers arbitrary bytes: they must never
// panic and always answer 1..8.
func FuzzOrientation(f *testing.F) {
	jpg := encodeJPEG(f, markedRGBA(8, 8), 80)
	f.Add(withAPP1(jpg, exifTIFF(6, binary.BigEndian)))
	f.Add(withAPP1(jpg, exifTIFF(8, binary.LittleEndian)))
	f.Add(readFixture(f, "rot6.webp"))
	f.Add(exifTIFF(3, binary.LittleEndian))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, format := range []Format{JPEG, WebP, PNG} {
			if o := orientationOf(format, data); o < 1 || o > 8 {
				t.Fatalf("orientationOf(%s) = %d", format, o)
			}
		}
		if o := tiffOrientation(data); o < 1 || o > 8 {
			t.Fatalf("tiffOrientation() = %d", o)
		}
	})
}

// Package photostest makes the images that the photos tests and the API
// tests upload: phone-like photos, EXIF blocks with a rotation and a GPS
// position, decompression bombs, animated GIFs and marked pictures whose
// orientation shows. Everything is deterministic.
package photostest

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// RNG is a small deterministic xorshift generator: fixtures must be the
// same on every run and cheap to make at 12 MP.
type RNG uint64

// Next returns the next pseudo-random value.
func (r *RNG) Next() uint64 {
	x := uint64(*r)
	x ^= x << 13
	x ^= x >> 7
	x ^= x << 17
	*r = RNG(x)
	return x
}

// noise returns a value in [-amp, amp].
func (r *RNG) noise(amp int) int {
	return int(r.Next()%uint64(2*amp+1)) - amp
}

func clampByte(v int) uint8 { return uint8(min(max(v, 0), 255)) }

// PhonePhoto returns a photograph-like YCbCr 4:2:0 picture: a sky-to-ground
// luma gradient, soft blobs and fine stripes (detail a resize must keep or
// alias), sensor-like noise, and slowly varying colour.
func PhonePhoto(w, h int, seed uint64) *image.YCbCr {
	m := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	r := RNG(seed | 1)
	fw, fh := float64(w), float64(h)
	for y := 0; y < h; y++ {
		fy := float64(y) / fh
		row := m.Y[y*m.YStride : y*m.YStride+w]
		for x := range row {
			fx := float64(x) / fw
			v := 200 - 120*fy + 30*math.Sin(fx*9+fy*4) + 20*math.Sin(float64(x+y)/3.1)
			row[x] = clampByte(int(v) + r.noise(10))
		}
	}
	cw, ch := (w+1)/2, (h+1)/2
	for y := 0; y < ch; y++ {
		fy := float64(y) / float64(ch)
		for x := 0; x < cw; x++ {
			fx := float64(x) / float64(cw)
			i := y*m.CStride + x
			m.Cb[i] = clampByte(int(128+50*math.Cos(fx*5)-40*fy) + r.noise(3))
			m.Cr[i] = clampByte(int(128+40*math.Sin(fy*6+fx)) + r.noise(3))
		}
	}
	return m
}

func EncodeJPEG(t testing.TB, img image.Image, q int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func EncodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var (
	bigPhotoOnce sync.Once
	bigPhoto     []byte
)

// PhoneJPEG returns the benchmark's 12 MP (4032x3024) phone-like JPEG,
// made once per process.
func PhoneJPEG(t testing.TB) []byte {
	bigPhotoOnce.Do(func() {
		bigPhoto = EncodeJPEG(t, PhonePhoto(4032, 3024, 12), 90)
	})
	return bigPhoto
}

// ExifTIFF builds the TIFF payload of an EXIF block: IFD0 with the
// orientation, a camera make and a pointer to a GPS IFD that holds a
// latitude and a longitude, as phones write them.
func ExifTIFF(orientation int, bo binary.ByteOrder) []byte {
	var b bytes.Buffer
	if bo == binary.LittleEndian {
		b.WriteString("II")
	} else {
		b.WriteString("MM")
	}
	w16 := func(v uint16) { _ = binary.Write(&b, bo, v) }
	w32 := func(v uint32) { _ = binary.Write(&b, bo, v) }
	w16(42)
	w32(8)
	// IFD0 at 8: 3 entries, then next-IFD 0
	const ifd0Len = 2 + 3*12 + 4
	makeOff := uint32(8 + ifd0Len)
	gpsOff := makeOff + 8
	w16(3)
	w16(0x010f) // Make
	w16(2)      // ASCII
	w32(8)
	w32(makeOff)
	w16(0x0112) // Orientation
	w16(3)      // SHORT
	w32(1)
	w16(uint16(orientation))
	w16(0)
	w16(0x8825) // GPSInfo IFD pointer
	w16(4)      // LONG
	w32(1)
	w32(gpsOff)
	w32(0)
	b.WriteString("PhoneCo\x00")
	// GPS IFD: LatitudeRef, Latitude, LongitudeRef, Longitude
	ratOff := gpsOff + 2 + 4*12 + 4
	w16(4)
	w16(1)
	w16(2)
	w32(2)
	b.WriteString("N\x00\x00\x00")
	w16(2)
	w16(5) // RATIONAL
	w32(3)
	w32(ratOff)
	w16(3)
	w16(2)
	w32(2)
	b.WriteString("E\x00\x00\x00")
	w16(4)
	w16(5)
	w32(3)
	w32(ratOff + 24)
	w32(0)
	for _, v := range []uint32{48, 1, 51, 1, 2409, 100, 2, 1, 17, 1, 4412, 100} {
		w32(v)
	}
	return b.Bytes()
}

// WithAPP1 inserts an Exif APP1 segment right after the SOI of a JPEG.
func WithAPP1(jpg, tiff []byte) []byte {
	seg := append([]byte("Exif\x00\x00"), tiff...)
	out := append([]byte{}, jpg[:2]...)
	out = append(out, 0xff, 0xe1, byte((len(seg)+2)>>8), byte(len(seg)+2))
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

// PNGChunk returns one PNG chunk with its CRC.
func PNGChunk(typ string, payload []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(payload)))
	out = append(out, typ...)
	out = append(out, payload...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(append([]byte(typ), payload...)))
}

// HugePNG is a PNG whose valid header declares w×h and whose data is a
// few bytes: decoding it would allocate gigabytes, guarding it must not.
func HugePNG(w, h uint32) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0) // 8-bit RGBA
	out := []byte("\x89PNG\r\n\x1a\n")
	out = append(out, PNGChunk("IHDR", ihdr)...)
	out = append(out, PNGChunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})...)
	return append(out, PNGChunk("IEND", nil)...)
}

// HugeJPEG is a JPEG whose frame header declares w×h (baseline, 3
// components) and that has no image data, as a camera writes it (no JFIF
// segment, so DecodeConfig reads on to the scan).
func HugeJPEG(w, h uint16) []byte {
	out := []byte{0xff, 0xd8}
	// DQT with one table of ones
	dqt := []byte{0xff, 0xdb, 0x00, 0x43, 0x00}
	for range 64 {
		dqt = append(dqt, 1)
	}
	out = append(out, dqt...)
	sof := []byte{0xff, 0xc0, 0x00, 0x11, 8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), 3,
		1, 0x22, 0, 2, 0x11, 0, 3, 0x11, 0}
	out = append(out, sof...)
	// the start of a scan (DecodeConfig stops there) and no scan data
	out = append(out, 0xff, 0xda, 0x00, 0x0c, 0x03, 0x01, 0x00, 0x02, 0x11, 0x03, 0x11, 0x00, 0x3f, 0x00)
	return append(out, 0xff, 0xd9)
}

// AnimatedGIF returns a two-frame GIF: a red first frame and a blue second.
func AnimatedGIF(t testing.TB) []byte {
	t.Helper()
	pal := color.Palette{color.RGBA{255, 0, 0, 255}, color.RGBA{0, 0, 255, 255}}
	f1 := image.NewPaletted(image.Rect(0, 0, 40, 30), pal)
	f2 := image.NewPaletted(image.Rect(0, 0, 40, 30), pal)
	for i := range f2.Pix {
		f2.Pix[i] = 1
	}
	var b bytes.Buffer
	if err := gif.EncodeAll(&b, &gif.GIF{Image: []*image.Paletted{f1, f2}, Delay: []int{10, 10}}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// MarkedRGBA returns a w×h opaque picture, mid grey, with a red square in
// its top-left corner and a blue one in its top-right, so any turn or
// mirror shows in where they end up.
func MarkedRGBA(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	s := min(w, h) / 4
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{128, 128, 128, 255}
			if y < s && x < s {
				c = color.RGBA{255, 0, 0, 255}
			} else if y < s && x >= w-s {
				c = color.RGBA{0, 0, 255, 255}
			}
			m.SetRGBA(x, y, c)
		}
	}
	return m
}

// ReadFixture reads a committed fixture from hooks/photos/testdata, from
// any test package's folder.
func ReadFixture(t testing.TB, name string) []byte {
	t.Helper()
	_, here, _, _ := runtime.Caller(0)
	b, err := os.ReadFile(filepath.Join(filepath.Dir(here), "..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

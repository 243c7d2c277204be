package photos

import (
	"bytes"
	"image"
	"image/jpeg"
	"runtime"
	"strings"
	"testing"
)

// TestQuantizeIsExact checks the reciprocal against image/jpeg's rounded
// division for every step a quality can produce and every value the DCT
// can (|a| < 8192, checked well past it).
func TestQuantizeIsExact(t *testing.T) {
	t.Parallel()
	div := func(a, b int32) int32 {
		if a >= 0 {
			return (a + (b >> 1)) / b
		}
		return -((-a + (b >> 1)) / b)
	}
	var e jpegEncoder
	for q := 1; q <= 255; q++ {
		d := 8 * uint32(q)
		e.recip[0][0], e.half[0][0] = quantRecip(d), int32(d>>1)
		for a := int32(-1 << 15); a < 1<<15; a++ {
			if got, want := e.quantize(a, 0, 0), div(a, int32(d)); got != want {
				t.Fatalf("quant %d, a %d: %d, want %d", q, a, got, want)
			}
		}
	}
}

// TestPlanarJPEGMatchesStdlib encodes the same pictures with the planar
// encoder and with image/jpeg: both must decode to the same pixels.
func TestPlanarJPEGMatchesStdlib(t *testing.T) {
	t.Parallel()
	for _, size := range []image.Point{{1, 1}, {17, 9}, {64, 48}, {33, 70}} {
		for _, q := range []int{1, 50, 85, 100} {
			yc := phonePhoto(size.X, size.Y, uint64(size.X))
			gray := &image.Gray{Pix: yc.Y, Stride: yc.YStride, Rect: yc.Rect}
			for name, img := range map[string]image.Image{"ycbcr": yc, "gray": gray} {
				ours, err := encodePlanarJPEG(nil, pictureOf(img), q)
				if err != nil {
					t.Fatal(err)
				}
				var std bytes.Buffer
				if err := jpeg.Encode(&std, img, &jpeg.Options{Quality: q}); err != nil {
					t.Fatal(err)
				}
				// the encoder was taken from Go 1.27: with that standard
				// library the files are the same to the byte
				if strings.HasPrefix(runtime.Version(), "go1.27") && !bytes.Equal(ours, std.Bytes()) {
					t.Errorf("%s %v q%d: output differs from image/jpeg's", name, size, q)
				}
				a, err := jpeg.Decode(bytes.NewReader(ours))
				if err != nil {
					t.Fatalf("%s %v q%d: our output does not decode: %v", name, size, q, err)
				}
				b, _ := jpeg.Decode(bytes.NewReader(std.Bytes()))
				if a.Bounds() != b.Bounds() {
					t.Fatalf("%s %v q%d: bounds %v, stdlib %v", name, size, q, a.Bounds(), b.Bounds())
				}
				if d := maxDiff(rgbaPix(a), rgbaPix(b)); d > 1 {
					t.Errorf("%s %v q%d: decoded pixels differ from image/jpeg's by %d", name, size, q, d)
				}
			}
		}
	}
}

func rgbaPix(m image.Image) []uint8 {
	r := m.Bounds()
	out := make([]uint8, 0, r.Dx()*r.Dy()*4)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c0, c1, c2, c3 := m.At(x, y).RGBA()
			out = append(out, uint8(c0>>8), uint8(c1>>8), uint8(c2>>8), uint8(c3>>8))
		}
	}
	return out
}

func TestPlanarJPEGRefusesOtherLayouts(t *testing.T) {
	t.Parallel()
	if _, err := encodePlanarJPEG(nil, pictureOf(randomRGBA(4, 4, 1)), 80); err == nil {
		t.Error("RGBA should be refused")
	}
	if _, err := encodePlanarJPEG(nil, pictureOf(image.NewYCbCr(image.Rect(0, 0, 4, 4), image.YCbCrSubsampleRatio422)), 80); err == nil {
		t.Error("4:2:2 should be refused")
	}
}

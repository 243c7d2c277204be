package photos

import (
	"image"
	"math"
	"peerbase/hooks/photos/photostest"
	"testing"

	"github.com/disintegration/imaging"
)

// randomPlane returns random samples between 40 and 215: far enough from
// the ends that no intermediate overshoot is clipped, so the resampler can
// be held to its rounding against a float reference.
var (
	// linearFilter is the tent filter PocketBase uses (imaging.Linear).
	linearFilter = &filter{support: 1, kernel: func(x float64) float64 {
		x = math.Abs(x)
		if x < 1 {
			return 1 - x
		}
		return 0
	}}

	// lanczos3Filter is the reference-quality kernel.
	lanczos3Filter = &filter{support: 3, kernel: func(x float64) float64 {
		x = math.Abs(x)
		if x == 0 {
			return 1
		}
		if x < 3 {
			px := math.Pi * x
			return 3 * math.Sin(px) * math.Sin(px/3) / (px * px)
		}
		return 0
	}}
)

func randomPlane(w, h, ch int, seed uint64) plane {
	p := newPlane(w, h, ch)
	r := photostest.RNG(seed | 1)
	for i := range p.pix {
		p.pix[i] = uint8(40 + r.Next()%176)
		if ch == 4 && i%4 == 3 {
			p.pix[i] = 0xff
		}
	}
	return p
}

// referenceResample is the textbook separable convolution in float64,
// with the same kernel support and edge handling as resample but none of
// its tricks (no fixed point, no packing, no clipping between passes).
func referenceResample(src plane, b box, w, h int, f *filter) []float64 {
	axis := func(inSize int, in0, in1 float64, out int) [][2][]float64 {
		scale := (in1 - in0) / float64(out)
		fs := max(scale, 1)
		support := f.support * fs
		res := make([][2][]float64, out)
		for i := range res {
			center := in0 + (float64(i)+0.5)*scale
			lo := max(int(math.Floor(center-support+0.5)), 0)
			hi := min(int(math.Floor(center+support+0.5)), inSize)
			var idx, wt []float64
			var sum float64
			for j := lo; j < hi; j++ {
				k := f.kernel((float64(j) - center + 0.5) / fs)
				idx, wt = append(idx, float64(j)), append(wt, k)
				sum += k
			}
			if sum == 0 {
				idx, wt, sum = []float64{float64(min(max(int(center), 0), inSize-1))}, []float64{1}, 1
			}
			for j := range wt {
				wt[j] /= sum
			}
			res[i] = [2][]float64{idx, wt}
		}
		return res
	}
	xs := axis(src.w, b.x0, b.x1, w)
	ys := axis(src.h, b.y0, b.y1, h)
	out := make([]float64, w*h*src.ch)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			for c := 0; c < src.ch; c++ {
				var v float64
				for i, sy := range ys[y][0] {
					for j, sx := range xs[x][0] {
						v += ys[y][1][i] * xs[x][1][j] * float64(src.pix[int(sy)*src.stride+int(sx)*src.ch+c])
					}
				}
				out[(y*w+x)*src.ch+c] = v
			}
		}
	}
	return out
}

// TestResampleMatchesReference runs the optimised resampler (packed rows,
// identity axes, one and four channels, odd and even heights, sub-pixel
// spans) against the float reference.
func TestResampleMatchesReference(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		sw, sh int
		ch     int
		b      box
		w, h   int
	}{
		{"shrink 1.575", 63, 48, 1, box{0, 0, 63, 48}, 40, 30},
		{"shrink, odd height", 50, 37, 1, box{0, 0, 50, 37}, 21, 13},
		{"enlarge", 10, 7, 1, box{0, 0, 10, 7}, 23, 17},
		{"sub-pixel crop", 40, 40, 1, box{3.25, 5.5, 31.75, 36.125}, 12, 14},
		{"rows only", 30, 40, 1, box{0, 0, 30, 40}, 30, 17},
		{"columns only", 30, 40, 1, box{0, 0, 30, 40}, 11, 40},
		{"one row out", 30, 40, 1, box{0, 0, 30, 40}, 9, 1},
		{"rgba", 31, 22, 4, box{0, 0, 31, 22}, 13, 9},
		{"rgba enlarge", 6, 5, 4, box{0, 0, 6, 5}, 13, 11},
		{"tiny source", 2, 1, 1, box{0, 0, 2, 1}, 5, 3},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := randomPlane(tt.sw, tt.sh, tt.ch, uint64(i+1))
			dst := newPlane(tt.w, tt.h, tt.ch)
			resample(dst, src, tt.b, catmullRomFilter)
			ref := referenceResample(src, tt.b, tt.w, tt.h, catmullRomFilter)
			for j, v := range dst.pix {
				want := min(max(math.Round(ref[j]), 0), 255)
				// 8-bit rounding between the passes costs at most a level
				// per pass, amplified by the kernel's negative lobes
				if math.Abs(float64(v)-want) > 2 {
					t.Fatalf("sample %d = %d, reference %.2f", j, v, ref[j])
				}
			}
		})
	}
}

func TestComputeWeights(t *testing.T) {
	t.Parallel()
	if computeWeights(10, 0, 10, 10, catmullRomFilter) != nil {
		t.Error("a 1:1 axis should be the identity")
	}
	for _, c := range []struct {
		in       int
		in0, in1 float64
		out      int
	}{{4032, 0, 4032, 2560}, {100, 10.5, 60.25, 7}, {5, 0, 5, 40}, {1, 0, 1, 3}, {300, 0, 300, 1}} {
		for _, f := range []*filter{linearFilter, catmullRomFilter, lanczos3Filter} {
			w := computeWeights(c.in, c.in0, c.in1, c.out, f)
			for i := 0; i < c.out; i++ {
				s := w.start[i]
				if s < 0 || s+w.n > c.in {
					t.Fatalf("%+v: window %d..%d outside 0..%d", c, s, s+w.n, c.in)
				}
				var sum int64
				for _, k := range w.coef[i*w.n : i*w.n+w.n] {
					sum += int64(k)
				}
				if d := sum - 1<<precisionBits; d < -int64(w.n) || d > int64(w.n) {
					t.Fatalf("%+v: weights of %d sum to %d", c, i, sum)
				}
			}
		}
	}
	// the 12 MP to 2560 step needs no padding taps: 2*2*1.575 < 7
	if w := computeWeights(4032, 0, 4032, 2560, catmullRomFilter); w.n != 7 {
		t.Errorf("taps = %d, want 7", w.n)
	}
}

func TestConstantStaysConstant(t *testing.T) {
	t.Parallel()
	for _, ch := range []int{1, 4} {
		src := newPlane(97, 61, ch)
		for i := range src.pix {
			src.pix[i] = 173
		}
		for _, size := range []image.Point{{13, 9}, {97, 30}, {200, 150}, {3, 2}} {
			dst := resizePlane(src, box{0, 0, 97, 61}, size.X, size.Y, catmullRomFilter)
			for i, v := range dst.pix {
				if v != 173 {
					t.Fatalf("ch %d %v: sample %d = %d", ch, size, i, v)
				}
			}
		}
	}
}

func TestReduce(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ w, h, ch, fx, fy int }{{9, 7, 1, 2, 2}, {9, 7, 1, 3, 2}, {10, 8, 4, 2, 2}, {11, 5, 4, 4, 1}} {
		src := randomPlane(c.w, c.h, c.ch, 5)
		got := reduce(src, c.fx, c.fy)
		for y := 0; y < got.h; y++ {
			for x := 0; x < got.w; x++ {
				for k := 0; k < c.ch; k++ {
					var s, n int
					for sy := y * c.fy; sy < min(y*c.fy+c.fy, c.h); sy++ {
						for sx := x * c.fx; sx < min(x*c.fx+c.fx, c.w); sx++ {
							s += int(src.pix[sy*src.stride+sx*c.ch+k])
							n++
						}
					}
					want := (s + n/2) / n
					if v := int(got.pix[y*got.stride+x*c.ch+k]); v != want {
						t.Fatalf("%+v: (%d,%d,%d) = %d, want %d", c, x, y, k, v, want)
					}
				}
			}
		}
	}
}

// TestClampPremultiplied: sharp kernels overshoot; colour must never end
// above alpha in premultiplied RGBA.
func TestClampPremultiplied(t *testing.T) {
	t.Parallel()
	src := newPlane(8, 1, 4)
	for x := 0; x < 8; x++ {
		a := uint8(255)
		if x >= 4 {
			a = 10
		}
		copy(src.pix[x*4:], []uint8{a, a, a, a})
	}
	dst := resizePlane(src, box{0, 0, 8, 1}, 20, 1, catmullRomFilter)
	for i := 0; i < len(dst.pix); i += 4 {
		if dst.pix[i] > dst.pix[i+3] {
			t.Fatalf("pixel %d: colour %d over alpha %d", i/4, dst.pix[i], dst.pix[i+3])
		}
	}
}

// zonePlate is the phone photo with a zone plate (rings up to the
// Nyquist frequency) over its left half: the content where a careless
// shrink aliases.
func zonePlate(w, h int) *image.YCbCr {
	m := phonePhoto(w, h, 5)
	for y := 0; y < h; y++ {
		for x := 0; x < w/2; x++ {
			dx, dy := float64(x-w/4), float64(y-h/2)
			m.Y[y*m.YStride+x] = uint8(128 + 100*math.Cos((dx*dx+dy*dy)/float64(w)*1.2))
		}
	}
	return m
}

// psnrLuma compares the luma of two images of one size.
func psnrLuma(a, b image.Image) float64 {
	luma := func(m image.Image, x, y int) float64 {
		r, g, b, _ := m.At(x, y).RGBA()
		return (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(b)) / 257
	}
	r := a.Bounds()
	var se float64
	for y := 0; y < r.Dy(); y++ {
		for x := 0; x < r.Dx(); x++ {
			d := luma(a, r.Min.X+x, r.Min.Y+y) - luma(b, b.Bounds().Min.X+x, b.Bounds().Min.Y+y)
			se += d * d
		}
	}
	if se == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/(se/float64(r.Dx()*r.Dy())))
}

// TestThumbQualityBeatsPocketBase derives the offers field's thumbs the
// pipeline's way (box pre-shrinks, Catmull-Rom, each from a larger one) and
// compares them with a fair Lanczos3 resize of the original, next to
// PocketBase's own imaging.Linear thumbs: ours must be at least as close.
func TestThumbQualityBeatsPocketBase(t *testing.T) {
	t.Parallel()
	src := zonePlate(1280, 960)
	orig := pictureOf(src)
	d := newDeriver(orig)
	for _, s := range []string{"1024x0", "480x0", "240x240", "100x100", "60x80b"} {
		ts, err := ParseThumbSize(s)
		if err != nil {
			t.Fatal(err)
		}
		bx, w, h := ts.plan(orig.w, orig.h)
		got := d.derive(bx, w, h)
		crop := imaging.Crop(src, image.Rect(int(bx.x0), int(bx.y0), int(bx.x1), int(bx.y1)))
		fair := imaging.Resize(crop, w, h, imaging.Lanczos)
		pb := imaging.Resize(crop, w, h, imaging.Linear)
		ours, theirs := psnrLuma(got.image(), fair), psnrLuma(pb, fair)
		t.Logf("%s: ours %.1f dB, PocketBase %.1f dB from a fair Lanczos3", s, ours, theirs)
		if ours < 30 || ours < theirs-0.5 {
			t.Errorf("%s: ours %.1f dB, PocketBase %.1f dB", s, ours, theirs)
		}
	}
}

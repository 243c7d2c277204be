package photos

import (
	"math"
)

// plane is one 8-bit sample plane: a luma or chroma plane (ch == 1) or
// interleaved premultiplied RGBA (ch == 4). It is the unit every resize,
// crop and rotation works on, so one kernel serves every image type.
type plane struct {
	pix    []uint8
	w, h   int
	stride int
	ch     int
}

func newPlane(w, h, ch int) plane {
	return plane{pix: make([]uint8, w*h*ch), w: w, h: h, stride: w * ch, ch: ch}
}

// row returns the samples of row y, exactly w*ch long.
func (p plane) row(y int) []uint8 {
	o := y * p.stride
	return p.pix[o : o+p.w*p.ch : o+p.w*p.ch]
}

// box is a rectangle in a plane's coordinates, in fractions of a pixel:
// pixel i covers [i, i+1).
type box struct{ x0, y0, x1, y1 float64 }

func (b box) dx() float64 { return b.x1 - b.x0 }
func (b box) dy() float64 { return b.y1 - b.y0 }

// scale maps b by independent factors on each axis.
func (b box) scale(sx, sy float64) box {
	return box{b.x0 * sx, b.y0 * sy, b.x1 * sx, b.y1 * sy}
}

// filter is a separable resampling kernel.
type filter struct {
	support float64
	kernel  func(x float64) float64
}

// catmullRomFilter is the sharp bicubic (a = -0.5) used for the last step
// of every resize: close to Lanczos3 in quality with two thirds of its
// taps.
var catmullRomFilter = &filter{support: 2, kernel: func(x float64) float64 {
	x = math.Abs(x)
	if x < 1 {
		return (1.5*x-2.5)*x*x + 1
	}
	if x < 2 {
		return ((-0.5*x+2.5)*x-4)*x + 2
	}
	return 0
}}

// reduceGap is how far above the target the box pre-shrink stops: after it
// the quality filter still shrinks by at least this factor (as Pillow's
// reducing_gap), which keeps its result indistinguishable from a direct
// convolution while its taps stay few.
const reduceGap = 2.0

// precisionBits is the fixed-point precision of the weights. With 8-bit
// samples and kernels whose absolute weights sum to less than 1.5, every
// accumulator stays inside int32.
const precisionBits = 22

// weights are the fixed-point coefficients of one axis of a resize: output
// i reads exactly n consecutive inputs from start[i].
type weights struct {
	n     int
	start []int
	coef  []int32
}

// identity reports whether the axis is a plain copy.
func (w *weights) identity() bool { return w == nil }

// computeWeights maps outSize outputs onto the input span [in0, in1) of an
// axis with inSize samples. It returns nil when the mapping is the
// identity, so the caller copies instead of convolving.
func computeWeights(inSize int, in0, in1 float64, outSize int, f *filter) *weights {
	if in0 == 0 && in1 == float64(inSize) && outSize == inSize {
		return nil
	}
	scale := (in1 - in0) / float64(outSize)
	fscale := max(scale, 1)
	support := f.support * fscale

	// the window of output i is [lo(i), hi(i)); n is the widest one, so
	// no output pays for taps that can only be zero
	window := func(i int) (center float64, lo, hi int) {
		center = in0 + (float64(i)+0.5)*scale
		lo = max(int(math.Floor(center-support+0.5)), 0)
		hi = min(int(math.Floor(center+support+0.5)), inSize)
		return center, lo, hi
	}
	n := 1
	for i := 0; i < outSize; i++ {
		_, lo, hi := window(i)
		n = max(n, hi-lo)
	}
	n = min(n, inSize)

	w := &weights{n: n, start: make([]int, outSize), coef: make([]int32, outSize*n)}
	tmp := make([]float64, n)
	for i := 0; i < outSize; i++ {
		center, lo, hi := window(i)
		// the window is n samples starting at start, shifted back inside
		// the axis near its end; samples past the support weigh 0
		start := max(min(lo, inSize-n), 0)
		clear(tmp)
		var sum float64
		for j := max(lo, start); j < min(hi, start+n); j++ {
			k := f.kernel((float64(j) - center + 0.5) / fscale)
			tmp[j-start] = k
			sum += k
		}
		if sum == 0 {
			// a span that lies outside the input (rounding at an edge):
			// take the nearest sample
			j := min(max(int(center), start), start+n-1)
			tmp[j-start] = 1
			sum = 1
		}
		c := w.coef[i*n : i*n+n]
		for j, k := range tmp {
			c[j] = int32(math.Round(k / sum * (1 << precisionBits)))
		}
		w.start[i] = start
	}
	return w
}

func clip8(v int32) uint8 {
	return uint8(min(max(v>>precisionBits, 0), 255))
}

// resample fills dst with the span b of src, convolving columns then rows
// with f. Columns go first because the column pass (a multiply-add over
// whole rows) is the cheaper of the two, and doing it first leaves the
// costlier gathering row pass only dst.h rows instead of src.h. Scratch
// is a few rows, never an intermediate image.
func resample(dst, src plane, b box, f *filter) {
	xw := computeWeights(src.w, b.x0, b.x1, dst.w, f)
	yw := computeWeights(src.h, b.y0, b.y1, dst.h, f)
	rowLen := src.w * src.ch

	var acc []int32
	var tmp []uint8
	if !yw.identity() {
		acc = make([]int32, rowLen)
		tmp = make([]uint8, rowLen)
	}
	// columns sums the source rows under output row y into acc
	columns := func(y int) {
		n, s := yw.n, yw.start[y]
		c := yw.coef[y*n : y*n+n]
		for j := range acc {
			acc[j] = 1 << (precisionBits - 1)
		}
		// four source rows per sweep: the accumulator is loaded and
		// stored once per four multiply-adds
		k := 0
		for ; k+4 <= n; k += 4 {
			vaccumulate4(acc, src.row(s+k), src.row(s+k+1), src.row(s+k+2), src.row(s+k+3), c[k], c[k+1], c[k+2], c[k+3])
		}
		switch n - k {
		case 3:
			vaccumulate3(acc, src.row(s+k), src.row(s+k+1), src.row(s+k+2), c[k], c[k+1], c[k+2])
		case 2:
			vaccumulate2(acc, src.row(s+k), src.row(s+k+1), c[k], c[k+1])
		case 1:
			vaccumulate(acc, src.row(s+k), c[k])
		}
	}
	// column returns the column pass of output row y
	column := func(y int) []uint8 {
		if yw.identity() {
			return src.row(y)
		}
		columns(y)
		out := tmp[:len(acc)]
		for j, a := range acc {
			out[j] = clip8(a)
		}
		return out
	}

	y := 0
	if src.ch == 1 && !xw.identity() {
		// two output rows at a time: packed into the lanes of one int64,
		// they share every multiply of both passes
		packed := make([]int64, rowLen)
		var coef []int64
		for ; y+1 < dst.h; y += 2 {
			if yw.identity() {
				r0, r1 := src.row(y), src.row(y+1)
				r1 = r1[:len(r0)]
				for j, v := range r0 {
					packed[j] = int64(v) | int64(r1[j])<<32
				}
			} else {
				coef = columnsPacked(packed, src, yw, y, coef)
			}
			hpassPacked(dst.row(y), dst.row(y+1), packed, xw)
		}
	}
	for ; y < dst.h; y++ {
		hpass(dst.row(y), column(y), xw, src.ch)
		if dst.ch == 4 {
			clampPremultiplied(dst.row(y))
		}
	}
}

// columnsPacked runs the column pass of output rows y and y+1 together:
// every source row under either gets one int64 weight holding its weight
// for row y in the low lane and for row y+1 in the high one, so each
// sample is multiplied once for both. out receives the two clipped rows
// packed the same way, as hpassPacked reads them.
func columnsPacked(out []int64, src plane, yw *weights, y int, coef []int64) []int64 {
	n := yw.n
	s0, s1 := yw.start[y], yw.start[y+1]
	lo, hi := min(s0, s1), max(s0, s1)+n
	coef = coef[:0]
	for r := lo; r < hi; r++ {
		var c0, c1 int64
		if r >= s0 && r < s0+n {
			c0 = int64(yw.coef[y*n+r-s0])
		}
		if r >= s1 && r < s1+n {
			c1 = int64(yw.coef[(y+1)*n+r-s1])
		}
		coef = append(coef, c0+c1<<32)
	}
	acc := out[:src.w]
	for j := range acc {
		acc[j] = 1<<(precisionBits-1) | 1<<(precisionBits-1)<<32
	}
	k := 0
	for ; k+4 <= len(coef); k += 4 {
		r := lo + k
		vaccumulate64x4(acc, src.row(r), src.row(r+1), src.row(r+2), src.row(r+3), coef[k], coef[k+1], coef[k+2], coef[k+3])
	}
	for ; k < len(coef); k++ {
		if coef[k] != 0 {
			vaccumulate64(acc, src.row(lo+k), coef[k])
		}
	}
	for j, a := range acc {
		l := int32(a)
		h := int32((a - int64(l)) >> 32)
		acc[j] = int64(clip8(l)) | int64(clip8(h))<<32
	}
	return coef
}

func vaccumulate64x4(acc []int64, r0, r1, r2, r3 []uint8, c0, c1, c2, c3 int64) {
	r0, r1, r2, r3 = r0[:len(acc)], r1[:len(acc)], r2[:len(acc)], r3[:len(acc)]
	for i := range acc {
		acc[i] += c0*int64(r0[i]) + c1*int64(r1[i]) + c2*int64(r2[i]) + c3*int64(r3[i])
	}
}

func vaccumulate64(acc []int64, r []uint8, c int64) {
	r = r[:len(acc)]
	for i, v := range r {
		acc[i] += c * int64(v)
	}
}

func vaccumulate(acc []int32, row []uint8, c int32) {
	row = row[:len(acc)]
	for i, v := range row {
		acc[i] += c * int32(v)
	}
}

func vaccumulate4(acc []int32, r0, r1, r2, r3 []uint8, c0, c1, c2, c3 int32) {
	r0, r1, r2, r3 = r0[:len(acc)], r1[:len(acc)], r2[:len(acc)], r3[:len(acc)]
	for i := range acc {
		acc[i] += c0*int32(r0[i]) + c1*int32(r1[i]) + c2*int32(r2[i]) + c3*int32(r3[i])
	}
}

func vaccumulate3(acc []int32, r0, r1, r2 []uint8, c0, c1, c2 int32) {
	r0, r1, r2 = r0[:len(acc)], r1[:len(acc)], r2[:len(acc)]
	for i := range acc {
		acc[i] += c0*int32(r0[i]) + c1*int32(r1[i]) + c2*int32(r2[i])
	}
}

func vaccumulate2(acc []int32, r0, r1 []uint8, c0, c1 int32) {
	r0, r1 = r0[:len(acc)], r1[:len(acc)]
	for i := range acc {
		acc[i] += c0*int32(r0[i]) + c1*int32(r1[i])
	}
}

// clampPremultiplied keeps colour at or below alpha: the negative lobes of
// a sharp kernel can push a premultiplied colour past its alpha, which
// PNG's un-premultiplying would turn into garbage.
func clampPremultiplied(px []uint8) {
	for i := 0; i+3 < len(px); i += 4 {
		a := px[i+3]
		px[i] = min(px[i], a)
		px[i+1] = min(px[i+1], a)
		px[i+2] = min(px[i+2], a)
	}
}

// hpass resamples one row; w == nil copies it.
func hpass(out, in []uint8, w *weights, ch int) {
	if w.identity() {
		copy(out, in)
		return
	}
	n := w.n
	if ch == 1 {
		for x := range out {
			s := w.start[x]
			c := w.coef[x*n : x*n+n]
			px := in[s : s+len(c)]
			sum := int32(1 << (precisionBits - 1))
			for i, v := range c {
				sum += v * int32(px[i])
			}
			out[x] = clip8(sum)
		}
		return
	}
	for x := 0; x < len(out)/4; x++ {
		s := w.start[x] * 4
		c := w.coef[x*n : x*n+n]
		px := in[s : s+4*len(c)]
		r, g, b, a := int32(1<<(precisionBits-1)), int32(1<<(precisionBits-1)), int32(1<<(precisionBits-1)), int32(1<<(precisionBits-1))
		for i, v := range c {
			p := px[i*4 : i*4+4 : i*4+4]
			r += v * int32(p[0])
			g += v * int32(p[1])
			b += v * int32(p[2])
			a += v * int32(p[3])
		}
		o := out[x*4 : x*4+4 : x*4+4]
		o[0], o[1], o[2], o[3] = clip8(r), clip8(g), clip8(b), clip8(a)
	}
}

// hpassPacked resamples two rows of single samples at once. Each int64 of
// in holds a sample of row 0 in its low 32 bits and one of row 1 above
// them; the weighted sums stay exact in the same places (row 0's may be
// negative, which borrows from row 1's and is given back on unpacking), so
// one multiply serves both rows.
func hpassPacked(out0, out1 []uint8, in []int64, w *weights) {
	n := w.n
	out1 = out1[:len(out0)]
	for x := range out0 {
		s := w.start[x]
		c := w.coef[x*n : x*n+n]
		p := in[s : s+len(c)]
		sum := int64(1<<(precisionBits-1)) | int64(1<<(precisionBits-1))<<32
		for i, v := range c {
			sum += int64(v) * p[i]
		}
		lo := int32(sum)
		hi := int32((sum - int64(lo)) >> 32)
		out0[x] = clip8(lo)
		out1[x] = clip8(hi)
	}
}

// reduce shrinks src by the integer factors fx and fy, averaging each
// fx×fy block (a partial block at the right or bottom edge averages what
// it has). It is the cheap first step of a large shrink.
func reduce(src plane, fx, fy int) plane {
	w := (src.w + fx - 1) / fx
	h := (src.h + fy - 1) / fy
	dst := newPlane(w, h, src.ch)
	if src.ch == 1 && fx == 2 && fy == 2 {
		reduce2x2(dst, src)
		return dst
	}
	ch := src.ch
	sums := make([]uint32, src.w*ch)
	for y := 0; y < h; y++ {
		clear(sums)
		y0, y1 := y*fy, min(y*fy+fy, src.h)
		for sy := y0; sy < y1; sy++ {
			row := src.row(sy)
			row = row[:len(sums)]
			for i, v := range row {
				sums[i] += uint32(v)
			}
		}
		rows := uint64(y1 - y0)
		out := dst.row(y)
		for x := 0; x < w; x++ {
			x0, x1 := x*fx, min(x*fx+fx, src.w)
			cnt := rows * uint64(x1-x0)
			for c := 0; c < ch; c++ {
				var s uint64
				for sx := x0; sx < x1; sx++ {
					s += uint64(sums[sx*ch+c])
				}
				out[x*ch+c] = uint8((s + cnt/2) / cnt)
			}
		}
	}
	return dst
}

// reduce2x2 is reduce by 2 on both axes of a single-sample plane.
func reduce2x2(dst, src plane) {
	n := src.w / 2
	for y := 0; y < dst.h; y++ {
		r0 := src.row(2 * y)
		r1 := r0 // a last, half-high row averages with itself
		if 2*y+1 < src.h {
			r1 = src.row(2*y + 1)
		}
		out := dst.row(y)
		a, b := r0[:2*n], r1[:2*n]
		o := out[:n]
		for x := range o {
			o[x] = uint8((uint32(a[2*x]) + uint32(a[2*x+1]) + uint32(b[2*x]) + uint32(b[2*x+1]) + 2) >> 2)
		}
		if src.w%2 == 1 {
			last := src.w - 1
			out[n] = uint8((uint32(r0[last]) + uint32(r1[last]) + 1) >> 1)
		}
	}
}

// resizePlane returns the span b of src scaled to w×h: a box pre-shrink by
// whole factors while the shrink is large, then f for the rest.
func resizePlane(src plane, b box, w, h int, f *filter) plane {
	fx := int(b.dx() / float64(w) / reduceGap)
	fy := int(b.dy() / float64(h) / reduceGap)
	if fx > 1 || fy > 1 {
		fx, fy = max(fx, 1), max(fy, 1)
		// reduce only the whole pixels under the span
		ix0, iy0 := int(math.Floor(b.x0)), int(math.Floor(b.y0))
		ix1, iy1 := min(int(math.Ceil(b.x1)), src.w), min(int(math.Ceil(b.y1)), src.h)
		src = reduce(crop(src, ix0, iy0, ix1, iy1), fx, fy)
		b = box{
			(b.x0 - float64(ix0)) / float64(fx), (b.y0 - float64(iy0)) / float64(fy),
			(b.x1 - float64(ix0)) / float64(fx), (b.y1 - float64(iy0)) / float64(fy),
		}
	}
	dst := newPlane(w, h, src.ch)
	resample(dst, src, b, f)
	return dst
}

// crop returns the window [x0,x1)×[y0,y1) of p without copying.
func crop(p plane, x0, y0, x1, y1 int) plane {
	if x0 == 0 && y0 == 0 && x1 == p.w && y1 == p.h {
		return p
	}
	o := y0*p.stride + x0*p.ch
	end := (y1-1)*p.stride + x1*p.ch
	return plane{pix: p.pix[o:end], w: x1 - x0, h: y1 - y0, stride: p.stride, ch: p.ch}
}

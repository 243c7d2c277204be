// Copyright 2011 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE-GO file.

package photos

import (
	"errors"
)

// The encoder below is image/jpeg's (see jpegtables.go), for the two
// layouts the pipeline makes of photos: planar YCbCr 4:2:0 and gray. The
// standard encoder reaches every pixel of a YCbCr image through
// YCbCr.YOffset and COffset, builds four full-resolution chroma blocks per
// macroblock only to average them back down, and quantises with 64 integer
// divisions per block; together that is over half of its time. Here the
// blocks are copied from the planes and the division is a multiply. The
// output is the standard encoder's: same tables, same DCT, same bits.

// quantRecip is an exact reciprocal of a quantiser step d = 8*q: for every
// n below 1<<16, (n*m)>>32 == n/d. The DCT outputs are under 1<<14 (Q13.0),
// so the rounded dividend n = |a| + d/2 stays well inside that range; the
// error of the multiply, below n/2^32 < 2^-16, is smaller than the 1/d
// (at least 2^-11) that separates n/d from the next integer.
func quantRecip(d uint32) uint64 {
	return (1<<32)/uint64(d) + 1
}

// jpegEncoder holds the output and the bit accumulator.
type jpegEncoder struct {
	out         []byte
	bits, nBits uint32
	quant       [nQuantIndex][blockSize]byte
	// recip and half are, per table and zig-zag index, the reciprocal of
	// 8*quant and half of 8*quant.
	recip [nQuantIndex][blockSize]uint64
	half  [nQuantIndex][blockSize]int32
}

// encodePlanarJPEG encodes a YCbCr 4:2:0 or gray picture as baseline
// JPEG, appending to out.
func encodePlanarJPEG(out []byte, p *picture, quality int) ([]byte, error) {
	if p.w >= 1<<16 || p.h >= 1<<16 {
		return nil, errors.New("failed to encode JPEG: image is too large")
	}
	gray := p.layout == layoutGray
	if !gray && (p.layout != layoutYCbCr || p.div[1] != [2]int{2, 2}) {
		return nil, errors.New("failed to encode JPEG: not planar 4:2:0 or gray")
	}
	e := &jpegEncoder{out: out}
	quality = min(max(quality, 1), 100)
	// image/jpeg's quality scaling
	var scale int
	if quality < 50 {
		scale = 5000 / quality
	} else {
		scale = 200 - quality*2
	}
	for i := range e.quant {
		for j := range e.quant[i] {
			x := int(unscaledQuant[i][j])
			x = min(max((x*scale+50)/100, 1), 255)
			e.quant[i][j] = uint8(x)
			d := 8 * uint32(x)
			e.recip[i][j] = quantRecip(d)
			e.half[i][j] = int32(d >> 1)
		}
	}
	nComponent := 3
	if gray {
		nComponent = 1
	}
	e.out = append(e.out, 0xff, 0xd8)
	e.writeDQT()
	e.writeSOF0(p.w, p.h, nComponent)
	e.writeDHT(nComponent)
	if gray {
		e.writeScanGray(p.planes[0])
	} else {
		e.writeScan420(p.planes[0], p.planes[1], p.planes[2])
	}
	e.out = append(e.out, 0xff, 0xd9)
	return e.out, nil
}

// quantize returns a/(8*quant) rounded to the nearest integer, half away
// from zero, as image/jpeg's div.
func (e *jpegEncoder) quantize(a int32, q quantIndex, zig int) int32 {
	if a >= 0 {
		return int32((uint64(a+e.half[q][zig]) * e.recip[q][zig]) >> 32)
	}
	return -int32((uint64(-a+e.half[q][zig]) * e.recip[q][zig]) >> 32)
}

func (e *jpegEncoder) emit(bits, nBits uint32) {
	nBits += e.nBits
	bits <<= 32 - nBits
	bits |= e.bits
	for nBits >= 8 {
		b := uint8(bits >> 24)
		e.out = append(e.out, b)
		if b == 0xff {
			e.out = append(e.out, 0x00)
		}
		bits <<= 8
		nBits -= 8
	}
	e.bits, e.nBits = bits, nBits
}

func (e *jpegEncoder) emitHuff(h huffIndex, value int32) {
	x := theHuffmanLUT[h][value]
	e.emit(x&(1<<24-1), x>>24)
}

func (e *jpegEncoder) emitHuffRLE(h huffIndex, runLength, value int32) {
	a, b := value, value
	if a < 0 {
		a, b = -value, value-1
	}
	var nBits uint32
	if a < 0x100 {
		nBits = uint32(bitCount[a])
	} else {
		nBits = 8 + uint32(bitCount[a>>8])
	}
	e.emitHuff(h, runLength<<4|int32(nBits))
	if nBits > 0 {
		e.emit(uint32(b)&(1<<nBits-1), nBits)
	}
}

func (e *jpegEncoder) writeMarkerHeader(marker uint8, markerlen int) {
	e.out = append(e.out, 0xff, marker, uint8(markerlen>>8), uint8(markerlen))
}

func (e *jpegEncoder) writeDQT() {
	const markerlen = 2 + int(nQuantIndex)*(1+blockSize)
	e.writeMarkerHeader(0xdb, markerlen)
	for i := range e.quant {
		e.out = append(e.out, uint8(i))
		e.out = append(e.out, e.quant[i][:]...)
	}
}

func (e *jpegEncoder) writeSOF0(w, h, nComponent int) {
	e.writeMarkerHeader(0xc0, 8+3*nComponent)
	e.out = append(e.out, 8, uint8(h>>8), uint8(h), uint8(w>>8), uint8(w), uint8(nComponent))
	if nComponent == 1 {
		e.out = append(e.out, 1, 0x11, 0x00)
		return
	}
	// 4:2:0: luma sampled 2x2, chroma 1x1
	e.out = append(e.out, 1, 0x22, 0x00, 2, 0x11, 0x01, 3, 0x11, 0x01)
}

func (e *jpegEncoder) writeDHT(nComponent int) {
	markerlen := 2
	specs := theHuffmanSpec[:]
	if nComponent == 1 {
		specs = specs[:2]
	}
	for _, s := range specs {
		markerlen += 1 + 16 + len(s.value)
	}
	e.writeMarkerHeader(0xc4, markerlen)
	for i, s := range specs {
		e.out = append(e.out, "\x00\x10\x01\x11"[i])
		e.out = append(e.out, s.count[:]...)
		e.out = append(e.out, s.value...)
	}
}

// writeBlock is image/jpeg's, with quantize for div.
func (e *jpegEncoder) writeBlock(b *block, q quantIndex, prevDC int32) int32 {
	fdct(b)
	dc := e.quantize(b[0], q, 0)
	e.emitHuffRLE(huffIndex(2*q+0), 0, dc-prevDC)
	h, runLength := huffIndex(2*q+1), int32(0)
	for zig := 1; zig < blockSize; zig++ {
		ac := e.quantize(b[unzig[zig]], q, zig)
		if ac == 0 {
			runLength++
		} else {
			for runLength > 15 {
				e.emitHuff(h, 0xf0)
				runLength -= 16
			}
			e.emitHuffRLE(h, runLength, ac)
			runLength = 0
		}
	}
	if runLength > 0 {
		e.emitHuff(h, 0x00)
	}
	return dc
}

// loadBlock copies the 8x8 samples of p at (x, y) into b, repeating the
// last column and row past the plane's edge as image/jpeg does.
func loadBlock(b *block, p plane, x, y int) {
	if x+8 <= p.w && y+8 <= p.h {
		for j := 0; j < 8; j++ {
			row := p.pix[(y+j)*p.stride+x : (y+j)*p.stride+x+8]
			d := b[8*j : 8*j+8 : 8*j+8]
			for i, v := range row {
				d[i] = int32(v)
			}
		}
		return
	}
	for j := 0; j < 8; j++ {
		row := p.row(min(y+j, p.h-1))
		for i := 0; i < 8; i++ {
			b[8*j+i] = int32(row[min(x+i, p.w-1)])
		}
	}
}

func (e *jpegEncoder) writeScanGray(y plane) {
	e.out = append(e.out, 0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00)
	var b block
	var prevDC int32
	for by := 0; by < y.h; by += 8 {
		for bx := 0; bx < y.w; bx += 8 {
			loadBlock(&b, y, bx, by)
			prevDC = e.writeBlock(&b, 0, prevDC)
		}
	}
	e.emit(0x7f, 7)
}

func (e *jpegEncoder) writeScan420(y, cb, cr plane) {
	e.out = append(e.out, 0xff, 0xda, 0x00, 0x0c, 0x03, 0x01, 0x00, 0x02, 0x11, 0x03, 0x11, 0x00, 0x3f, 0x00)
	var b block
	var prevY, prevCb, prevCr int32
	for my := 0; my < y.h; my += 16 {
		for mx := 0; mx < y.w; mx += 16 {
			for i := 0; i < 4; i++ {
				loadBlock(&b, y, mx+(i&1)*8, my+(i&2)*4)
				prevY = e.writeBlock(&b, 0, prevY)
			}
			loadBlock(&b, cb, mx/2, my/2)
			prevCb = e.writeBlock(&b, 1, prevCb)
			loadBlock(&b, cr, mx/2, my/2)
			prevCr = e.writeBlock(&b, 1, prevCr)
		}
	}
	e.emit(0x7f, 7)
}
